# FetchProtobufLite.cmake - protobuf-lite 3.21.12 as target `sds::protobuf-lite`
# plus code generation with the host protoc.
#
#   include(cmake/FetchProtobufLite.cmake)
#   add_library(sds_proto STATIC)
#   sds_protobuf_generate(TARGET sds_proto PROTOS proto/sds.proto)
#   target_link_libraries(app PRIVATE sds_proto)   # sds_proto links sds::protobuf-lite
#
# Native build: Debian's libprotobuf-dev (3.21.12, FindProtobuf).
# Emscripten:   libprotobuf-lite built from Debian's orig tarball
#               protobuf_3.21.12.orig.tar.gz (sha256-pinned, cached in
#               ${SDS_DEPS_CACHE}), via add_subdirectory(... EXCLUDE_FROM_ALL
#               SYSTEM): it is only compiled when something links it.
#               Offline override: -DSDS_PROTOBUF_SOURCE_DIR=<unpacked protobuf-3.21.12>.
# Both:         host protoc (/usr/bin/protoc from protobuf-compiler), which must be
#               3.21.12 too, because generated code only compiles against the
#               runtime of the same version.
#
# sds_protobuf_generate(TARGET <target> PROTOS <file.proto>...
#                       [IMPORT_DIRS <dir>...] [OUT_DIR <dir>])
#   Runs `protoc --cpp_out=lite:<OUT_DIR>`: the code is generated for the lite
#   runtime whether or not the .proto says `option optimize_for = LITE_RUNTIME;`.
#   IMPORT_DIRS default to the directories of the PROTOS; a proto's output path
#   is its path relative to the first import dir that contains it, so
#   proto/sds.proto with the default gives <OUT_DIR>/sds.pb.{h,cc} and
#   `#include "sds.pb.h"`. OUT_DIR defaults to
#   ${CMAKE_CURRENT_BINARY_DIR}/sds_protobuf_gen. The .pb.cc files become PRIVATE
#   sources of <target> (compiled with -w), OUT_DIR a PUBLIC (system) include
#   dir, and <target> links sds::protobuf-lite PUBLIC (keyword signature).
#   Well-known types (google/protobuf/*.proto) are not in the lite runtime.
#   Call it once per proto file (one target owns each generated file).
include_guard(GLOBAL)
include("${CMAKE_CURRENT_LIST_DIR}/SdsDeps.cmake")

set(SDS_PROTOBUF_VERSION "3.21.12")
set(SDS_PROTOBUF_URL "http://deb.debian.org/debian/pool/main/p/protobuf/protobuf_3.21.12.orig.tar.gz")
set(SDS_PROTOBUF_SHA256 "930c2c3b5ecc6c9c12615cf5ad93f1cd6e12d0aba862b572e076259970ac3a53")

# --- host protoc (also when cross-compiling with emscripten) ---------------------
find_program(SDS_PROTOC_EXECUTABLE NAMES protoc
             HINTS /usr/bin
             NO_CMAKE_FIND_ROOT_PATH
             DOC "Host protoc used for code generation (must match the protobuf runtime)")
if(NOT SDS_PROTOC_EXECUTABLE)
  message(FATAL_ERROR "protoc not found: apt-get install protobuf-compiler "
                      "(or run scripts/setup-toolchain.sh)")
endif()
execute_process(COMMAND "${SDS_PROTOC_EXECUTABLE}" --version
                OUTPUT_VARIABLE _sds_protoc_out OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE _sds_protoc_rc)
string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" SDS_PROTOC_VERSION "${_sds_protoc_out}")
if(NOT _sds_protoc_rc EQUAL 0 OR NOT SDS_PROTOC_VERSION VERSION_EQUAL SDS_PROTOBUF_VERSION)
  message(FATAL_ERROR "${SDS_PROTOC_EXECUTABLE} reports '${_sds_protoc_out}', "
                      "need protoc ${SDS_PROTOBUF_VERSION} to match the runtime")
endif()
unset(_sds_protoc_out)
unset(_sds_protoc_rc)

