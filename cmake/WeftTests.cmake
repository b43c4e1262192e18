# Test tiers are folders and CTest labels: unit, sim, io, netns, fuzz.
set(WEFT_TEST_BIN_DIR ${CMAKE_BINARY_DIR}/tests-bin)

# weft_test(NAME TIER unit|sim|io SOURCES ... DEPS ...): one Catch2 binary, each TEST_CASE
# registered with CTest under the tier's label.
function(weft_test name)
  cmake_parse_arguments(T "" "TIER" "SOURCES;DEPS" ${ARGN})
  if(NOT T_TIER MATCHES "^(unit|sim|io)$")
    message(FATAL_ERROR "weft_test(${name}): TIER must be unit, sim or io")
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE weft_catch_main ${T_DEPS})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests ${CMAKE_SOURCE_DIR}/tests/support)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${WEFT_TEST_BIN_DIR})
  weft_apply_warnings(${name})
  # CI runs on a clean clone, so CTest has no timings from an earlier run: COST starts the
  # long tiers first (scale sims 500-1000, netns 200, sims 100), so no long test is left
  # running alone at the end while the other core idles.
  set(_cost 0)
  if(T_TIER STREQUAL "sim")
    set(_cost 100)
  endif()
  catch_discover_tests(${name} TEST_PREFIX "${T_TIER}.${name}: "
                       PROPERTIES LABELS ${T_TIER} TIMEOUT 600 COST ${_cost})
endfunction()

# weft_fuzzer(NAME SOURCES ... DEPS ...): a libFuzzer entry point (LLVMFuzzerTestOneInput).
# In the fuzz preset it links libFuzzer; in every other build it links a replay main and
# CTest runs it over tests/fuzz/corpus/NAME (label fuzz), so the corpus is a regression test.
function(weft_fuzzer name)
  cmake_parse_arguments(F "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${F_SOURCES})
  target_link_libraries(${name} PRIVATE ${F_DEPS})
  # Test literals only (weft/testing/*.hpp): header-only, no test framework.
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests/support)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${WEFT_TEST_BIN_DIR})
  weft_apply_warnings(${name})
  set(_corpus ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${name})
  if(WEFT_FUZZ)
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  else()
    target_link_libraries(${name} PRIVATE weft_fuzz_replay_main)
  endif()
  add_test(NAME "fuzz.${name}: corpus replay" COMMAND ${name} ${_corpus})
  set_tests_properties("fuzz.${name}: corpus replay" PROPERTIES LABELS fuzz TIMEOUT 600)
endfunction()

# weft_netns_test(SCRIPT): a shell test run as root in namespaces it creates. Exit 77 = skipped
# (not root, or no netns support), reported by CTest as skipped, never as passed. One netns
# test at a time (they share the underlay range and /var/lib/cni), but beside other tiers'
# tests: they spend most of their time waiting (~0.5 core), and RUN_SERIAL left the other
# core idle for all of it.
function(weft_netns_test script)
  get_filename_component(_name ${script} NAME_WE)
  add_test(NAME "netns.${_name}" COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/${script})
  set_tests_properties("netns.${_name}" PROPERTIES
    LABELS netns SKIP_RETURN_CODE 77 TIMEOUT 900 RESOURCE_LOCK weft_netns COST 200
    ENVIRONMENT "WEFT_BIN_DIR=${CMAKE_RUNTIME_OUTPUT_DIRECTORY};WEFT_SRC_DIR=${CMAKE_SOURCE_DIR}")
endfunction()
