# SPDX-License-Identifier: GPL-3.0-or-later
# The serverless relay scripts (resources/relay) in their real runtimes, Deno and workerd (the Cloudflare Workers
# runtime), both installed from npm into tests/relay/node_modules, in front of fake-gemini.
# Needs node >= 20 and npm (and the npm registry on first run, for `npm ci`); skipped (exit 77) without them.
# Included from tests/CMakeLists.txt.
#   relay_runtimes        the relay alone (run-relay-tests.sh, relay.test.mjs)
#   proxy_through_relays  gemini-aggregatord routing through the relays (run-proxy-relay-tests.sh, proxy.test.mjs)
# Both may install into the same node_modules, and both measure timing: RESOURCE_LOCK keeps them apart.
add_test(NAME relay_runtimes
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/relay/run-relay-tests.sh $<TARGET_FILE:fake-gemini>)
set_tests_properties(relay_runtimes PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600 LABELS relay
    RESOURCE_LOCK relay_node_modules)

add_test(NAME proxy_through_relays
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/relay/run-proxy-relay-tests.sh $<TARGET_FILE:fake-gemini>
        $<TARGET_FILE:gemini-aggregatord>)
set_tests_properties(proxy_through_relays PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600 LABELS relay
    RESOURCE_LOCK "relay_node_modules;e2e_node_modules") # the Live tests use @google/genai from tests/e2e
