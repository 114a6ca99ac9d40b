# Warning flags for the project's own targets, and the sanitizer switch.

option(SDS_SANITIZE "Build everything with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)

add_library(sds_project_options INTERFACE)
target_compile_options(sds_project_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow)

if(SDS_SANITIZE)
  # Global, so third-party code linked into the tests is instrumented too.
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
