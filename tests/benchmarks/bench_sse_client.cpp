// SPDX-License-Identifier: GPL-3.0-or-later
// The measuring side of bench-sse.sh in C++ (epoll, two threads): the same tap, streams and figures as
// bench-sse.mjs, for many streams at once. At 1,000 streams one node process (the tap and every reader on one
// event loop) was saturated and decided when each stream's bytes were read, so it measured itself more than the
// proxies in front of it; here the tap and the readers each have a thread and cost a few system calls an event.
//
// The tap is a byte-for-byte TCP relay in front of the fake upstream; it notes the moment it writes each complete
// event to whoever asked (the proxy, nginx, or a direct reader). Every event carries its stream's responseId, so
// the reader's arrival time of the same event joins it on the same monotonic clock:
//     transit(event) = arrival at the client - moment the tap wrote it
// For each of PAIRS rounds, CONCURRENCY groups start together, each a direct stream, one via the proxy and (with
// --nginx) one via nginx; connections are kept alive from round to round, as node's agents do.
//   bench_sse_client --fake URL --tap-port PORT --proxy URL [--nginx URL] [--pairs 20] [--concurrency 1]
//                    [--chunks 50] [--model gemini-2.5-flash]
// The keys come from the environment, not the command line: GA_BENCH_DIRECT_KEY (the fake's) and
// GA_BENCH_PROXY_KEY (a proxy access token). URLs are http://127.0.0.1:PORT. Exit status 1 when a stream came back
// incomplete.
#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <map>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <string>
#include <string_view>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace {

constexpr int kStreamTimeoutMs = 30'000;
constexpr std::string_view kResponseId = "\"responseId\":";

int64_t now()
{
    timespec ts {};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

[[noreturn]] void die(const std::string &what)
{
    std::fprintf(stderr, "bench_sse_client: %s\n", what.c_str());
    std::exit(2);
}

// The port of http://127.0.0.1:PORT[/].
uint16_t portOf(const std::string &url)
{
    const std::string prefix = "http://127.0.0.1:";
    if (url.rfind(prefix, 0) != 0) {
        die("expected http://127.0.0.1:PORT, got " + url);
    }
    const long port = std::strtol(url.c_str() + prefix.size(), nullptr, 10);
    if (port <= 0 || port > 65535) {
        die("no port in " + url);
    }
    return uint16_t(port);
}

sockaddr_in loopback(uint16_t port)
{
    sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

// A non-blocking socket connecting to 127.0.0.1:port (the connect completes later).
int connectTo(uint16_t port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        die(std::string("socket: ") + std::strerror(errno));
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const sockaddr_in a = loopback(port);
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&a), sizeof a) < 0 && errno != EINPROGRESS) {
        die(std::string("connect: ") + std::strerror(errno));
    }
    return fd;
}

// The responseId's value in an event's text, or empty.
std::string_view responseIdIn(std::string_view event)
{
    size_t at = event.find(kResponseId);
    if (at == std::string_view::npos) {
        return {};
    }
    at = event.find('"', at + kResponseId.size());
    const size_t end = at == std::string_view::npos ? at : event.find('"', at + 1);
    return end == std::string_view::npos ? std::string_view() : event.substr(at + 1, end - at - 1);
}

// Writes what it can of `pending` + `data` to fd; what is left stays in `pending` (sent on EPOLLOUT).
// False when the connection failed.
bool sendAll(int fd, std::string &pending, std::string_view data)
{
    if (!pending.empty()) {
        pending.append(data);
        data = {};
    }
    std::string_view rest = pending.empty() ? data : std::string_view(pending);
    while (!rest.empty()) {
        const ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                break;
            }
            return false;
        }
        rest.remove_prefix(size_t(n));
    }
    pending = std::string(rest);
    return true;
}

// --- the tap ------------------------------------------------------------------------------------------------------

