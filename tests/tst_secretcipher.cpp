// SPDX-License-Identifier: GPL-3.0-or-later
#include "secrets/secretcipher.h"

#include <QObject>
#include <QTest>

using namespace ga::secrets;
using namespace ga::secrets::cipher;

namespace {

const CipherParams kFast { 10, 8, 1 }; // 1 MiB scrypt, milliseconds per derivation
const QByteArray kPassphrase = QByteArrayLiteral("correct horse battery staple");

QMap<QString, QByteArray> sampleEntries()
{
    return {
        { QStringLiteral("key/k1a2b3c4"), QByteArrayLiteral("AIzaSyExample-0123456789") },
        { QStringLiteral("token/access"), QByteArray("\x00\x01\xff\xfe binary \n\"}", 16) },
        { QStringLiteral("empty"), QByteArray() },
    };
}

} // namespace

class TestSecretCipher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip();
    void emptyStore();
    void layout();
    void wrongPassphrase();
    void tampered_data();
    void tampered();
    void truncated_data();
    void truncated();
    void notOurFormat();
    void freshNonceEachSeal();
    void freshSaltPerNewFile();
    void paramsComeFromHeader();
    void cachedKeyAvoidsScrypt();
    void cachedKeyIgnoredForOtherSalt();
    void absurdParamsRejected();
};

void TestSecretCipher::roundTrip()
{
    const QByteArray file = seal(sampleEntries(), kPassphrase, kFast);
    QVERIFY(!file.isEmpty());
    QVERIFY(!file.contains("AIzaSyExample"));
    QVERIFY(!file.contains("key/k1a2b3c4")); // entry names are encrypted too

    const DecryptResult opened = open(file, kPassphrase);
    QCOMPARE(opened.status, OpenStatus::Ok);
    QCOMPARE(opened.entries, sampleEntries());
    QVERIFY(opened.key.isValid());
    QCOMPARE(opened.key.params(), kFast);
}

void TestSecretCipher::emptyStore()
{
    const QByteArray file = seal({}, kPassphrase, kFast);
    QVERIFY(!file.isEmpty());
    const DecryptResult opened = open(file, kPassphrase);
    QCOMPARE(opened.status, OpenStatus::Ok);
    QVERIFY(opened.entries.isEmpty());
}

void TestSecretCipher::layout()
{
    const QByteArray file = seal({ { QStringLiteral("a"), QByteArrayLiteral("b") } }, kPassphrase, kFast);
    const QByteArray plaintext = R"({"a":"Yg=="})";
    QCOMPARE(file.size(), kHeaderSize + plaintext.size() + kTagSize);
    QVERIFY(file.startsWith("GASECRET"));
    QCOMPARE(quint8(file.at(8)), kFormatVersion);
    QCOMPARE(quint8(file.at(9)), quint8(kFast.logN));
    QCOMPARE(file.mid(10, 4), QByteArray("\0\0\0\x08", 4)); // r, big-endian
    QCOMPARE(file.mid(14, 4), QByteArray("\0\0\0\x01", 4)); // p, big-endian
}

void TestSecretCipher::wrongPassphrase()
{
    const QByteArray file = seal(sampleEntries(), kPassphrase, kFast);
    const DecryptResult opened = open(file, "Correct horse battery staple");
    QCOMPARE(opened.status, OpenStatus::BadPassphrase);
    QVERIFY(opened.entries.isEmpty());
    QVERIFY(!opened.key.isValid());
    QCOMPARE(open(file, "").status, OpenStatus::BadPassphrase);
}

