# SdsDeps.cmake - the third-party download cache shared by the Fetch*.cmake modules.
#
# Third-party sources are fetched at configure time, pinned by version and
# sha256, and kept OUTSIDE the source tree in ${SDS_DEPS_CACHE}:
#
#   ${SDS_DEPS_CACHE}/archives/<file>     downloaded archives, verified by sha256
#   ${SDS_DEPS_CACHE}/src/<name>-<hash>/  extracted trees (read-only use)
#
# SDS_DEPS_CACHE defaults to $ENV{SDS_DEPS_CACHE}, else
# $XDG_CACHE_HOME/sds-wasm/deps, else $HOME/.cache/sds-wasm/deps. Native and
# wasm build trees share it. An archive whose sha256 matches is never fetched
# again; to work offline, copy the archives into ${SDS_DEPS_CACHE}/archives/.
#
# Functions (the first three take the cache lock, so parallel configures are
# safe):
#   sds_deps_download(<out-var> URL <url> FILENAME <name> SHA256 <hex>)
#   sds_deps_npm_pack(<out-var> SPEC <pkg@version> FILENAME <name> SHA256 <hex>)
#   sds_deps_extract(<out-var> ARCHIVE <file> SHA256 <hex> NAME <dir-prefix>
#                    [PATTERNS <glob>...])
#   sds_deps_check_files(<dir> <what> <file>...)
include_guard(GLOBAL)

if(DEFINED ENV{SDS_DEPS_CACHE} AND NOT "$ENV{SDS_DEPS_CACHE}" STREQUAL "")
  set(_sds_deps_default "$ENV{SDS_DEPS_CACHE}")