class Tap
{
public:
    Tap(uint16_t listenPort, uint16_t fakePort)
        : m_fakePort(fakePort)
    {
        m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        const int one = 1;
        setsockopt(m_listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        const sockaddr_in a = loopback(listenPort);
        if (::bind(m_listener, reinterpret_cast<const sockaddr *>(&a), sizeof a) < 0
            || ::listen(m_listener, 4096) < 0) {
            die(std::string("tap: cannot listen: ") + std::strerror(errno));
        }
        m_epoll = epoll_create1(EPOLL_CLOEXEC);
        m_stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        add(m_listener, EPOLLIN);
        add(m_stop, EPOLLIN);
        m_thread = std::thread([this] { run(); });
    }
    ~Tap()
    {
        const uint64_t one = 1;
        [[maybe_unused]] const ssize_t n = ::write(m_stop, &one, sizeof one);
        m_thread.join();
        for (auto &[fd, side] : m_sides) {
            ::close(fd);
        }
        ::close(m_listener);
        ::close(m_stop);
        ::close(m_epoll);
    }

    // When the tap wrote each event of the stream `id`, in order (after the tap has stopped, or for a stream that
    // has ended at its reader: its events were written before they could arrive).
    std::vector<int64_t> timesOf(const std::string &id)
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_times.find(id);
        return it == m_times.end() ? std::vector<int64_t>() : it->second;
    }

private:
    struct Side
    {
        int fd = -1;
        int peer = -1;
        bool upstream = false; // the fake's end: its bytes are events
        bool connected = true;
        std::string pending; // bytes for this side not yet sent
        std::string text; // the upstream's bytes not yet scanned for events
    };

    void add(int fd, uint32_t events)
    {
        epoll_event ev {};
        ev.events = events;
        ev.data.fd = fd;
        epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev);
    }
    void watchOut(Side &s, bool on)
    {
        epoll_event ev {};
        ev.events = EPOLLIN | EPOLLRDHUP | (on ? uint32_t(EPOLLOUT) : 0u);
        ev.data.fd = s.fd;
        epoll_ctl(m_epoll, EPOLL_CTL_MOD, s.fd, &ev);
    }

    void run()
    {
        std::vector<epoll_event> events(256);
        for (;;) {
            const int n = epoll_wait(m_epoll, events.data(), int(events.size()), -1);
            for (int i = 0; i < n; ++i) {
                const int fd = events[size_t(i)].data.fd;
                if (fd == m_stop) {
                    return;
                }
                if (fd == m_listener) {
                    accept();
                    continue;
                }
                const auto it = m_sides.find(fd);
                if (it == m_sides.end()) {
                    continue; // closed by its peer earlier in this turn
                }
                Side &s = it->second;
                const uint32_t ev = events[size_t(i)].events;
                if (ev & EPOLLOUT) {
                    s.connected = true;
                    if (!sendAll(s.fd, s.pending, {})) {
                        closePair(s.fd);
                        continue;
                    }
                    watchOut(s, !s.pending.empty());
                }
                if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                    readFrom(s);
                }
            }
        }
    }

    void accept()
    {
        for (;;) {
            const int down = ::accept4(m_listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (down < 0) {
                return;
            }
            const int one = 1;
            setsockopt(down, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            const int up = connectTo(m_fakePort);
            m_sides[down] = Side { down, up, false, true, {}, {} };
            m_sides[up] = Side { up, down, true, false, {}, {} };
            add(down, EPOLLIN | EPOLLRDHUP);
            add(up, EPOLLIN | EPOLLRDHUP | EPOLLOUT);
        }
    }

    void readFrom(Side &s)
    {
        char buf[65536];
        for (;;) {
            const ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                closePair(s.fd);
                return;
            }
            if (n < 0) {
                return;
            }
            const int64_t t = now();
            if (s.upstream) {
                // Noted before the bytes go on: a reader that has them can look their times up.
                scan(s, std::string_view(buf, size_t(n)), t);
            }
            Side &peer = m_sides[s.peer];
            const bool wasPending = !peer.pending.empty();
            if (!peer.connected) {
                peer.pending.append(buf, size_t(n)); // sent once the connection is made
            } else if (!sendAll(peer.fd, peer.pending, std::string_view(buf, size_t(n)))) {
                closePair(s.fd);
                return;
            } else if (wasPending != !peer.pending.empty()) {
                watchOut(peer, !peer.pending.empty());
            }
        }
    }

    // Complete events in what the upstream sent ("data: …\r\n\r\n" in the raw, chunked bytes, as the fake frames
    // each event as one chunk): each is noted at t.
    void scan(Side &s, std::string_view bytes, int64_t t)
    {
        s.text.append(bytes);
        size_t from = 0;
        for (;;) {
            const size_t start = s.text.find("data: ", from);
            if (start == std::string::npos) {
                from = s.text.size() > 5 ? s.text.size() - 5 : 0;
                break;
            }
            const size_t end = s.text.find("\r\n\r\n", start);
            if (end == std::string::npos) {
                from = start;
                break;
            }
            const std::string_view id = responseIdIn(std::string_view(s.text).substr(start, end - start));
            if (!id.empty()) {
                std::lock_guard lock(m_mutex);
                m_times[std::string(id)].push_back(t);
            }
            from = end + 4;
        }
        s.text.erase(0, from);
    }

    void closePair(int fd)
    {
        const auto it = m_sides.find(fd);
        if (it == m_sides.end()) {
            return;
        }
        const int peer = it->second.peer;
        for (const int f : { fd, peer }) {
            epoll_ctl(m_epoll, EPOLL_CTL_DEL, f, nullptr);
            ::close(f);
            m_sides.erase(f);
        }
    }

    uint16_t m_fakePort;
    int m_listener = -1;
    int m_epoll = -1;
    int m_stop = -1;
    std::unordered_map<int, Side> m_sides;
    std::mutex m_mutex;
    std::unordered_map<std::string, std::vector<int64_t>> m_times;
    std::thread m_thread;
};

