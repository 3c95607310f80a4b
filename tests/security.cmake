# SPDX-License-Identifier: GPL-3.0-or-later
# Tests of core/security: token and JWT verification. The JWT test mints RSA/EC keys and signs tokens itself,
# so it links OpenSSL directly. Included from tests/CMakeLists.txt.
ga_add_test(tst_jwt LIBS OpenSSL::Crypto)
ga_add_test(tst_accesscontrol)
# Hostile clients against the whole proxy (parser, tokens, JWTs, browser guards, IP rules, rate limits) while two
# well-behaved clients (plain and streaming calls, each on its own thread) must see nothing but successes.
# Needs the fake upstream.
ga_add_test(tst_hostile LIBS ga_fakegemini LABELS security TIMEOUT 120)
# Secret-leak sweep: daemon, CLI and proxy through many scenarios with known test secrets, then every log, CLI
# output, HTTP response, config/keystate file and the daemon's command line is searched for them (zero hits).
# Needs node >= 20 (skipped, exit 77, without it).
add_test(NAME secret_leak_sweep
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/security/leak-sweep.sh $<TARGET_FILE:fake-gemini>
        $<TARGET_FILE:gemini-aggregatord>)
set_tests_properties(secret_leak_sweep PROPERTIES LABELS security TIMEOUT 300 SKIP_RETURN_CODE 77)
