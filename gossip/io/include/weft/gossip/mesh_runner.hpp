// SPDX-License-Identifier: Apache-2.0
// Runs a gossip::Mesh on Asio: TCP accept and dial, reads and writes, and the core's
// timer. It carries out the core's effects and reports events; it decides nothing itself.
#pragma once

#include "weft/base/result.hpp"
#include "weft/gossip/mesh.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace weft::gossip {

/// The control-plane clock as the cores see it.
TimePoint steady_now();

class MeshRunner {
 public:
  /// `mesh` must outlive the runner; everything runs on `ex` (one thread).
  MeshRunner(boost::asio::any_io_executor ex, Mesh& mesh);
  ~MeshRunner();
  MeshRunner(const MeshRunner&) = delete;
  MeshRunner& operator=(const MeshRunner&) = delete;

  /// Accepts mesh connections on `endpoint` (the mesh port, TCP 6783 by default).
  Result<void> listen(const boost::asio::ip::tcp::endpoint& endpoint);
  /// Carries out pending effects and re-arms the timer. Call after calling into the mesh
  /// from outside the runner (connect, forget, channel sends).
  void kick();
  /// Closes the listener and every connection.
  void stop();

  struct State;  ///< opaque; shared with the coroutines so they outlive stop() safely

 private:
  std::shared_ptr<State> state_;
};

}  // namespace weft::gossip