// --- the readers --------------------------------------------------------------------------------------------------

struct Event
{
    std::string id;
    int64_t t = 0;
};

// One stream on a kept-alive connection: the request, then the answer read as it comes (head, chunked or sized
// body, SSE events split at a blank line). Its own small decoder, not http::ChunkedDecoder: like
// tests/support/rawhttp, the client that measures the proxy does not read through the proxy's own parser.
class Stream
{
public:
    Stream(std::string label, uint16_t port, std::string request)
        : m_label(std::move(label))
        , m_port(port)
        , m_request(std::move(request))
    { }
    ~Stream()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    Stream(const Stream &) = delete;
    Stream &operator=(const Stream &) = delete;

    const std::string &label() const { return m_label; }
    int fd() const { return m_fd; }
    bool done() const { return m_done; }
    const std::string &error() const { return m_error; }
    int64_t start() const { return m_start; }
    const std::vector<Event> &events() const { return m_events; }

    // Sends the request (on a new connection when there is none); true when it is on the way.
    bool begin(int epoll)
    {
        m_done = false;
        m_error.clear();
        m_events.clear();
        m_head.clear();
        m_body.clear();
        m_inHead = true;
        m_chunked = false;
        m_contentLength = -1;
        m_chunk = Chunk::Size;
        m_chunkLeft = 0;
        m_start = now();
        if (m_fd < 0) {
            m_fd = connectTo(m_port);
            epoll_event ev {};
            ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
            ev.data.ptr = this;
            epoll_ctl(epoll, EPOLL_CTL_ADD, m_fd, &ev);
            m_pending = m_request; // once connected
            return true;
        }
        if (!sendAll(m_fd, m_pending, m_request)) {
            return fail("could not send the request");
        }
        if (!m_pending.empty()) {
            epoll_event ev {};
            ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
            ev.data.ptr = this;
            epoll_ctl(epoll, EPOLL_CTL_MOD, m_fd, &ev);
        }
        return true;
    }

    void onEvents(int epoll, uint32_t ev)
    {
        if ((ev & EPOLLOUT) && m_fd >= 0) {
            if (!sendAll(m_fd, m_pending, {})) {
                fail("could not send the request");
                return;
            }
            if (m_pending.empty()) {
                epoll_event e {};
                e.events = EPOLLIN | EPOLLRDHUP;
                e.data.ptr = this;
                epoll_ctl(epoll, EPOLL_CTL_MOD, m_fd, &e);
            }
        }
        if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
            read();
        }
    }

    bool fail(const std::string &why)
    {
        if (!m_done) {
            m_error = m_label + ": " + why;
            m_done = true;
        }
        if (m_fd >= 0) {
            ::close(m_fd); // closing drops it from the epoll set
            m_fd = -1;
        }
        m_pending.clear();
        return false;
    }

