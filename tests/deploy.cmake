# SPDX-License-Identifier: GPL-3.0-or-later
# Server deployment (README.md, "Running several instances"). Included from tests/CMakeLists.txt.
#   tst_passphrasefile  the file store's passphrase from $GEMINI_AGGREGATOR_PASSPHRASE_FILE or systemd's credential
#                       $CREDENTIALS_DIRECTORY/passphrase (core/app/session.h), in process and through the CLI
#   deploy_chroot       tests/deploy/chroot-test.sh: the system unit (systemd-analyze verify and security, its
#                       sysusers.d/tmpfiles.d snippets), then installer/docker/Dockerfile's last stage run in a Debian 12
#                       chroot made by debootstrap (cached in the build tree by the stage's hash) with this build's
#                       daemon, which serves a request there; nginx.conf in front of it; the system unit's environment
#                       and credential. Root, debootstrap and a reachable Debian mirror needed: skipped (77) otherwise.
ga_add_test(tst_passphrasefile)
if(UNIX AND NOT APPLE)
    add_test(NAME deploy_chroot
        COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/deploy/chroot-test.sh ${PROJECT_SOURCE_DIR}
            ${PROJECT_BINARY_DIR}/installer/gemini-aggregator.service ${CMAKE_CURRENT_BINARY_DIR}/deploy-cache
            $<TARGET_FILE:gemini-aggregatord> $<TARGET_FILE:fake-gemini>)
    set_tests_properties(deploy_chroot PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900 LABELS deploy)
endif()
