# weft_module(NAME KIND pure|io [DIR subdir] SOURCES ... DEPS ... PRIVATE_DEPS ...)
#
# DIR (default: the current folder) holds the module's include/ and src/, so a folder can
# hold a pure core and its io adapter side by side (e.g. api/ and api/io/).
# Creates weft_<NAME> with alias weft::<NAME>, headers in include/ as a FILE_SET
# (so a module that does not link another cannot include its headers), warnings,
# and header self-containment checks. A `pure` module is a deterministic core:
# configuration fails if it links Asio, libnl, SQLite, c-ares or any io module,
# directly or through another module (the rule in docs/architecture.md).

set(WEFT_FORBIDDEN_IN_PURE
    weft::asio weft_asio Boost::asio SQLite::SQLite3 PkgConfig::NL PkgConfig::NLROUTE
    PkgConfig::CARES c-ares::cares PkgConfig::NFT)

function(_weft_check_pure name)
  foreach(dep IN LISTS ARGN)
    if(dep IN_LIST WEFT_FORBIDDEN_IN_PURE)
      message(FATAL_ERROR "pure module weft_${name} may not link ${dep}: "
                          "move the I/O into an io module (see docs/architecture.md)")
    endif()
    if(TARGET ${dep})
      get_target_property(_kind ${dep} WEFT_KIND)
      if(_kind STREQUAL "io")
        message(FATAL_ERROR "pure module weft_${name} may not link io module ${dep}")
      endif()
    endif()
  endforeach()
endfunction()

function(weft_module name)
  cmake_parse_arguments(M "" "KIND;DIR" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  set(_dir ${CMAKE_CURRENT_SOURCE_DIR})
  if(M_DIR)
    set(_dir ${CMAKE_CURRENT_SOURCE_DIR}/${M_DIR})
  endif()
  if(NOT M_KIND MATCHES "^(pure|io)$")
    message(FATAL_ERROR "weft_module(${name}): KIND must be pure or io")
  endif()
  if(M_KIND STREQUAL "pure")
    _weft_check_pure(${name} ${M_DEPS} ${M_PRIVATE_DEPS})
  endif()
  add_library(weft_${name} STATIC ${M_SOURCES})
  add_library(weft::${name} ALIAS weft_${name})
  set_target_properties(weft_${name} PROPERTIES WEFT_KIND ${M_KIND}
                                                VERIFY_INTERFACE_HEADER_SETS ON)
  file(GLOB_RECURSE _hdrs CONFIGURE_DEPENDS ${_dir}/include/*.hpp)
  target_sources(weft_${name} PUBLIC FILE_SET HEADERS BASE_DIRS ${_dir}/include FILES ${_hdrs})
  target_include_directories(weft_${name} PRIVATE ${_dir}/src)
  target_link_libraries(weft_${name} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
  weft_apply_warnings(weft_${name})
endfunction()
