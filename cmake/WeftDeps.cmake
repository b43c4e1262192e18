# Third-party dependencies, all from Debian 12 packages (scripts/deps.sh installs them).
find_package(PkgConfig REQUIRED)
find_package(Boost 1.81...<1.82 REQUIRED CONFIG)   # headers: System (result), Asio, Beast
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
if(NOT WEFT_ONLY_PURE)
  find_package(SQLite3 REQUIRED)
  find_package(CLI11 REQUIRED)
  pkg_check_modules(NL REQUIRED IMPORTED_TARGET libnl-3.0)
  pkg_check_modules(NLROUTE REQUIRED IMPORTED_TARGET libnl-route-3.0)
  pkg_check_modules(NFT REQUIRED IMPORTED_TARGET libnftables)
  pkg_check_modules(CARES REQUIRED IMPORTED_TARGET libcares)   # dns/io: the upstream forwarder
endif()
find_package(Catch2 2 REQUIRED)
include(Catch)

# Asio is header-only; this interface target is what io modules name, so the
# pure-core rule (WeftModule.cmake) can see it.
add_library(weft_asio INTERFACE)
target_link_libraries(weft_asio INTERFACE Boost::headers)
target_compile_definitions(weft_asio INTERFACE BOOST_ASIO_NO_DEPRECATED)
find_package(Threads REQUIRED)
target_link_libraries(weft_asio INTERFACE Threads::Threads)
add_library(weft::asio ALIAS weft_asio)
