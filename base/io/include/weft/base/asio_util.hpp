// SPDX-License-Identifier: Apache-2.0
// Small pieces every Asio adapter needs: a TCP listener set up the same way everywhere,
// and a completion handler for detached coroutines that logs how they ended.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <exception>
#include <string_view>

namespace weft::asio_util {

/// open + SO_REUSEADDR (a restarted daemon rebinds at once, past TIME_WAIT) + bind + listen.
/// On failure the acceptor is left closed and the error says which step failed.
boost::system::error_code listen_tcp(boost::asio::ip::tcp::acceptor& acceptor,
                                     const boost::asio::ip::tcp::endpoint& endpoint);

/// For asio::co_spawn: a coroutine that ended by an exception is a bug worth an error line
/// ("<component>: <what> ended with an exception: ..."); a normal end says nothing.
void log_exit(std::string_view component, std::string_view what, std::exception_ptr e);

}  // namespace weft::asio_util