void TestSecretCipher::tampered_data()
{
    QTest::addColumn<int>("offset"); // negative: from the end
    QTest::addColumn<OpenStatus>("expected");

    QTest::addRow("magic") << 0 << OpenStatus::NotOurFormat;
    QTest::addRow("version") << 8 << OpenStatus::UnsupportedVersion;
    QTest::addRow("logN") << 9 << OpenStatus::BadPassphrase; // 10 -> 11: a different key
    QTest::addRow("r") << 13 << OpenStatus::BadPassphrase; // 8 -> 9
    QTest::addRow("p") << 17 << OpenStatus::BadPassphrase; // 1 -> 3
    QTest::addRow("salt") << 18 << OpenStatus::BadPassphrase;
    QTest::addRow("nonce") << 34 << OpenStatus::BadPassphrase;
    QTest::addRow("ciphertext first") << kHeaderSize << OpenStatus::BadPassphrase;
    QTest::addRow("ciphertext last") << -(kTagSize + 1) << OpenStatus::BadPassphrase;
    QTest::addRow("tag first") << -kTagSize << OpenStatus::BadPassphrase;
    QTest::addRow("tag last") << -1 << OpenStatus::BadPassphrase;
}

void TestSecretCipher::tampered()
{
    QFETCH(int, offset);
    QFETCH(OpenStatus, expected);

    QByteArray file = seal(sampleEntries(), kPassphrase, kFast);
    QCOMPARE(open(file, kPassphrase).status, OpenStatus::Ok);
    const qsizetype at = offset >= 0 ? offset : file.size() + offset;
    // Flip one bit. For p, bit 1 (1 -> 3): bit 0 would give p = 0, which is refused as Corrupt.
    const char flip = (at == 17) ? char(0x02) : char(0x01);
    file[at] = char(file.at(at) ^ flip);
    QCOMPARE(open(file, kPassphrase).status, expected);
}

void TestSecretCipher::truncated_data()
{
    QTest::addColumn<int>("size"); // negative: drop that many bytes from the end
    QTest::addColumn<OpenStatus>("expected");

    QTest::addRow("empty") << 0 << OpenStatus::NotOurFormat;
    QTest::addRow("half magic") << 4 << OpenStatus::NotOurFormat;
    QTest::addRow("magic only") << 8 << OpenStatus::Corrupt;
    QTest::addRow("magic and version") << 9 << OpenStatus::Corrupt;
    QTest::addRow("header only") << kHeaderSize << OpenStatus::Corrupt;
    QTest::addRow("header and short tag") << kHeaderSize + kTagSize - 1 << OpenStatus::Corrupt;
    QTest::addRow("one byte short") << -1 << OpenStatus::BadPassphrase;
    QTest::addRow("tag missing") << -kTagSize << OpenStatus::BadPassphrase;
}

void TestSecretCipher::truncated()
{
    QFETCH(int, size);
    QFETCH(OpenStatus, expected);

    const QByteArray file = seal(sampleEntries(), kPassphrase, kFast);
    const QByteArray cut = size >= 0 ? file.left(size) : file.left(file.size() + size);
    QCOMPARE(open(cut, kPassphrase).status, expected);
}

void TestSecretCipher::notOurFormat()
{
    QCOMPARE(open(R"({"key/k1":"QUl6YQ=="})", kPassphrase).status, OpenStatus::NotOurFormat);
    QCOMPARE(open(QByteArray(200, 'x'), kPassphrase).status, OpenStatus::NotOurFormat);
    QCOMPARE(open("gasecret" + QByteArray(100, '\0'), kPassphrase).status, OpenStatus::NotOurFormat);

    QByteArray future = seal(sampleEntries(), kPassphrase, kFast);
    future[8] = char(2);
    const DecryptResult opened = open(future, kPassphrase);
    QCOMPARE(opened.status, OpenStatus::UnsupportedVersion);
    QCOMPARE(opened.version, quint8(2));
}

