# SPDX-License-Identifier: GPL-3.0-or-later
# The strict HTTP/1.1 parser (core/http) and the proxy's forwarding helpers. Included from tests/CMakeLists.txt.
ga_add_test(tst_requestparser)
ga_add_test(tst_headmemo) # the parsers' memos against random heads in sequence, each compared with a fresh thread's parse
ga_add_test(tst_permanenttext) # core/text: texts held without a reference count (what the parser's fields use), decimal digits
ga_add_test(tst_recycler) # core/memory: blocks a thread frees, kept for its next allocation (the parser's field lists)
