# FetchFarmhash.cmake - Google FarmHash as target `sds::farmhash`.
#
#   include(cmake/FetchFarmhash.cmake)
#   target_link_libraries(my_target PRIVATE sds::farmhash)
#   #include <farmhash.h>   ->  util::Fingerprint64(data, len)
#
# Native build: Debian's libfarmhash-dev (/usr/include/farmhash.h, libfarmhash).
# Emscripten:   src/farmhash.cc from the same Debian source package
#               (farmhash 0~git20190513.0d859a8, bookworm's 0~git20190513.0d859a8-2),
#               orig tarball sha256-pinned and cached in ${SDS_DEPS_CACHE}, built
#               as a static library. Offline override:
#               -DSDS_FARMHASH_SOURCE_DIR=<dir with farmhash.cc and farmhash.h>.
#
# Use util::Fingerprint64 for anything that must agree with other peers (nim-sds
# uses it): it is the portable, frozen function. util::Hash64 is NOT stable:
# farmhash.cc applies a "debug tweak" to Hash64/Hash32/Hash128 unless it is
# compiled with NDEBUG (or FARMHASH_DEBUG=0), and it picks another algorithm
# when compiled with SSE4.2. Debian's libfarmhash was built without NDEBUG and
# without SSE4.2, so the wasm build pins FARMHASH_DEBUG=1 and no SSE: then
# Hash64 also gives the same values in both builds, whatever the build type.
include_guard(GLOBAL)
include("${CMAKE_CURRENT_LIST_DIR}/SdsDeps.cmake")

set(SDS_FARMHASH_VERSION "0~git20190513.0d859a8")
set(SDS_FARMHASH_URL
    "http://deb.debian.org/debian/pool/main/f/farmhash/farmhash_0%7Egit20190513.0d859a8.orig.tar.xz")
set(SDS_FARMHASH_SHA256 "e2fc97337d22a598d1b35697c20a9a9c638abccff2793e2cab12d01eec5bc496")

set(SDS_FARMHASH_SOURCE_DIR "" CACHE PATH
    "Directory with farmhash.cc and farmhash.h for the emscripten build (skips the download)")

add_library(sds_farmhash INTERFACE)
add_library(sds::farmhash ALIAS sds_farmhash)

if(EMSCRIPTEN)
  function(_sds_farmhash_locate out_var)
    if(SDS_FARMHASH_SOURCE_DIR)
      set(dir "${SDS_FARMHASH_SOURCE_DIR}")
    else()
      sds_deps_download(archive
        URL "${SDS_FARMHASH_URL}"
        FILENAME "farmhash_${SDS_FARMHASH_VERSION}.orig.tar.xz"
        SHA256 "${SDS_FARMHASH_SHA256}")
      set(top "farmhash-${SDS_FARMHASH_VERSION}")
      sds_deps_extract(root
        ARCHIVE "${archive}"
        SHA256 "${SDS_FARMHASH_SHA256}"
        NAME "farmhash-0-git20190513.0d859a8"
        PATTERNS "${top}/src/farmhash.cc" "${top}/src/farmhash.h" "${top}/COPYING")
      set(dir "${root}/${top}/src")
    endif()
    sds_deps_check_files("${dir}" "a farmhash source dir" farmhash.cc farmhash.h)
    set(${out_var} "${dir}" PARENT_SCOPE)
  endfunction()
  _sds_farmhash_locate(SDS_FARMHASH_DIR)

  add_library(sds_farmhash_static STATIC "${SDS_FARMHASH_DIR}/farmhash.cc")
  target_include_directories(sds_farmhash_static PUBLIC "${SDS_FARMHASH_DIR}")
  # C++14 is what upstream was written for; Debian's only patch (removing
  # `using namespace std` for libc++ in C++17) is then not needed.
  set_target_properties(sds_farmhash_static PROPERTIES
    SYSTEM ON
    CXX_STANDARD 14
    CXX_STANDARD_REQUIRED ON
    CXX_EXTENSIONS OFF
    CXX_CLANG_TIDY ""
    CXX_CPPCHECK ""
    CXX_INCLUDE_WHAT_YOU_USE "")
  target_compile_definitions(sds_farmhash_static PRIVATE FARMHASH_DEBUG=1)
  target_compile_options(sds_farmhash_static PRIVATE -w)
  target_link_libraries(sds_farmhash INTERFACE sds_farmhash_static)
  message(STATUS "sds deps: farmhash ${SDS_FARMHASH_VERSION} built from source for wasm")
else()
  find_path(SDS_FARMHASH_INCLUDE_DIR NAMES farmhash.h
            DOC "Directory with farmhash.h (Debian: libfarmhash-dev)")
  find_library(SDS_FARMHASH_LIBRARY NAMES farmhash
               DOC "libfarmhash (Debian: libfarmhash-dev)")
  if(NOT SDS_FARMHASH_INCLUDE_DIR OR NOT SDS_FARMHASH_LIBRARY)
    message(FATAL_ERROR "farmhash not found: apt-get install libfarmhash-dev "
                        "(or run scripts/setup-toolchain.sh)")
  endif()
  target_include_directories(sds_farmhash SYSTEM INTERFACE "${SDS_FARMHASH_INCLUDE_DIR}")
  target_link_libraries(sds_farmhash INTERFACE "${SDS_FARMHASH_LIBRARY}")
  message(STATUS "sds deps: farmhash from ${SDS_FARMHASH_LIBRARY}")
endif()
