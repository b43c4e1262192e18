// SPDX-License-Identifier: Apache-2.0
#include "weft/base/asio_util.hpp"

#include "weft/base/log.hpp"

namespace weft::asio_util {

boost::system::error_code listen_tcp(boost::asio::ip::tcp::acceptor& acceptor,
                                     const boost::asio::ip::tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
  }
  return ec;
}

void log_exit(std::string_view component, std::string_view what, std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log::error("{}: {} ended with an exception: {}", component, what, ex.what());
  }
}

}  // namespace weft::asio_util
