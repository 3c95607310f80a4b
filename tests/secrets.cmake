# SPDX-License-Identifier: GPL-3.0-or-later
# Secret store tests (core/secrets/). Included from tests/CMakeLists.txt.
ga_add_test(tst_secretcipher)
ga_add_test(tst_memorysecretstore)
ga_add_test(tst_filesecretstore)
ga_add_test(tst_secretjournal)
ga_add_test(tst_storereadiness)

# Integration test against a real gnome-keyring in a private D-Bus session (see keychain-session.sh).
# Label "keychain" so CI can exclude it (ctest -LE keychain); exit 77 = tools missing = skipped.
ga_add_test(tst_keychainsecretstore LABELS keychain LAUNCHER sh ${CMAKE_CURRENT_SOURCE_DIR}/keychain-session.sh)
set_tests_properties(tst_keychainsecretstore PROPERTIES SKIP_RETURN_CODE 77)
