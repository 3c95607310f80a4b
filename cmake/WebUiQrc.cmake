# SPDX-License-Identifier: GPL-3.0-or-later
# cmake -DDIST=<vite out dir> -DQRC=<file> -P WebUiQrc.cmake: a .qrc naming every file of the built console under
# the prefix /webui (":/webui/index.html", ":/webui/assets/…").
cmake_minimum_required(VERSION 3.25)
file(GLOB_RECURSE files RELATIVE ${DIST} ${DIST}/*)
list(SORT files)
if(NOT "index.html" IN_LIST files)
    message(FATAL_ERROR "the web console build wrote no index.html into ${DIST}")
endif()
set(text "<!DOCTYPE RCC>\n<RCC version=\"1.0\">\n<qresource prefix=\"/webui\">\n")
foreach(f IN LISTS files)
    string(APPEND text "  <file alias=\"${f}\">${DIST}/${f}</file>\n")
endforeach()
string(APPEND text "</qresource>\n</RCC>\n")
file(WRITE ${QRC}.tmp "${text}")
file(COPY_FILE ${QRC}.tmp ${QRC} ONLY_IF_DIFFERENT)
file(REMOVE ${QRC}.tmp)
