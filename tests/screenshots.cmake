# SPDX-License-Identifier: GPL-3.0-or-later
# Every page of the window and the tray menu rendered to PNG (build/tests/screenshots/{en,zh_CN}/) under Xvfb
# with trayer as the tray host; fails on a page that does not load or on any QML warning. Label "gui".
if(GA_BUILD_GUI)
    ga_add_test(tst_screenshots LIBS aggregator_ui aggregator_uiplugin ga_fakegemini Qt6::Quick LABELS gui
        LAUNCHER sh ${CMAKE_CURRENT_SOURCE_DIR}/gui/xvfb-session.sh TIMEOUT 180)
    set_tests_properties(tst_screenshots PROPERTIES SKIP_RETURN_CODE 77)
    # Styles a user may force (issue 20: "readable under any Qt Quick Controls style"): the same checks. Material
    # Light runs on OpenGL (Mesa under Xvfb), as the app picks it for that style (qml/desktopapp.cpp). Universal is
    # not run: its own colours read below 4.5:1 (unselected tabs, placeholders).
    foreach(style IN ITEMS "Basic;" "Material;Dark" "Material;Light")
        list(GET style 0 name)
        list(GET style 1 theme)
        string(TOLOWER "tst_screenshots_${name}${theme}" test)
        add_test(NAME ${test} COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/gui/xvfb-session.sh $<TARGET_FILE:tst_screenshots>)
        set_tests_properties(${test} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 180 LABELS gui ENVIRONMENT
            "${GA_TEST_ENV};QT_QUICK_CONTROLS_STYLE=${name};QT_QUICK_CONTROLS_MATERIAL_THEME=${theme}")
    endforeach()
endif()

# The window's QML components under Qt Quick Test (offscreen), against a real Service and Backend.
if(GA_BUILD_GUI)
    add_executable(tst_qmlcomponents qml/tst_qmlcomponents.cpp)
    target_link_libraries(tst_qmlcomponents PRIVATE ga_testsupport aggregator_core aggregator_ui aggregator_uiplugin
        ga_fakegemini Qt6::QuickTest Qt6::Test)
    ga_set_warnings(tst_qmlcomponents)
    target_compile_definitions(tst_qmlcomponents PRIVATE QUICK_TEST_SOURCE_DIR="${CMAKE_CURRENT_SOURCE_DIR}/qml")
    add_test(NAME tst_qmlcomponents COMMAND tst_qmlcomponents -input ${CMAKE_CURRENT_SOURCE_DIR}/qml)
    set_tests_properties(tst_qmlcomponents PROPERTIES ENVIRONMENT "${GA_TEST_ENV}" TIMEOUT 120 LABELS gui)
endif()
