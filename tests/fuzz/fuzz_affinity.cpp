// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for core/affinity/resourceref: what a request uses and what an answer teaches, on any bytes
// (the body is client input; the answer is the upstream's). Besides crashes and sanitizer reports it checks that
// every name found is a well-formed resource name of a known kind (never a path with "..", a slash-free id or an
// over-long one), since these names become keys of the owner map and parts of upstream paths.
#include "affinity/resourceref.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace ga::affinity;

namespace {

void check(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "invariant failed: %s\n", what);
        std::abort();
    }
}

void checkName(const QString &name)
{
    check(kindOfResource(name).has_value(), "a name of no known kind");
    check(!name.contains(u"/../") && !name.endsWith(u"/.."), "a path segment '..'");
    check(name.size() <= 8 + 512, "an over-long name");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    // First line: method SP path[?query]; the rest is the body (and, separately, an answer).
    const qsizetype nl = bytes.indexOf('\n');
    const QByteArrayView line = nl < 0 ? bytes : bytes.first(nl);
    const QByteArrayView body = nl < 0 ? QByteArrayView() : bytes.sliced(nl + 1);
    const qsizetype sp = line.indexOf(' ');
    const QByteArrayView method = sp < 0 ? QByteArrayView("POST") : line.first(sp);
    const QByteArrayView target = sp < 0 ? line : line.sliced(sp + 1);
    const qsizetype q = target.indexOf('?');
    const QByteArrayView path = q < 0 ? target : target.first(q);
    const QByteArrayView query = q < 0 ? QByteArrayView() : target.sliced(q + 1);

    const RequestResources r = requestResources(method, path, query, body);
    for (const QString &name : r.names) {
        checkName(name);
    }
    check(r.addressed.isEmpty() || r.names.contains(r.addressed), "the addressed resource is not among the names");
    for (const Learned &l : learnFromAnswer(body)) {
        checkName(l.name);
        check(kindOfResource(l.name) == l.kind, "a learned kind that does not match its name");
        check(l.kind != Kind::Upload, "an answer named an upload session");
    }
    check(uploadIdOf(bytes).size() <= 512, "an over-long upload id");
    return 0;
}
