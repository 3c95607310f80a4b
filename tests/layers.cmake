# SPDX-License-Identifier: GPL-3.0-or-later
# The core layering (core/README.md, cmake/CheckLayers.cmake). The build runs the check on core/ itself; these show
# that it passes there and that it fails on a tree where a folder includes one above it, or the GUI the CLI.
add_test(NAME core_layers
    COMMAND ${CMAKE_COMMAND} -DCORE_DIR=${PROJECT_SOURCE_DIR}/core -DGUI_DIR=${PROJECT_SOURCE_DIR}/qml
        -P ${PROJECT_SOURCE_DIR}/cmake/CheckLayers.cmake)
add_test(NAME core_layers_refuse_an_upward_include
    COMMAND ${CMAKE_COMMAND} -DCORE_DIR=${CMAKE_CURRENT_SOURCE_DIR}/data/layers-upward/core
        -P ${PROJECT_SOURCE_DIR}/cmake/CheckLayers.cmake)
set_tests_properties(core_layers_refuse_an_upward_include PROPERTIES
    PASS_REGULAR_EXPRESSION "core/low/bottom.h includes high/, which is not below low/")
add_test(NAME gui_layers_refuse_a_cli_include
    COMMAND ${CMAKE_COMMAND} -DCORE_DIR=${PROJECT_SOURCE_DIR}/core
        -DGUI_DIR=${CMAKE_CURRENT_SOURCE_DIR}/data/layers-upward/qml -P ${PROJECT_SOURCE_DIR}/cmake/CheckLayers.cmake)
set_tests_properties(gui_layers_refuse_a_cli_include PROPERTIES
    PASS_REGULAR_EXPRESSION "qml/window.cpp includes cli/: the GUI uses the application layer")
