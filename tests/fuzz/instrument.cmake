# Included by the top-level CMakeLists.txt when SDS_FUZZ=ON, before any
# target exists: every translation unit (the project's and the fetched
# protobuf, SQLite and farmhash sources) gets coverage feedback for libFuzzer
# and ASan + UBSan checks. The fuzz executables add -fsanitize=fuzzer at link.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "SDS_FUZZ needs clang (scripts/fuzz.sh configures clang-19)")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                    -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)
