# Warnings every weft target gets; CMAKE_COMPILE_WARNING_AS_ERROR (set by presets) makes them errors.
set(WEFT_WARNINGS
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
    -Wold-style-cast -Wimplicit-fallthrough -Wvla -Wdate-time)
# g++ 12 at -O2 reports maybe-uninitialized inside std::variant/optional moves (GCC
# bugs 105562, 107138): false positives that would fail release builds. ASan debug builds
# keep the check meaningful through the sanitizer instead.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND WEFT_WARNINGS $<$<NOT:$<CONFIG:Debug>>:-Wno-maybe-uninitialized>)
endif()
function(weft_apply_warnings target)
  target_compile_options(${target} PRIVATE ${WEFT_WARNINGS})
endfunction()
