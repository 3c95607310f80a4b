# SPDX-License-Identifier: GPL-3.0-or-later
# The Debian package end to end (tests/install/install-test.sh): cpack, lintian, apt-get install, the installed
# daemon in front of fake-gemini, the installed GUI and desktop files, apt-get remove. It installs a system package,
# so it runs as root only (skipped, exit 77, otherwise) and alone (RUN_SERIAL). Included from tests/CMakeLists.txt.
if(UNIX AND NOT APPLE AND GA_BUILD_GUI)
    add_test(NAME install_deb
        COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/install/install-test.sh ${PROJECT_BINARY_DIR}
            $<TARGET_FILE:fake-gemini>)
    set_tests_properties(install_deb PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 1500 LABELS install RUN_SERIAL TRUE)
endif()
