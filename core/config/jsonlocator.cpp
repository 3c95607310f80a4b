// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/jsonlocator.h"

#include <QList>

namespace ga::config {
namespace {

struct Frame
{
    bool isObject = true;
    QString path; // path of the container itself
    QString key; // object: last key read
    int index = -1; // array: index of the current element
    bool expectKey = true;
};

QString childPath(const QString &parent, const QString &key)
{
    return parent.isEmpty() ? key : parent + u'.' + key;
}

} // namespace

void lineColumnAt(const QByteArray &text, qsizetype offset, int *line, int *column)
{
    int l = 1;
    int c = 1;
    for (qsizetype i = 0; i < offset && i < text.size(); ++i) {
        if (text.at(i) == '\n') {
            ++l;
            c = 1;
        } else {
            ++c;
        }
    }
    *line = l;
    *column = c;
}

QHash<QString, int> locateJsonPaths(const QByteArray &json)
{
    QHash<QString, int> lines;
    QList<Frame> stack;
    int line = 1;
    const qsizetype n = json.size();

    // Called at the first byte of a value: records array elements and returns the value's path.
    auto valuePath = [&]() -> QString {
        if (stack.isEmpty()) {
            return {};
        }
        Frame &top = stack.last();
        if (top.isObject) {
            return childPath(top.path, top.key);
        }
        ++top.index;
        const QString p = top.path + u'[' + QString::number(top.index) + u']';
        lines.insert(p, line);
        return p;
    };

    for (qsizetype i = 0; i < n; ++i) {
        const char ch = json.at(i);
        if (ch == '\n') {
            ++line;
            continue;
        }
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == ',' || ch == ':') {
            continue;
        }
        if (ch == '"') {
            qsizetype j = i + 1;
            QByteArray raw;
            while (j < n && json.at(j) != '"') {
                if (json.at(j) == '\\' && j + 1 < n) {
                    raw.append(json.at(j + 1));
                    j += 2;
                    continue;
                }
                raw.append(json.at(j));
                ++j;
            }
            if (!stack.isEmpty() && stack.last().isObject && stack.last().expectKey) {
                Frame &top = stack.last();
                top.key = QString::fromUtf8(raw);
                top.expectKey = false;
                lines.insert(childPath(top.path, top.key), line);
            } else {
                valuePath();
                if (!stack.isEmpty() && stack.last().isObject) {
                    stack.last().expectKey = true;
                }
            }
            i = j;
            continue;
        }
        if (ch == '{' || ch == '[') {
            const QString p = valuePath();
            stack.append(Frame { ch == '{', p, {}, -1, true });
            continue;
        }
        if (ch == '}' || ch == ']') {
            if (!stack.isEmpty()) {
                stack.removeLast();
            }
            if (!stack.isEmpty() && stack.last().isObject) {
                stack.last().expectKey = true;
            }
            continue;
        }
        // A bare literal (number, true, false, null): skip to its end.
        valuePath();
        while (i + 1 < n && !QByteArrayView(",]} \t\r\n").contains(json.at(i + 1))) {
            ++i;
        }
        if (!stack.isEmpty() && stack.last().isObject) {
            stack.last().expectKey = true;
        }
    }
    return lines;
}

} // namespace ga::config
