// SPDX-License-Identifier: GPL-3.0-or-later
// The daemon must run on a server with no display and no GUI libraries: check what it links.
#include "testsupport.h"

#include <QProcess>
#include <QTest>

class TestLinkage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void daemonLinksNoGuiLibraries()
    {
        QProcess ldd;
        ldd.start(QStringLiteral("ldd"), { ga::test::daemonPath() });
        QVERIFY(ldd.waitForFinished(30'000));
        QCOMPARE(ldd.exitCode(), 0);
        const QString libs = QString::fromUtf8(ldd.readAllStandardOutput());
        QVERIFY2(libs.contains(QStringLiteral("libQt6Core")), qPrintable(libs)); // the check sees Qt at all
        for (const char *forbidden :
            { "libQt6Widgets", "libQt6Gui", "libQt6Quick", "libQt6Qml", "libGL", "libX11", "libxcb", "libwayland" }) {
            QVERIFY2(!libs.contains(QLatin1String(forbidden)),
                qPrintable(QStringLiteral("gemini-aggregatord links %1:\n%2").arg(QLatin1String(forbidden), libs)));
        }
    }

    void daemonRunsWithoutADisplay()
    {
        ga::test::Sandbox sb;
        sb.unsetEnv(QStringLiteral("DISPLAY"));
        sb.unsetEnv(QStringLiteral("WAYLAND_DISPLAY"));
        sb.unsetEnv(QStringLiteral("QT_QPA_PLATFORM"));
        const ga::test::CliResult r = ga::test::runCli(sb, { QStringLiteral("config"), QStringLiteral("check") });
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
    }
};

QTEST_GUILESS_MAIN(TestLinkage)
#include "tst_linkage.moc"
