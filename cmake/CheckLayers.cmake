# SPDX-License-Identifier: GPL-3.0-or-later
# Checks that no core folder includes a folder on its own layer or above it. The layers are read from the block
# after "<!-- layers -->" in CORE_DIR/README.md (bottom layer first, one line per layer, folders separated by
# spaces), so the diagram there is the rule. Fails (FATAL_ERROR) naming every offending #include; on success
# touches STAMP. Run at build time by core/CMakeLists.txt, and by a test against a tree made to break it.
#
# With GUI_DIR, also that the GUI (qml/) goes through the application layer, never through the command line:
# no source there includes cli/.
#
#   cmake -DCORE_DIR=<dir> [-DGUI_DIR=<dir>] [-DSTAMP=<file>] -P CheckLayers.cmake

if(NOT CORE_DIR)
    message(FATAL_ERROR "CheckLayers.cmake: CORE_DIR is not set")
endif()
include("${CMAKE_CURRENT_LIST_DIR}/GaLayers.cmake")
ga_read_layers("${CORE_DIR}")

set(problems "")
file(GLOB entries LIST_DIRECTORIES true "${CORE_DIR}/*")
foreach(entry IN LISTS entries)
    if(NOT IS_DIRECTORY "${entry}")
        continue()
    endif()
    get_filename_component(folder "${entry}" NAME)
    if(NOT DEFINED GA_LAYER_${folder})
        list(APPEND problems "core/${folder}/ is not in the layers block of core/README.md")
        continue()
    endif()
    file(GLOB sources "${entry}/*.h" "${entry}/*.cpp")
    foreach(source IN LISTS sources)
        file(STRINGS "${source}" includes REGEX "^[ \t]*#[ \t]*include[ \t]+\"[a-z0-9_]+/")
        foreach(include IN LISTS includes)
            string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]+\"([a-z0-9_]+)/.*" "\\1" target "${include}")
            if(target STREQUAL folder OR NOT DEFINED GA_LAYER_${target})
                continue()
            endif()
            if(NOT GA_LAYER_${target} LESS GA_LAYER_${folder})
                get_filename_component(name "${source}" NAME)
                list(APPEND problems
                    "core/${folder}/${name} includes ${target}/, which is not below ${folder}/ (layer ${GA_LAYER_${target}} vs ${GA_LAYER_${folder}})")
            endif()
        endforeach()
    endforeach()
endforeach()

if(GUI_DIR)
    get_filename_component(gui_parent "${GUI_DIR}/.." ABSOLUTE)
    file(GLOB_RECURSE sources "${GUI_DIR}/*.h" "${GUI_DIR}/*.cpp")
    foreach(source IN LISTS sources)
        file(STRINGS "${source}" includes REGEX "^[ \t]*#[ \t]*include[ \t]+\"cli/")
        if(includes)
            file(RELATIVE_PATH name "${gui_parent}" "${source}")
            list(APPEND problems "${name} includes cli/: the GUI uses the application layer (app/), not the CLI")
        endif()
    endforeach()
endif()

if(problems)
    list(JOIN problems "\n  " text)
    message(FATAL_ERROR "core layering broken (order in core/README.md, bottom first):\n  ${text}")
endif()
if(STAMP)
    file(TOUCH "${STAMP}")
endif()
