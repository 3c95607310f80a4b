# SPDX-License-Identifier: GPL-3.0-or-later
# Cluster mode end to end (tests/cluster/cluster-e2e.sh): a real redis-server, one fake-gemini and three daemons
# sharing their keys' state through it; cooldowns, invalid marks, file owners, a token's rate limit, usage totals,
# and redis-server killed and restarted under load. About 4 minutes. Needs redis-server, curl and node >= 20
# (no npm packages); skipped (exit 77) without them or with a daemon built without hiredis. Included from
# tests/CMakeLists.txt.
add_test(NAME cluster_e2e
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cluster/cluster-e2e.sh $<TARGET_FILE:fake-gemini> $<TARGET_FILE:gemini-aggregatord>)
set_tests_properties(cluster_e2e PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600 LABELS "cluster;e2e")