# --- runtime ------------------------------------------------------------------
set(SDS_PROTOBUF_SOURCE_DIR "" CACHE PATH
    "Unpacked protobuf-${SDS_PROTOBUF_VERSION} source tree for the emscripten build (skips the download)")

function(_sds_protobuf_add_from_source)
  if(SDS_PROTOBUF_SOURCE_DIR)
    set(src "${SDS_PROTOBUF_SOURCE_DIR}")
  else()
    sds_deps_download(archive
      URL "${SDS_PROTOBUF_URL}"
      FILENAME "protobuf_${SDS_PROTOBUF_VERSION}.orig.tar.gz"
      SHA256 "${SDS_PROTOBUF_SHA256}")
    sds_deps_extract(root
      ARCHIVE "${archive}"
      SHA256 "${SDS_PROTOBUF_SHA256}"
      NAME "protobuf-${SDS_PROTOBUF_VERSION}")
    set(src "${root}/protobuf-${SDS_PROTOBUF_VERSION}")
  endif()
  sds_deps_check_files("${src}" "a protobuf ${SDS_PROTOBUF_VERSION} source tree"
                       CMakeLists.txt src/google/protobuf/message_lite.h)

  # These variables live in this function's scope only, and the subdirectory
  # inherits them. protobuf 3.21 says cmake_minimum_required(3.5), under which
  # option() would ignore plain variables; CMP0077 NEW makes them count.
  set(CMAKE_POLICY_DEFAULT_CMP0077 NEW)
  set(CMAKE_POLICY_VERSION_MINIMUM 3.5) # for CMake >= 4, harmless before
  set(protobuf_BUILD_TESTS OFF)
  set(protobuf_BUILD_CONFORMANCE OFF)
  set(protobuf_BUILD_EXAMPLES OFF)
  set(protobuf_BUILD_PROTOC_BINARIES OFF)
  set(protobuf_BUILD_LIBPROTOC OFF)
  set(protobuf_BUILD_SHARED_LIBS OFF)
  set(protobuf_WITH_ZLIB OFF)
  set(protobuf_INSTALL OFF)
  set(protobuf_VERBOSE OFF)
  set(BUILD_SHARED_LIBS OFF)
  set(BUILD_TESTING OFF)
  set(CMAKE_CXX_CLANG_TIDY "")
  set(CMAKE_CXX_CPPCHECK "")
  set(CMAKE_CXX_INCLUDE_WHAT_YOU_USE "")
  # Known answers for emscripten, so that protobuf's configure checks do not
  # spend ~2 s per em++ try-compile: wasm32 has lock-free 64-bit atomics; the
  # linker version script only matters for shared libraries; pthread functions
  # are in emscripten's libc (as stubs without -pthread).
  set(protobuf_HAVE_BUILTIN_ATOMICS ON)
  set(protobuf_HAVE_LD_VERSION_SCRIPT OFF)
  set(CMAKE_HAVE_PTHREAD_H ON)
  set(CMAKE_HAVE_LIBC_PTHREAD ON)
  add_subdirectory("${src}" "${CMAKE_BINARY_DIR}/_deps/protobuf-build" EXCLUDE_FROM_ALL SYSTEM)

  # Keep the project's ABI-relevant flags (exceptions, threads, sanitizers)
  # that the directory passed down, but no warnings from third-party code.
  # Optimised for size: the runtime is a small share of the engine's time.
  target_compile_options(libprotobuf-lite PRIVATE -w -Oz)
endfunction()

add_library(sds_protobuf_lite INTERFACE)
add_library(sds::protobuf-lite ALIAS sds_protobuf_lite)
if(EMSCRIPTEN)
  _sds_protobuf_add_from_source()
  target_link_libraries(sds_protobuf_lite INTERFACE libprotobuf-lite)
  message(STATUS "sds deps: protobuf-lite ${SDS_PROTOBUF_VERSION} built from source for wasm")
