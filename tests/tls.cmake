# SPDX-License-Identifier: GPL-3.0-or-later
# The HTTPS listener (core/tls, listen.tls.*): certificate checks, the local CA, a Service serving HTTPS in-process
# (protocols and suites through the openssl tool when present, certificates replaced during a stream), config
# validation and the 'tls' commands. Included from tests/CMakeLists.txt.
ga_add_test(tst_tls LIBS ga_fakegemini OpenSSL::Crypto LABELS tls TIMEOUT 120)
