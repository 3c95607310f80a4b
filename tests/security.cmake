# SPDX-License-Identifier: GPL-3.0-or-later
# Tests of core/security: token and JWT verification. The JWT test mints RSA/EC keys and signs tokens itself,
# so it links OpenSSL directly. Included from tests/CMakeLists.txt.
ga_add_test(tst_jwt LIBS OpenSSL::Crypto)
ga_add_test(tst_accesscontrol)
