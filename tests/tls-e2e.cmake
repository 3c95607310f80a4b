# SPDX-License-Identifier: GPL-3.0-or-later
# ACME end to end (tests/tls/acme-e2e.sh): pebble issues the HTTPS listener's certificate with real HTTP-01
# validation, openssl s_client checks the protocols and suites, @google/genai and openai (tests/e2e's pinned
# packages) use it over HTTPS and wss://, the CA goes away and comes back (the daemon's first retry after a minute),
# and a sweep for private keys in everything captured. Needs pebble, pebble-challtestsrv, openssl, curl, node >= 20
# and npm; skipped (exit 77) without them. Included from tests/CMakeLists.txt.
add_test(NAME tls_acme_e2e
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tls/acme-e2e.sh $<TARGET_FILE:fake-gemini> $<TARGET_FILE:gemini-aggregatord>)
# npm ci in tests/e2e when its node_modules is not the pinned one: the lock keeps it apart from the e2e tests'.
set_tests_properties(tls_acme_e2e PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600 LABELS "tls;e2e"
    RESOURCE_LOCK e2e_node_modules)
