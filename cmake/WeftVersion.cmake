# Version string from git describe at configure time (falls back to the project version).
execute_process(COMMAND git describe --always --dirty --tags
                WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                OUTPUT_VARIABLE WEFT_GIT_DESCRIBE OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET RESULT_VARIABLE _git_rc)
if(NOT _git_rc EQUAL 0 OR WEFT_GIT_DESCRIBE STREQUAL "")
  set(WEFT_GIT_DESCRIBE "unknown")
endif()
set(WEFT_VERSION_STRING ${PROJECT_VERSION})
configure_file(${CMAKE_SOURCE_DIR}/cmake/version.hpp.in
               ${CMAKE_BINARY_DIR}/generated/weft/version.hpp @ONLY)
