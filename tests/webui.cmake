# SPDX-License-Identifier: GPL-3.0-or-later
# The web admin console (/admin/) in headless Chromium (playwright-core + axe-core from tests/webui/package.json)
# against gemini-aggregatord in front of fake-gemini: sign-in, keys, verify, mode, settings, live logs, sign-out,
# token rotation, session/CSRF/cross-origin rules, leaks, accessibility in en and zh_CN, screenshots (written to
# ${CMAKE_BINARY_DIR}/webui-screenshots unless $WEBUI_SCREENSHOT_DIR says otherwise), first-load size, and the
# keys page with 10,000 keys. Needs node >= 20, npm (the npm registry on the first run, for `npm ci`) and Chromium
# (/usr/bin/chromium or $WEBUI_CHROMIUM); skipped (exit 77) without them. Included from tests/CMakeLists.txt.
add_test(NAME webui_console
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/webui/run.sh $<TARGET_FILE:fake-gemini> $<TARGET_FILE:gemini-aggregatord>
        ${CMAKE_BINARY_DIR}/webui-screenshots)
# The e2e tests' lock: the node-heavy tests run one at a time, which keeps the timing steps (filter < 300 ms) fair.
set_tests_properties(webui_console PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600 LABELS "e2e;webui"
    RESOURCE_LOCK e2e_node_modules)
