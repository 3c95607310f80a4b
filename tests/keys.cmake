# SPDX-License-Identifier: GPL-3.0-or-later
# The key pool (core/keys): unit tests with a ManualClock, and the proxy in front of the fake upstream with
# per-key behaviours. Included from tests/CMakeLists.txt.
ga_add_test(tst_keypool)
ga_add_test(tst_usageledger) # the pool's usage ledger on its own
ga_add_test(tst_keypool_proxy LIBS ga_fakegemini)
