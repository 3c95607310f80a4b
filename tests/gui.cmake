# SPDX-License-Identifier: GPL-3.0-or-later
# The desktop app's C++ layer (qml/*.h|cpp, library aggregator_ui) and its translations. Included from
# tests/CMakeLists.txt when GA_BUILD_GUI is on; label "gui". The default test environment already runs Qt
# offscreen (QT_QPA_PLATFORM=offscreen).
#   tst_uimodels      models, filter, dashboard, notifier, autostart, single instance, Backend actions
#   tst_tray          the tray menu against a running Service: mode switch → route of the next request
#   tst_translations  translations/*.ts complete and consistent (fails while zh_CN is unfinished)
ga_add_test(tst_uimodels LIBS aggregator_ui ga_fakegemini LABELS gui TIMEOUT 240)
ga_add_test(tst_tray LIBS aggregator_ui ga_fakegemini LABELS gui)

ga_add_test(tst_translations LABELS gui)
target_compile_definitions(tst_translations PRIVATE
    GA_TS_DIR="${PROJECT_SOURCE_DIR}/translations"
    GA_UI_SOURCE_DIR="${PROJECT_SOURCE_DIR}/qml")
if(TARGET Qt6::lupdate)
    target_compile_definitions(tst_translations PRIVATE GA_LUPDATE="$<TARGET_FILE:Qt6::lupdate>")
endif()