private:
    void read()
    {
        char buf[65536];
        for (;;) {
            const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                return;
            }
            if (n <= 0) {
                if (!m_done && !m_inHead && !m_chunked && m_contentLength < 0) {
                    m_done = true; // a body that ends with the connection
                }
                fail(n == 0 ? "the connection closed before the answer ended" : "the connection failed");
                return;
            }
            if (m_done) {
                fail("bytes after the answer");
                return;
            }
            const int64_t t = now();
            if (!take(std::string_view(buf, size_t(n)), t)) {
                return;
            }
            if (m_done) {
                return; // the connection waits for the next round
            }
        }
    }

    // Consumes bytes of the answer; false after a failure.
    bool take(std::string_view bytes, int64_t t)
    {
        if (m_inHead) {
            m_head.append(bytes);
            const size_t end = m_head.find("\r\n\r\n");
            if (end == std::string::npos) {
                return true;
            }
            const std::string rest = m_head.substr(end + 4);
            m_head.resize(end + 2);
            if (m_head.compare(0, 12, "HTTP/1.1 200") != 0) {
                return fail("HTTP " + m_head.substr(9, 3));
            }
            std::string lower = m_head;
            std::transform(
                lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
            m_chunked = lower.find("\r\ntransfer-encoding: chunked\r\n") != std::string::npos;
            if (const size_t cl = lower.find("\r\ncontent-length:"); cl != std::string::npos) {
                m_contentLength = std::strtoll(lower.c_str() + cl + 17, nullptr, 10);
            }
            m_inHead = false;
            return body(rest, t);
        }
        return body(bytes, t);
    }

    bool body(std::string_view bytes, int64_t t)
    {
        if (!m_chunked) {
            m_sse.append(bytes);
            if (m_contentLength >= 0) {
                m_contentLength -= int64_t(bytes.size());
                if (m_contentLength <= 0) {
                    m_done = true;
                }
            }
            events(t);
            return true;
        }
        m_body.append(bytes);
        size_t at = 0;
        while (!m_done) {
            if (m_chunk == Chunk::Size) {
                const size_t eol = m_body.find("\r\n", at);
                if (eol == std::string::npos) {
                    break;
                }
                m_chunkLeft = std::strtoll(m_body.c_str() + at, nullptr, 16);
                at = eol + 2;
                if (m_chunkLeft <= 0) { // the last chunk (no trailers are sent)
                    m_done = true;
                } else {
                    m_chunk = Chunk::Data;
                }
            } else if (m_chunk == Chunk::Data) {
                const size_t n = std::min(size_t(m_chunkLeft), m_body.size() - at);
                if (n == 0) {
                    break;
                }
                m_sse.append(m_body, at, n);
                at += n;
                m_chunkLeft -= int64_t(n);
                if (m_chunkLeft == 0) {
                    m_chunk = Chunk::Crlf;
                    m_chunkLeft = 2;
                }
            } else { // the CRLF after a chunk's data
                const size_t n = std::min(size_t(m_chunkLeft), m_body.size() - at);
                if (n == 0) {
                    break;
                }
                at += n;
                m_chunkLeft -= int64_t(n);
                if (m_chunkLeft == 0) {
                    m_chunk = Chunk::Size;
                }
            }
        }
        m_body.erase(0, at);
        events(t);
        return true;
    }

    // Complete SSE events (ended by a blank line) in the decoded body, each arrived at t.
    void events(int64_t t)
    {
        size_t from = 0;
        for (;;) {
            size_t end = std::string::npos;
            size_t sep = 0;
            for (const std::string_view d :
                { std::string_view("\r\n\r\n"), std::string_view("\n\n"), std::string_view("\r\r") }) {
                const size_t at = m_sse.find(d, from);
                if (at < end) {
                    end = at;
                    sep = d.size();
                }
            }
            if (end == std::string::npos) {
                break;
            }
            const std::string_view event = std::string_view(m_sse).substr(from, end - from);
            const std::string_view id = responseIdIn(event);
            if (event.substr(0, 5) == "data:" && !id.empty()) {
                m_events.push_back({ std::string(id), t });
            }
            from = end + sep;
        }
        m_sse.erase(0, from);
    }

    std::string m_label;
    uint16_t m_port;
    std::string m_request;
    int m_fd = -1;
    std::string m_pending;
    bool m_done = false;
    std::string m_error;
    int64_t m_start = 0;
    std::vector<Event> m_events;
    std::string m_head;
    std::string m_body; // chunked bytes not yet decoded
    std::string m_sse; // decoded bytes not yet split into events
    bool m_inHead = true;
    bool m_chunked = false;
    int64_t m_contentLength = -1;
    enum class Chunk
    {
        Size,
        Data,
        Crlf
    } m_chunk
        = Chunk::Size;
    int64_t m_chunkLeft = 0;
};