else()
  find_package(Protobuf ${SDS_PROTOBUF_VERSION} EXACT REQUIRED)
  if(NOT TARGET protobuf::libprotobuf-lite)
    message(FATAL_ERROR "FindProtobuf did not define protobuf::libprotobuf-lite "
                        "(apt-get install libprotobuf-dev)")
  endif()
  target_link_libraries(sds_protobuf_lite INTERFACE protobuf::libprotobuf-lite)
  message(STATUS "sds deps: protobuf-lite ${Protobuf_VERSION} from the system")
endif()

# --- code generation -------------------------------------------------------------
function(sds_protobuf_generate)
  cmake_parse_arguments(PARSE_ARGV 0 ARG "" "TARGET;OUT_DIR" "PROTOS;IMPORT_DIRS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "sds_protobuf_generate: unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_TARGET OR NOT TARGET "${ARG_TARGET}")
    message(FATAL_ERROR "sds_protobuf_generate: TARGET must name an existing target")
  endif()
  if(NOT ARG_PROTOS)
    message(FATAL_ERROR "sds_protobuf_generate: PROTOS is empty")
  endif()
  if(NOT ARG_OUT_DIR)
    set(ARG_OUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/sds_protobuf_gen")
  endif()
  cmake_path(ABSOLUTE_PATH ARG_OUT_DIR BASE_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}" NORMALIZE)

  set(protos "")
  foreach(p IN LISTS ARG_PROTOS)
    cmake_path(ABSOLUTE_PATH p BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE)
    if(NOT EXISTS "${p}")
      message(FATAL_ERROR "sds_protobuf_generate: ${p} does not exist")
    endif()
    list(APPEND protos "${p}")
  endforeach()

  set(import_dirs "")
  if(ARG_IMPORT_DIRS)
    foreach(d IN LISTS ARG_IMPORT_DIRS)
      cmake_path(ABSOLUTE_PATH d BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE)
      list(APPEND import_dirs "${d}")
    endforeach()
  else()
    foreach(p IN LISTS protos)
      cmake_path(GET p PARENT_PATH d)
      list(APPEND import_dirs "${d}")
    endforeach()
  endif()
  list(REMOVE_DUPLICATES import_dirs)
  set(import_args "")
  foreach(d IN LISTS import_dirs)
    list(APPEND import_args "-I${d}")
  endforeach()

  file(MAKE_DIRECTORY "${ARG_OUT_DIR}")
  set(generated_cc "")
  set(generated_h "")
  foreach(p IN LISTS protos)
    set(rel "")
    foreach(d IN LISTS import_dirs)
      cmake_path(IS_PREFIX d "${p}" NORMALIZE inside)
      if(inside)
        cmake_path(RELATIVE_PATH p BASE_DIRECTORY "${d}" OUTPUT_VARIABLE rel)
        break()
      endif()
    endforeach()
    if(rel STREQUAL "")
      message(FATAL_ERROR "sds_protobuf_generate: ${p} is in none of the IMPORT_DIRS ${import_dirs}")
    endif()
    string(REGEX REPLACE "\\.proto$" "" stem "${rel}")
    set(cc "${ARG_OUT_DIR}/${stem}.pb.cc")
    set(h "${ARG_OUT_DIR}/${stem}.pb.h")
    add_custom_command(
      OUTPUT "${cc}" "${h}"
      COMMAND "${SDS_PROTOC_EXECUTABLE}" "--cpp_out=lite:${ARG_OUT_DIR}" ${import_args} "${p}"
      DEPENDS "${p}" "${SDS_PROTOC_EXECUTABLE}"
      COMMENT "protoc (lite) ${rel}"
      VERBATIM)
    list(APPEND generated_cc "${cc}")
    list(APPEND generated_h "${h}")
  endforeach()

  target_sources(${ARG_TARGET} PRIVATE ${generated_cc} ${generated_h})
  # Generated code is third-party style code: no project warnings for it.
  set_source_files_properties(${generated_cc} PROPERTIES COMPILE_OPTIONS "-w")
  target_include_directories(${ARG_TARGET} SYSTEM PUBLIC "${ARG_OUT_DIR}")
  target_link_libraries(${ARG_TARGET} PUBLIC sds::protobuf-lite)
endfunction()
