# SPDX-License-Identifier: GPL-3.0-or-later
# The HTTPS listener's ACME certificates against Debian's pebble, in process (tests/tst_tlsacme.cpp).
# Included from tests/CMakeLists.txt.
ga_add_test(tst_tlsacme LIBS ga_fakegemini Qt6::WebSockets
    LABELS tls TIMEOUT 180)
