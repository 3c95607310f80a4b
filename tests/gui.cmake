# SPDX-License-Identifier: GPL-3.0-or-later
# The desktop app's C++ layer (qml/*.h|cpp, library aggregator_ui) and its translations. Included from
# tests/CMakeLists.txt when GA_BUILD_GUI is on; label "gui". The default test environment already runs Qt
# offscreen (QT_QPA_PLATFORM=offscreen).
#   tst_uimodels      models, filter, dashboard, notifier, autostart, single instance, the actions of the
#                     Backend and the pages' controllers (through their signals)
#   tst_tray          the tray menu against a running Service: mode switch → route of the next request
#   tst_translations  translations/*.ts complete and consistent (fails while zh_CN is unfinished), core's
#                     sentences (logging::UserText) come out Chinese under the zh_CN translation
#   tst_keychainwait_tray  started before the keychain: the tray says it waits (Xvfb + trayer)
ga_add_test(tst_uimodels LIBS aggregator_ui ga_fakegemini LABELS gui TIMEOUT 240)
ga_add_test(tst_tray LIBS aggregator_ui ga_fakegemini LABELS gui)
# The close-to-tray notice is withdrawn when the window is back: Qt's balloon (Xvfb + trayer) and a desktop
# notification service on the test's own session bus.
find_package(Qt6 QUIET COMPONENTS DBus)
if(TARGET Qt6::DBus)
    ga_add_test(tst_traynotice LIBS aggregator_ui Qt6::DBus LABELS gui
        LAUNCHER dbus-run-session -- sh ${CMAKE_CURRENT_SOURCE_DIR}/gui/xvfb-session.sh)
    set_tests_properties(tst_traynotice PROPERTIES SKIP_RETURN_CODE 77)
endif()
# The main window (real app, offscreen): geometry kept per screen across restarts and never larger than the screen;
# in Chinese, the title and core's messages.
ga_add_test(tst_windowgeometry LIBS aggregator_ui aggregator_uiplugin Qt6::Quick LABELS gui)

ga_add_test(tst_translations LABELS gui)
# The core sources lupdate reads besides qml/ (qml/CMakeLists.txt), '|'-separated.
string(REPLACE ";" "|" GA_CORE_TEXT_SOURCES "${GA_TRANSLATED_CORE_SOURCES}")
target_compile_definitions(tst_translations PRIVATE
    GA_TS_DIR="${PROJECT_SOURCE_DIR}/translations"
    GA_UI_SOURCE_DIR="${PROJECT_SOURCE_DIR}/qml"
    GA_CORE_SOURCE_DIR="${PROJECT_SOURCE_DIR}/core"
    GA_CORE_TEXT_SOURCES="${GA_CORE_TEXT_SOURCES}")
if(TARGET Qt6::lupdate)
    target_compile_definitions(tst_translations PRIVATE GA_LUPDATE="$<TARGET_FILE:Qt6::lupdate>")
endif()
if(TARGET Qt6::lrelease)
    target_compile_definitions(tst_translations PRIVATE GA_LRELEASE="$<TARGET_FILE:Qt6::lrelease>")
endif()

# The app started before the keychain: a tray icon says it waits, then the usual failure (Xvfb with trayer; the
# session bus points nowhere, so the keychain never answers).
ga_add_test(tst_keychainwait_tray LIBS aggregator_ui LABELS gui LAUNCHER sh ${CMAKE_CURRENT_SOURCE_DIR}/gui/xvfb-session.sh)
set_tests_properties(tst_keychainwait_tray PROPERTIES SKIP_RETURN_CODE 77
    ENVIRONMENT "${GA_TEST_ENV};DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus")