// Runs every stream to its end (or the timeout); false when one failed.
bool runAll(const std::vector<Stream *> &streams)
{
    static const int epoll = epoll_create1(EPOLL_CLOEXEC);
    for (Stream *s : streams) {
        s->begin(epoll);
    }
    const int64_t deadline = now() + int64_t(kStreamTimeoutMs) * 1'000'000;
    std::vector<epoll_event> events(1024);
    for (;;) {
        const bool allDone = std::all_of(streams.begin(), streams.end(), [](const Stream *s) { return s->done(); });
        if (allDone) {
            break;
        }
        const int64_t left = deadline - now();
        if (left <= 0) {
            for (Stream *s : streams) {
                if (!s->done()) {
                    s->fail("no end of the answer within 30 s");
                }
            }
            break;
        }
        const int n = epoll_wait(epoll, events.data(), int(events.size()), int(left / 1'000'000) + 1);
        for (int i = 0; i < n; ++i) {
            static_cast<Stream *>(events[size_t(i)].data.ptr)->onEvents(epoll, events[size_t(i)].events);
        }
    }
    return std::all_of(streams.begin(), streams.end(), [](const Stream *s) { return s->error().empty(); });
}

std::string request(const std::string &path, const std::string &body, const std::string &key)
{
    return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nx-goog-api-key: " + key
        + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

double percentile(const std::vector<double> &sorted, double p)
{
    const double rank = std::ceil(p / 100.0 * double(sorted.size())) - 1;
    const size_t i = size_t(std::clamp(rank, 0.0, double(sorted.size() - 1)));
    return sorted[i];
}

struct Summary
{
    double p50 = 0;
    double p99 = 0;
};

Summary summary(const char *label, std::vector<double> samples)
{
    std::sort(samples.begin(), samples.end());
    const Summary s { percentile(samples, 50), percentile(samples, 99) };
    std::printf("%-40s n=%5zu  p50 %7.3f ms  p90 %7.3f ms  p99 %7.3f ms  max %7.3f ms\n", label, samples.size(), s.p50,
        percentile(samples, 90), s.p99, samples.back());
    return s;
}

} // namespace