elseif(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
  set(_sds_deps_default "$ENV{XDG_CACHE_HOME}/sds-wasm/deps")
elseif(DEFINED ENV{HOME} AND NOT "$ENV{HOME}" STREQUAL "")
  set(_sds_deps_default "$ENV{HOME}/.cache/sds-wasm/deps")
else()
  # No home directory (unusual CI): stay out of the source tree at least.
  set(_sds_deps_default "${CMAKE_BINARY_DIR}/_sds_deps_cache")
endif()
set(SDS_DEPS_CACHE "${_sds_deps_default}" CACHE PATH
    "Download cache for pinned third-party sources (outside the source tree)")
unset(_sds_deps_default)

file(REAL_PATH "${SDS_DEPS_CACHE}" _sds_deps_real EXPAND_TILDE)
file(MAKE_DIRECTORY "${_sds_deps_real}/archives" "${_sds_deps_real}/src" "${_sds_deps_real}/tmp")
file(REAL_PATH "${_sds_deps_real}" _sds_deps_real)
set(SDS_DEPS_CACHE "${_sds_deps_real}" CACHE PATH
    "Download cache for pinned third-party sources (outside the source tree)" FORCE)
unset(_sds_deps_real)

cmake_path(IS_PREFIX CMAKE_SOURCE_DIR "${SDS_DEPS_CACHE}" NORMALIZE _sds_deps_in_tree)
if(_sds_deps_in_tree)
  message(WARNING "SDS_DEPS_CACHE (${SDS_DEPS_CACHE}) is inside the source tree; "
                  "make sure git ignores it (third-party sources must not be committed).")
endif()
unset(_sds_deps_in_tree)

message(STATUS "sds deps cache: ${SDS_DEPS_CACHE}")

# Sets <out-var> to TRUE when <file> exists and its sha256 is <sha256>.
function(_sds_deps_file_ok out_var file sha256)
  set(ok FALSE)
  if(EXISTS "${file}" AND NOT IS_DIRECTORY "${file}")
    file(SHA256 "${file}" actual)
    string(TOLOWER "${sha256}" expected)
    if(actual STREQUAL expected)
      set(ok TRUE)
    endif()
  endif()
  set(${out_var} ${ok} PARENT_SCOPE)
endfunction()

# The lock is released when the calling function returns.
macro(_sds_deps_lock)
  file(LOCK "${SDS_DEPS_CACHE}/.lock" GUARD FUNCTION TIMEOUT 1800 RESULT_VARIABLE _sds_lock_rc)
  if(NOT _sds_lock_rc EQUAL 0)
    message(FATAL_ERROR "sds deps: cannot lock ${SDS_DEPS_CACHE}/.lock: ${_sds_lock_rc}")
  endif()
endmacro()

# Fails unless the calling function's ARG_<name> is set for each <name>.
function(_sds_deps_require fn)
  foreach(req IN LISTS ARGN)
    if(NOT ARG_${req})
      message(FATAL_ERROR "${fn}: ${req} is required")
    endif()
  endforeach()
endfunction()

# The start of every archive fetch: sets `dest` (the cache path of
# ARG_FILENAME) and takes the lock; when the cache already holds the pinned
# file, sets <out_var> and returns from the caller (hence a macro).
macro(_sds_deps_fetch_begin)
  set(dest "${SDS_DEPS_CACHE}/archives/${ARG_FILENAME}")
  _sds_deps_lock()
  _sds_deps_file_ok(ok "${dest}" "${ARG_SHA256}")
  if(ok)
    set(${out_var} "${dest}" PARENT_SCOPE)
    return()
  endif()
endmacro()

# The end of every archive fetch: moves the fetched <file> to `dest` when
# its sha256 is ARG_SHA256; otherwise removes <scratch> (the file or its
# work dir) and fails, naming <what> was fetched and <origin> that sent it.
function(_sds_deps_fetch_accept file scratch what origin)
  file(SHA256 "${file}" actual)
  string(TOLOWER "${ARG_SHA256}" expected)
  if(NOT actual STREQUAL expected)
    file(REMOVE_RECURSE "${scratch}")
    message(FATAL_ERROR
      "sds deps: ${what} has sha256 ${actual}, expected ${expected}. "
      "The ${origin} sent something else than the pinned file.")
  endif()
  file(RENAME "${file}" "${dest}")
endfunction()

function(sds_deps_download out_var)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "URL;FILENAME;SHA256" "")
  _sds_deps_require(sds_deps_download URL FILENAME SHA256)
  _sds_deps_fetch_begin()
  if(EXISTS "${dest}")
    message(STATUS "sds deps: ${ARG_FILENAME} in the cache has the wrong sha256; fetching it again")
  endif()
  message(STATUS "sds deps: downloading ${ARG_URL}")
  set(part "${dest}.part")
  file(REMOVE "${part}")
  # The hash is checked here rather than with EXPECTED_HASH, whose mismatch is
  # a non-fatal error that leaves the partial file behind.
  file(DOWNLOAD "${ARG_URL}" "${part}" INACTIVITY_TIMEOUT 60 STATUS status)
  list(GET status 0 rc)
  if(NOT rc EQUAL 0)
    file(REMOVE "${part}")
    list(GET status 1 msg)
    message(FATAL_ERROR
      "sds deps: download of ${ARG_URL} failed (${rc}: ${msg}).\n"
      "Offline? Put the file (sha256 ${ARG_SHA256}) at ${dest}.")
  endif()
  _sds_deps_fetch_accept("${part}" "${part}" "${ARG_URL}" server)
  set(${out_var} "${dest}" PARENT_SCOPE)
endfunction()

