# FetchSqlite.cmake - the SQLite amalgamation as static library target `sqlite3`
# (alias `sds::sqlite3`), for the native and the emscripten build alike.
#
#   include(cmake/FetchSqlite.cmake)
#   target_link_libraries(my_target PRIVATE sds::sqlite3)
#
# Source: the npm package better-sqlite3@13.2.0 ships the amalgamation
# (package/deps/sqlite3/sqlite3.{c,h}, SQLite 3.54.1). It is fetched with
# `npm pack` at configure time, checked by the sha256 of the .tgz and cached in
# ${SDS_DEPS_CACHE} (see SdsDeps.cmake). Only sqlite3.c and sqlite3.h are
# extracted.
#
# Offline override: -DSQLITE_AMALGAMATION_DIR=<dir with sqlite3.c and sqlite3.h>
#
# Compile options are PUBLIC so that code including sqlite3.h sees the same
# configuration (e.g. SQLITE_OMIT_DEPRECATED hides deprecated declarations).
# sqlite3.c is compiled with -O2 in Debug (or no-config) builds, since an -O0
# SQLite is very slow, and with -w: project warning flags do not apply to it.
#
# Results: target sqlite3 / sds::sqlite3, variables SDS_SQLITE_DIR (the dir with
# sqlite3.c/.h) and SDS_SQLITE_VERSION (e.g. 3.54.1).
include_guard(GLOBAL)
include("${CMAKE_CURRENT_LIST_DIR}/SdsDeps.cmake")

set(SDS_SQLITE_NPM_SPEC "better-sqlite3@13.2.0")
set(SDS_SQLITE_NPM_TARBALL "better-sqlite3-13.2.0.tgz")
set(SDS_SQLITE_NPM_SHA256 "40487589df3496f2ee0079d22b73c63fccebe7db0e8ee9a2c42421861e321e0b")

set(SQLITE_AMALGAMATION_DIR "" CACHE PATH
    "Directory with sqlite3.c and sqlite3.h to use instead of fetching ${SDS_SQLITE_NPM_SPEC}")

# sqlite3.c is C; the project may have enabled only CXX. (File scope needed.)
get_property(_sds_languages GLOBAL PROPERTY ENABLED_LANGUAGES)
if(NOT "C" IN_LIST _sds_languages)
  enable_language(C)
endif()
unset(_sds_languages)

function(_sds_sqlite_locate out_var)
  if(SQLITE_AMALGAMATION_DIR)
    set(dir "${SQLITE_AMALGAMATION_DIR}")
  else()
    sds_deps_npm_pack(tarball
      SPEC "${SDS_SQLITE_NPM_SPEC}"
      FILENAME "${SDS_SQLITE_NPM_TARBALL}"
      SHA256 "${SDS_SQLITE_NPM_SHA256}")
    sds_deps_extract(root
      ARCHIVE "${tarball}"
      SHA256 "${SDS_SQLITE_NPM_SHA256}"
      NAME "better-sqlite3-13.2.0"
      PATTERNS "package/deps/sqlite3/sqlite3.c" "package/deps/sqlite3/sqlite3.h")
    set(dir "${root}/package/deps/sqlite3")
  endif()
  sds_deps_check_files("${dir}" "the SQLite amalgamation" sqlite3.c sqlite3.h)
  set(${out_var} "${dir}" PARENT_SCOPE)
endfunction()

_sds_sqlite_locate(SDS_SQLITE_DIR)

file(STRINGS "${SDS_SQLITE_DIR}/sqlite3.h" _sds_sqlite_version_line
     REGEX "^#define SQLITE_VERSION +\"[0-9.]+\"" LIMIT_COUNT 1)
string(REGEX REPLACE ".*\"([0-9.]+)\".*" "\\1" SDS_SQLITE_VERSION "${_sds_sqlite_version_line}")
unset(_sds_sqlite_version_line)
message(STATUS "sds deps: SQLite ${SDS_SQLITE_VERSION} from ${SDS_SQLITE_DIR}")

add_library(sqlite3 STATIC "${SDS_SQLITE_DIR}/sqlite3.c")
add_library(sds::sqlite3 ALIAS sqlite3)
target_include_directories(sqlite3 PUBLIC "${SDS_SQLITE_DIR}")
# SYSTEM: consumers get -isystem, so project warnings never fire in sqlite3.h.
set_target_properties(sqlite3 PROPERTIES
  SYSTEM ON
  C_STANDARD 11
  C_EXTENSIONS ON
  C_CLANG_TIDY ""
  C_CPPCHECK ""
  C_INCLUDE_WHAT_YOU_USE "")

target_compile_definitions(sqlite3 PUBLIC
  SQLITE_OMIT_LOAD_EXTENSION
  SQLITE_DQS=0
  SQLITE_DEFAULT_MEMSTATUS=0)
if(EMSCRIPTEN)
  target_compile_definitions(sqlite3 PUBLIC
    SQLITE_THREADSAFE=0
    SQLITE_OMIT_DEPRECATED
    SQLITE_OMIT_SHARED_CACHE
    SQLITE_LIKE_DOESNT_MATCH_BLOBS
    SQLITE_OMIT_PROGRESS_CALLBACK
    SQLITE_TEMP_STORE=3
    SQLITE_DEFAULT_FOREIGN_KEYS=0
    # Size: SQL features the key-value store never uses. Safe with the
    # amalgamation, whose pre-built parser is kept: it still accepts EXPLAIN,
    # only the code behind it (and behind the others) is left out.
    SQLITE_OMIT_JSON
    SQLITE_OMIT_DATETIME_FUNCS
    SQLITE_OMIT_UTF16
    SQLITE_OMIT_COMPLETE
    SQLITE_OMIT_GET_TABLE
    SQLITE_OMIT_TCL_VARIABLE
    SQLITE_OMIT_AUTHORIZATION
    SQLITE_OMIT_COMPILEOPTION_DIAGS
    SQLITE_OMIT_DECLTYPE
    SQLITE_OMIT_EXPLAIN
    SQLITE_OMIT_INTROSPECTION_PRAGMAS
    SQLITE_OMIT_TRACE
    SQLITE_OMIT_BLOB_LITERAL
    SQLITE_OMIT_INCRBLOB
    SQLITE_UNTESTABLE)
  # The shipped module is mostly SQLite: optimise it for size. Its speed here
  # is bound by OPFS and the page↔worker hop, not by SQLite's own code.
  target_compile_options(sqlite3 PRIVATE -Oz)
else()
  find_package(Threads REQUIRED)
  target_compile_definitions(sqlite3 PUBLIC SQLITE_THREADSAFE=1)
  # Without HAVE_USLEEP the unix VFS sleeps in whole seconds, which makes the
  # busy handler (sqlite3_busy_timeout) wait 1 s per retry.
  target_compile_definitions(sqlite3 PRIVATE HAVE_USLEEP=1)
  target_link_libraries(sqlite3 PUBLIC Threads::Threads ${CMAKE_DL_LIBS})
endif()

target_compile_options(sqlite3 PRIVATE
  -w
  $<$<OR:$<CONFIG:Debug>,$<CONFIG:>>:-O2>)
