# SPDX-License-Identifier: GPL-3.0-or-later
# The web console (resources/webui: Vue 3 + Vite) built with npm and embedded in the executables as the Qt resource
# ":/webui" (served by the proxy at /admin/, core/proxy/console.h). On by default when node and npm are found;
# without them the executables still build and /admin/ says how to get the console.
#
# Defines the OBJECT library ga_webui when the console is built; app/ links it into both executables (an object
# library, so the resource's static initializer is linked in without Q_INIT_RESOURCE).
find_program(GA_NPM NAMES npm npm.cmd)
find_program(GA_NODE NAMES node nodejs)
set(GA_WEBUI_DEFAULT OFF)
if(GA_NPM AND GA_NODE)
    execute_process(COMMAND ${GA_NODE} --version OUTPUT_VARIABLE GA_NODE_VERSION OUTPUT_STRIP_TRAILING_WHITESPACE
        RESULT_VARIABLE GA_NODE_RC)
    string(REGEX REPLACE "^v([0-9]+).*" "\\1" GA_NODE_MAJOR "${GA_NODE_VERSION}")
    if(GA_NODE_RC EQUAL 0 AND GA_NODE_MAJOR GREATER_EQUAL 20)
        set(GA_WEBUI_DEFAULT ON)
    else()
        message(STATUS "web console: node ${GA_NODE_VERSION} is older than 20; the console is not built")
    endif()
endif()
option(GA_BUILD_WEBUI "Build the web console (resources/webui) with npm and embed it (needs node >= 20 and npm)"
    ${GA_WEBUI_DEFAULT})

if(GA_BUILD_WEBUI)
    if(NOT GA_NPM OR NOT GA_NODE)
        message(FATAL_ERROR "GA_BUILD_WEBUI needs node (20 or newer) and npm: install them (apt-get install nodejs "
            "npm) or configure with -DGA_BUILD_WEBUI=OFF")
    endif()
    set(GA_WEBUI_SRC ${PROJECT_SOURCE_DIR}/resources/webui)
    set(GA_WEBUI_OUT ${CMAKE_BINARY_DIR}/webui)
    file(GLOB_RECURSE GA_WEBUI_INPUTS CONFIGURE_DEPENDS
        ${GA_WEBUI_SRC}/src/* ${GA_WEBUI_SRC}/public/* ${GA_WEBUI_SRC}/scripts/*)
    list(APPEND GA_WEBUI_INPUTS ${GA_WEBUI_SRC}/index.html ${GA_WEBUI_SRC}/vite.config.ts
        ${GA_WEBUI_SRC}/tsconfig.json ${GA_WEBUI_SRC}/package.json)
    # npm ci when the lock changes (node_modules lives beside the sources, as for the npm tests).
    add_custom_command(OUTPUT ${GA_WEBUI_OUT}/npm-ci.stamp
        COMMAND ${GA_NPM} ci --no-audit --no-fund --loglevel=error
        COMMAND ${CMAKE_COMMAND} -E touch ${GA_WEBUI_OUT}/npm-ci.stamp
        WORKING_DIRECTORY ${GA_WEBUI_SRC}
        DEPENDS ${GA_WEBUI_SRC}/package-lock.json
        COMMENT "web console: npm ci"
        VERBATIM)
    # Vite's build into the build tree, a .gz beside each text file, a .qrc listing them, rcc to C++. Embedded
    # uncompressed (-no-compress): the proxy serves the bytes in place, and the .gz copies are what goes out.
    add_custom_command(OUTPUT ${GA_WEBUI_OUT}/webui_rcc.cpp
        COMMAND ${GA_NPM} run --silent build -- --outDir ${GA_WEBUI_OUT}/dist --emptyOutDir
        COMMAND ${CMAKE_COMMAND} -DDIST=${GA_WEBUI_OUT}/dist -DQRC=${GA_WEBUI_OUT}/webui.qrc
            -P ${PROJECT_SOURCE_DIR}/cmake/WebUiQrc.cmake
        COMMAND Qt6::rcc --name webui --no-compress -o ${GA_WEBUI_OUT}/webui_rcc.cpp ${GA_WEBUI_OUT}/webui.qrc
        WORKING_DIRECTORY ${GA_WEBUI_SRC}
        DEPENDS ${GA_WEBUI_OUT}/npm-ci.stamp ${GA_WEBUI_INPUTS} ${PROJECT_SOURCE_DIR}/cmake/WebUiQrc.cmake
        COMMENT "web console: vite build and embed"
        VERBATIM)
    add_library(ga_webui OBJECT ${GA_WEBUI_OUT}/webui_rcc.cpp)
    target_link_libraries(ga_webui PRIVATE Qt6::Core)
    set_target_properties(ga_webui PROPERTIES AUTOMOC OFF AUTORCC OFF AUTOUIC OFF)
    message(STATUS "web console: built with ${GA_NPM} (node ${GA_NODE_VERSION})")
endif()