# `npm pack <spec>` downloads the package tarball exactly as the registry
# serves it; its sha256 is computed over that .tgz file.
function(sds_deps_npm_pack out_var)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "SPEC;FILENAME;SHA256" "")
  _sds_deps_require(sds_deps_npm_pack SPEC FILENAME SHA256)
  _sds_deps_fetch_begin()

  find_program(SDS_NPM_EXECUTABLE NAMES npm NO_CMAKE_FIND_ROOT_PATH
               DOC "npm, used to fetch pinned npm tarballs at configure time")
  if(NOT SDS_NPM_EXECUTABLE)
    message(FATAL_ERROR
      "sds deps: npm not found; cannot fetch ${ARG_SPEC}.\n"
      "Install Node.js/npm, or put ${ARG_FILENAME} (sha256 ${ARG_SHA256}) at ${dest}.")
  endif()
  string(RANDOM LENGTH 8 tag)
  set(work "${SDS_DEPS_CACHE}/tmp/npm-pack-${tag}")
  file(REMOVE_RECURSE "${work}")
  file(MAKE_DIRECTORY "${work}")
  message(STATUS "sds deps: npm pack ${ARG_SPEC}")
  execute_process(
    COMMAND "${SDS_NPM_EXECUTABLE}" pack "${ARG_SPEC}" --pack-destination "${work}"
            --ignore-scripts --loglevel=error --no-audit --no-fund
    WORKING_DIRECTORY "${work}"
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
  file(GLOB tarballs "${work}/*.tgz")
  list(LENGTH tarballs n)
  if(NOT rc EQUAL 0 OR NOT n EQUAL 1)
    file(REMOVE_RECURSE "${work}")
    message(FATAL_ERROR
      "sds deps: `npm pack ${ARG_SPEC}` failed (exit ${rc}, ${n} tarballs):\n${err}\n"
      "Offline? Put ${ARG_FILENAME} (sha256 ${ARG_SHA256}) at ${dest}.")
  endif()
  _sds_deps_fetch_accept("${tarballs}" "${work}" "${ARG_SPEC}" registry)
  file(REMOVE_RECURSE "${work}")
  set(${out_var} "${dest}" PARENT_SCOPE)
endfunction()

# Extracts <archive> (once) into ${SDS_DEPS_CACHE}/src/<NAME>-<hash>, <hash>
# being the first 12 digits of the archive's sha256, so that a changed pin
# gets a new tree; a stamp file records the hash and the patterns, so that a
# finished extract is known and changed patterns re-extract.
function(sds_deps_extract out_var)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "ARCHIVE;SHA256;NAME" "PATTERNS")
  _sds_deps_require(sds_deps_extract ARCHIVE SHA256 NAME)
  string(SUBSTRING "${ARG_SHA256}" 0 12 short)
  set(dest "${SDS_DEPS_CACHE}/src/${ARG_NAME}-${short}")
  set(stamp "${dest}/.sds-extracted")
  string(TOLOWER "sha256=${ARG_SHA256};patterns=${ARG_PATTERNS}" want)
  _sds_deps_lock()
  if(EXISTS "${stamp}")
    file(READ "${stamp}" have)
    if(have STREQUAL want)
      set(${out_var} "${dest}" PARENT_SCOPE)
      return()
    endif()
  endif()
  message(STATUS "sds deps: extracting ${ARG_ARCHIVE}")
  string(RANDOM LENGTH 8 tag)
  set(work "${SDS_DEPS_CACHE}/tmp/extract-${tag}")
  file(REMOVE_RECURSE "${work}")
  file(MAKE_DIRECTORY "${work}")
  if(ARG_PATTERNS)
    file(ARCHIVE_EXTRACT INPUT "${ARG_ARCHIVE}" DESTINATION "${work}" PATTERNS ${ARG_PATTERNS})
  else()
    file(ARCHIVE_EXTRACT INPUT "${ARG_ARCHIVE}" DESTINATION "${work}")
  endif()
  file(WRITE "${work}/.sds-extracted" "${want}")
  file(REMOVE_RECURSE "${dest}")
  file(RENAME "${work}" "${dest}")
  set(${out_var} "${dest}" PARENT_SCOPE)
endfunction()

# Fails unless <dir> holds every <file> (relative paths): a wrong override
# dir or a changed archive layout is named here, not by a compile error.
function(sds_deps_check_files dir what)
  foreach(f IN LISTS ARGN)
    if(NOT EXISTS "${dir}/${f}")
      message(FATAL_ERROR "sds deps: ${dir} is not ${what}: it has no ${f}")
    endif()
  endforeach()
endfunction()
