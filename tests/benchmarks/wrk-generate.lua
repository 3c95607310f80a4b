-- SPDX-License-Identifier: GPL-3.0-or-later
-- wrk script of the throughput benchmarks (bench-proxy.sh, bench-cluster.sh): POST BENCH_BODY to BENCH_PATH with
-- BENCH_KEY as x-goog-api-key and BENCH_CONFIG as x-portkey-config (each only when set), and at the end one line
-- "BENCH rps=… p50_ms=… p99_ms=… requests=… non2xx=… socket_errors=…" (read with bench_field, common.sh).
wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH")
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
if (os.getenv("BENCH_KEY") or "") ~= "" then
    wrk.headers["x-goog-api-key"] = os.getenv("BENCH_KEY")
end
if (os.getenv("BENCH_CONFIG") or "") ~= "" then
    wrk.headers["x-portkey-config"] = os.getenv("BENCH_CONFIG")
end
done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("BENCH rps=%.1f p50_ms=%.3f p99_ms=%.3f requests=%d non2xx=%d socket_errors=%d\n",
        summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end
