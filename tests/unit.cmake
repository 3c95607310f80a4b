# SPDX-License-Identifier: GPL-3.0-or-later
# Unit tests of the core building blocks: redaction, API key handling, the config schema and the config store.
# Included from tests/CMakeLists.txt.
ga_add_test(tst_redact)
ga_add_test(tst_apikey)
ga_add_test(tst_configschema)
ga_add_test(tst_configstore)
ga_add_test(tst_logging)
ga_add_test(tst_historymodel)
# The request history on disk (SQLite): restart, retention, damaged files, the recorder feeding it.
ga_add_test(tst_historystore LIBS SQLite::SQLite3) # old-layout files made directly
ga_add_test(tst_resourcemap)
