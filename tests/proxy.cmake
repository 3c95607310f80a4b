# SPDX-License-Identifier: GPL-3.0-or-later
# Proxy core (core/http, core/proxy) against the fake Gemini upstream. Included from tests/CMakeLists.txt.
ga_add_test(tst_proxy LIBS ga_fakegemini TIMEOUT 180)
ga_add_test(tst_upstream LIBS ga_fakegemini Qt6::WebSockets)
ga_add_test(tst_routing LIBS ga_fakegemini)
ga_add_test(tst_observability LIBS ga_fakegemini)
ga_add_test(tst_adminapi LIBS ga_fakegemini)
# Resource affinity (files, uploads, cached contents, batches owned by a project), list fan-out, quota skips.
ga_add_test(tst_affinity LIBS ga_fakegemini)
# The attempt policy (core/proxy/attemptpolicy.h): each answer or failure → the next step, as a table; no sockets.
ga_add_test(tst_attemptpolicy)
# Token usage sniffed from answers as they stream past (core/proxy/usagesniffer.h), whole and cut at every byte.
ga_add_test(tst_usagesniffer)
# The Live API (WebSocket) through the proxy, in front of the fake's Live server: relay, retry before setupComplete,
# resumption and ephemeral tokens, hostile clients, the access record.
ga_add_test(tst_live LIBS ga_fakegemini Qt6::WebSockets)
# Socket I/O past Qt's buffers (core/proxy/socketio.h, core/http/buffer.h): sends at once, queues what the kernel
# refuses in order, never bypasses TLS; reads take Qt's block instead of copying it.
ga_add_test(tst_socketio)
# The workers' epoll event dispatcher (core/proxy/epolldispatcher.h): timers, posted events and wake-ups, socket
# notifiers removed or reused in the middle of a batch, interrupts, timers that move between threads.
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    ga_add_test(tst_epolldispatcher)
endif()
# TLS session resumption of the upstream pool against a real TLS server (openssl s_server): resumed where it was
# made and under the same CA list only, never letting an untrusted server through; connections kept open (the
# proxy's pool, the key health check's) not used again under a new CA list.
ga_add_test(tst_tlsresume)
# The upstream's TLS done by the proxy itself (tls/clientsession.h) against a real TLS server, through a whole proxy:
# refused certificates and why, records both ways, backpressure across TLS, close_notify, cut answers.
ga_add_test(tst_upstreamtls LIBS OpenSSL::Crypto)
ga_add_test(tst_proxytunnel)
# upstream.proxy against real proxies from Debian's packages (squid with its Basic, Digest and NTLM helpers;
# microsocks), started by the test in front of a real TLS upstream; skipped where they are not installed.
ga_add_test(tst_realproxies)
