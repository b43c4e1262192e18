# WEFT_SANITIZE=address,undefined (the dev preset) instruments every target.
set(WEFT_SANITIZE "" CACHE STRING "comma-separated -fsanitize= list, empty for none")
if(WEFT_SANITIZE)
  set(_flags -fsanitize=${WEFT_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # clang-14 + coroutines + UBSan's function check fails in the backend (llvm#49689).
    list(APPEND _flags -fno-sanitize=function)
  endif()
  add_compile_options(${_flags})
  add_link_options(-fsanitize=${WEFT_SANITIZE})
endif()
