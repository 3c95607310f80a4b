# SPDX-License-Identifier: GPL-3.0-or-later
# The ACME client (core/acme): JOSE, renewal rules, and whole orders against Debian's pebble on loopback (skipped
# without /usr/bin/pebble). Included from tests/CMakeLists.txt.
ga_add_test(tst_acme LIBS OpenSSL::Crypto LABELS acme TIMEOUT 180)
