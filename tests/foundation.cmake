# SPDX-License-Identifier: GPL-3.0-or-later
# Foundation: the CLI and daemon as users run them, and the build's promises. Included from tests/CMakeLists.txt.
ga_add_test(tst_cli TIMEOUT 300)
# The command line's tables: generated help, per-command parsers, options refused with the command that takes them.
ga_add_test(tst_cliparser TIMEOUT 300)
ga_add_test(tst_daemon LIBS ga_fakegemini)
ga_add_test(tst_linkage)
ga_add_test(tst_keychain_cli LABELS keychain LAUNCHER sh ${CMAKE_CURRENT_SOURCE_DIR}/keychain-session.sh)
set_tests_properties(tst_keychain_cli PROPERTIES SKIP_RETURN_CODE 77)
# Started before the keyring, as at login: a session where no Secret Service runs until the test starts one.
ga_add_test(tst_keychainwait LABELS keychain LAUNCHER sh ${CMAKE_CURRENT_SOURCE_DIR}/keychain-session.sh --no-keyring)
set_tests_properties(tst_keychainwait PROPERTIES SKIP_RETURN_CODE 77)

if(GA_BUILD_GUI)
    # The desktop app starts on a fresh profile, shows its QML window on the offscreen platform and exits 0.
    add_test(NAME gui_loads COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/gui/gui-loads.sh $<TARGET_FILE:gemini-aggregator>)
    set_tests_properties(gui_loads PROPERTIES ENVIRONMENT "${GA_TEST_ENV}" TIMEOUT 60)
endif()

# The key pool through the CLI and a running daemon (state file, restart, re-enable).
ga_add_test(tst_keys_cli LIBS ga_fakegemini)
ga_add_test(tst_import)
ga_add_test(tst_remote)
