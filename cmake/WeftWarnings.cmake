# Warnings every weft target gets; CMAKE_COMPILE_WARNING_AS_ERROR (set by presets) makes them errors.
set(WEFT_WARNINGS
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
    -Wold-style-cast -Wimplicit-fallthrough -Wvla -Wdate-time)
function(weft_apply_warnings target)
  target_compile_options(${target} PRIVATE ${WEFT_WARNINGS})
endfunction()
