# FetchSha256.cmake - SHA-256 from GNU Nettle as target `sds::sha256`.
#
#   include(FetchSha256)
#   target_link_libraries(my_target PRIVATE sds::sha256)
#   #include <sha2.h>   ->  sha256_init / sha256_update / sha256_digest
#
# Both builds (native and emscripten) compile the same three C files of
# Nettle's portable SHA-256 (sha256.c, sha256-compress.c, write-be32.c) from
# Debian's source package nettle 3.8.1 (bookworm's 3.8.1-2; its Debian patches
# do not touch these files), orig tarball sha256-pinned and cached in
# ${SDS_DEPS_CACHE}. No assembly, no configure step: without HAVE_CONFIG_H
# these files need only <stdint.h> and the C library. The same code runs
# natively, under the sanitizers and in wasm.
#
# Offline override: -DSDS_NETTLE_SOURCE_DIR=<unpacked nettle-3.8.1>.
#
# Licence: Nettle is LGPLv3+ or GPLv2+ (the licence texts are extracted next
# to the sources). It is linked statically into the engine and the wasm
# module.
include_guard(GLOBAL)
include("${CMAKE_CURRENT_LIST_DIR}/SdsDeps.cmake")

set(SDS_NETTLE_VERSION "3.8.1")
set(SDS_NETTLE_URL "http://deb.debian.org/debian/pool/main/n/nettle/nettle_3.8.1.orig.tar.gz")
set(SDS_NETTLE_SHA256 "364f3e2b77cd7dcde83fd7c45219c834e54b0c75e428b6f894a23d12dd41cbfe")

set(SDS_NETTLE_SOURCE_DIR "" CACHE PATH
    "Unpacked nettle-${SDS_NETTLE_VERSION} source tree (skips the download)")

function(_sds_nettle_locate out_var)
  set(files sha256.c sha256-compress.c write-be32.c sha2.h sha2-internal.h nettle-types.h
            macros.h nettle-write.h)
  if(SDS_NETTLE_SOURCE_DIR)
    set(dir "${SDS_NETTLE_SOURCE_DIR}")
  else()
    sds_deps_download(archive
      URL "${SDS_NETTLE_URL}"
      FILENAME "nettle_${SDS_NETTLE_VERSION}.orig.tar.gz"
      SHA256 "${SDS_NETTLE_SHA256}")
    set(top "nettle-${SDS_NETTLE_VERSION}")
    set(patterns "${top}/COPYING.LESSERv3" "${top}/COPYINGv2")
    foreach(f IN LISTS files)
      list(APPEND patterns "${top}/${f}")
    endforeach()
    sds_deps_extract(root
      ARCHIVE "${archive}"
      SHA256 "${SDS_NETTLE_SHA256}"
      NAME "nettle-${SDS_NETTLE_VERSION}"
      PATTERNS ${patterns})
    set(dir "${root}/${top}")
  endif()
  sds_deps_check_files("${dir}" "a nettle ${SDS_NETTLE_VERSION} source tree" ${files})
  set(${out_var} "${dir}" PARENT_SCOPE)
endfunction()
_sds_nettle_locate(SDS_NETTLE_DIR)

add_library(sds_nettle_sha256 STATIC
  "${SDS_NETTLE_DIR}/sha256.c"
  "${SDS_NETTLE_DIR}/sha256-compress.c"
  "${SDS_NETTLE_DIR}/write-be32.c")
add_library(sds::sha256 ALIAS sds_nettle_sha256)
target_include_directories(sds_nettle_sha256 SYSTEM PUBLIC "${SDS_NETTLE_DIR}")
set_target_properties(sds_nettle_sha256 PROPERTIES
  C_STANDARD 99
  C_EXTENSIONS OFF
  POSITION_INDEPENDENT_CODE ON
  C_CLANG_TIDY ""
  C_CPPCHECK ""
  C_INCLUDE_WHAT_YOU_USE "")
target_compile_options(sds_nettle_sha256 PRIVATE -w)
message(STATUS "sds deps: nettle ${SDS_NETTLE_VERSION} SHA-256 built from source")
