# SPDX-License-Identifier: GPL-3.0-or-later
# The fake Gemini upstream's own test (raw sockets, byte-exact wire formats). Included from tests/CMakeLists.txt.
ga_add_test(tst_fakegemini LIBS ga_fakegemini)
target_compile_definitions(tst_fakegemini PRIVATE GA_FAKE_GEMINI_PATH="$<TARGET_FILE:fake-gemini>")
add_dependencies(tst_fakegemini fake-gemini)