void TestSecretCipher::freshNonceEachSeal()
{
    const DecryptResult first = open(seal(sampleEntries(), kPassphrase, kFast), kPassphrase);
    QVERIFY(first.ok());

    const QByteArray a = seal(sampleEntries(), first.key);
    const QByteArray b = seal(sampleEntries(), first.key);
    QCOMPARE(a.size(), b.size());
    QCOMPARE(a.left(18 + kSaltSize), b.left(18 + kSaltSize)); // same magic, version, params, salt
    QVERIFY(a.mid(18 + kSaltSize, kNonceSize) != b.mid(18 + kSaltSize, kNonceSize));
    QVERIFY(a.mid(kHeaderSize) != b.mid(kHeaderSize));
    QCOMPARE(open(a, kPassphrase).entries, sampleEntries());
    QCOMPARE(open(b, kPassphrase).entries, sampleEntries());
}

void TestSecretCipher::freshSaltPerNewFile()
{
    const QByteArray a = seal(sampleEntries(), kPassphrase, kFast);
    const QByteArray b = seal(sampleEntries(), kPassphrase, kFast);
    QVERIFY(a.mid(18, kSaltSize) != b.mid(18, kSaltSize));
}

void TestSecretCipher::paramsComeFromHeader()
{
    const CipherParams other { 9, 4, 2 };
    const QByteArray file = seal(sampleEntries(), kPassphrase, other);
    const DecryptResult opened = open(file, kPassphrase);
    QCOMPARE(opened.status, OpenStatus::Ok);
    QCOMPARE(opened.key.params(), other);
    QCOMPARE(opened.entries, sampleEntries());
}

void TestSecretCipher::cachedKeyAvoidsScrypt()
{
    const QByteArray file = seal(sampleEntries(), kPassphrase, kFast);
    const DecryptResult first = open(file, kPassphrase);
    QVERIFY(first.ok());

    // A matching cached key is used as is: the passphrase argument is not even looked at.
    const DecryptResult second = open(seal(sampleEntries(), first.key), "not the passphrase", &first.key);
    QCOMPARE(second.status, OpenStatus::Ok);
    QCOMPARE(second.entries, sampleEntries());
}

void TestSecretCipher::cachedKeyIgnoredForOtherSalt()
{
    const DecryptResult first = open(seal(sampleEntries(), kPassphrase, kFast), kPassphrase);
    QVERIFY(first.ok());
    const QByteArray otherFile = seal(sampleEntries(), "other passphrase", kFast); // new salt

    QCOMPARE(open(otherFile, kPassphrase, &first.key).status, OpenStatus::BadPassphrase);
    QCOMPARE(open(otherFile, "other passphrase", &first.key).status, OpenStatus::Ok);
}

void TestSecretCipher::absurdParamsRejected()
{
    QVERIFY(CipherParams().isSupported());
    QVERIFY(kFast.isSupported());
    QVERIFY(!(CipherParams { 0, 8, 1 }).isSupported());
    QVERIFY(!(CipherParams { 40, 8, 1 }).isSupported());
    QVERIFY(!(CipherParams { 20, 64, 1 }).isSupported()); // 8 GiB
    QVERIFY(!(CipherParams { 10, 0, 1 }).isSupported());
    QVERIFY(!(CipherParams { 10, 8, 0 }).isSupported());
    QVERIFY(!deriveKey(kPassphrase, randomBytes(kSaltSize), CipherParams { 40, 8, 1 }).isValid());
    QVERIFY(!deriveKey(kPassphrase, QByteArray(3, 's'), kFast).isValid());
    QVERIFY(seal(sampleEntries(), kPassphrase, CipherParams { 40, 8, 1 }).isEmpty());

    // A file that asks for 2^40 rounds is refused before any memory is allocated.
    QByteArray file = seal(sampleEntries(), kPassphrase, kFast);
    file[9] = char(40);
    QCOMPARE(open(file, kPassphrase).status, OpenStatus::Corrupt);
    file[9] = char(kFast.logN);
    file[10] = char(0x7f); // r = 0x7f000008
    QCOMPARE(open(file, kPassphrase).status, OpenStatus::Corrupt);
}

QTEST_GUILESS_MAIN(TestSecretCipher)
#include "tst_secretcipher.moc"