int main(int argc, char **argv)
{
    std::map<std::string, std::string> opt { { "pairs", "20" }, { "concurrency", "1" }, { "chunks", "50" },
        { "model", "gemini-2.5-flash" } };
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string name = argv[i];
        if (name.rfind("--", 0) != 0) {
            die("unexpected argument " + name);
        }
        opt[name.substr(2)] = argv[i + 1];
    }
    for (const char *k : { "fake", "tap-port", "proxy" }) {
        if (!opt.count(k)) {
            die(std::string("missing --") + k);
        }
    }
    const char *directKey = std::getenv("GA_BENCH_DIRECT_KEY");
    const char *proxyKey = std::getenv("GA_BENCH_PROXY_KEY");
    if (!directKey || !proxyKey) {
        die("GA_BENCH_DIRECT_KEY and GA_BENCH_PROXY_KEY must be set");
    }
    const int pairs = std::atoi(opt["pairs"].c_str());
    const int concurrency = std::max(1, std::atoi(opt["concurrency"].c_str()));
    const size_t chunks = size_t(std::atoi(opt["chunks"].c_str()));
    const bool nginx = opt.count("nginx") > 0;
    const std::string path = "/v1beta/models/" + opt["model"] + ":streamGenerateContent?alt=sse";
    const std::string body = R"({"contents":[{"parts":[{"text":"stream me something"}]}]})";
    const uint16_t tapPort = uint16_t(std::atoi(opt["tap-port"].c_str()));

    Tap tap(tapPort, portOf(opt["fake"]));

    struct Group
    {
        std::unique_ptr<Stream> direct, proxy, nginx;
    };
    const auto makeGroup = [&] {
        Group g;
        g.direct = std::make_unique<Stream>("direct", tapPort, request(path, body, directKey));
        g.proxy = std::make_unique<Stream>("proxy", portOf(opt["proxy"]), request(path, body, proxyKey));
        if (nginx) {
            g.nginx = std::make_unique<Stream>("nginx", portOf(opt["nginx"]), request(path, body, directKey));
        }
        return g;
    };
    const auto streamsOf = [](const std::vector<Group> &groups) {
        std::vector<Stream *> out;
        for (const Group &g : groups) {
            for (Stream *s : { g.direct.get(), g.proxy.get(), g.nginx.get() }) {
                if (s) {
                    out.push_back(s);
                }
            }
        }
        return out;
    };

    // Transit times (ms) of a stream's events, or nothing when an event is missing on either side.
    const auto transits = [&](const Stream &s) -> std::optional<std::vector<double>> {
        const std::vector<Event> &ev = s.events();
        if (ev.size() != chunks || chunks == 0) {
            return std::nullopt;
        }
        const std::vector<int64_t> written = tap.timesOf(ev.front().id);
        if (written.size() != chunks
            || std::any_of(ev.begin(), ev.end(), [&](const Event &e) { return e.id != ev.front().id; })) {
            return std::nullopt;
        }
        std::vector<double> out(chunks);
        for (size_t i = 0; i < chunks; ++i) {
            out[i] = double(ev[i].t - written[i]) / 1e6;
        }
        return out;
    };

    // One unmeasured group first: connections and the proxy's upstream pool get warm for every side alike.
    {
        std::vector<Group> warm;
        warm.push_back(makeGroup());
        if (!runAll(streamsOf(warm))) {
            for (Stream *s : streamsOf(warm)) {
                if (!s->error().empty()) {
                    std::fprintf(stderr, "warm-up: %s\n", s->error().c_str());
                }
            }
            return 1;
        }
    }

    std::vector<Group> groups;
    for (int i = 0; i < concurrency; ++i) {
        groups.push_back(makeGroup());
    }
    std::vector<double> direct, viaProxy, viaNginx, added, addedNginx, firstEvent, firstEventNginx;
    int bad = 0;
    for (int round = 0; round < pairs; ++round) {
        runAll(streamsOf(groups));
        for (const Group &g : groups) {
            const auto td = transits(*g.direct);
            const auto tx = transits(*g.proxy);
            const auto tn = g.nginx ? transits(*g.nginx) : std::optional<std::vector<double>>(std::vector<double>());
            if (!td || !tx || !tn) {
                std::string why;
                for (const Stream *s : { g.direct.get(), g.proxy.get(), g.nginx.get() }) {
                    if (s) {
                        why += " " + s->label() + " " + std::to_string(s->events().size())
                            + (s->error().empty() ? "" : " (" + s->error() + ")");
                    }
                }
                std::fprintf(stderr, "round %d: events%s (expected %zu), or an event did not pass the tap\n", round,
                    why.c_str(), chunks);
                ++bad;
                continue;
            }
            for (size_t i = 0; i < chunks; ++i) {
                direct.push_back((*td)[i]);
                viaProxy.push_back((*tx)[i]);
                added.push_back((*tx)[i] - (*td)[i]);
                if (g.nginx) {
                    viaNginx.push_back((*tn)[i]);
                    addedNginx.push_back((*tn)[i] - (*td)[i]);
                }
            }
            firstEvent.push_back(double((g.proxy->events().front().t - g.proxy->start())
                                     - (g.direct->events().front().t - g.direct->start()))
                / 1e6);
            if (g.nginx) {
                firstEventNginx.push_back(double((g.nginx->events().front().t - g.nginx->start())
                                              - (g.direct->events().front().t - g.direct->start()))
                    / 1e6);
            }
        }
    }

    std::printf("== bench-sse (C++ client): %d rounds of %d group(s) (direct + via proxy%s at the same time: %d "
                "streams open) x %zu events\n",
        pairs, concurrency, nginx ? " + via nginx" : "", concurrency * (nginx ? 3 : 2), chunks);
    if (direct.empty()) {
        std::fprintf(stderr, "no complete pair measured\n");
        return 1;
    }
    summary("transit direct (tap -> client)", direct);
    const Summary tp = summary("transit via proxy (tap -> proxy -> client)", viaProxy);
    Summary tn;
    if (nginx) {
        tn = summary("transit via nginx (tap -> nginx -> client)", viaNginx);
    }
    const Summary a = summary("added per event (via proxy - direct)", added);
    if (nginx) {
        summary("added per event (via nginx - direct)", addedNginx);
    }
    summary("time to first event, added (incl. request)", firstEvent);
    if (nginx) {
        summary("time to first event, added via nginx", firstEventNginx);
    }
    std::printf("target p99 added per event < 5 ms: %s (p99 %.3f ms)\n", a.p99 < 5 ? "met" : "MISSED", a.p99);
    if (nginx) {
        std::printf("target p50 transit <= nginx's + 0.2 ms (issue 18): %s (%.3f vs %.3f ms)\n",
            tp.p50 <= tn.p50 + 0.2 ? "met" : "MISSED", tp.p50, tn.p50);
        std::printf("target p99 transit <= nginx's (issue 18): %s (%.3f vs %.3f ms)\n",
            tp.p99 <= tn.p99 ? "met" : "MISSED", tp.p99, tn.p99);
    }
    if (bad > 0) {
        std::fprintf(stderr, "%d group(s) incomplete\n", bad);
    }
    std::fflush(stdout);
    return bad > 0 ? 1 : 0;
}
