// SPDX-License-Identifier: Apache-2.0
// LibnlNetlink: the Netlink port on the kernel through libnl-3 (the only code that links
// libnl), in this network namespace or another one given by path (/run/netns/NAME,
// /proc/PID/ns/net). The netlink socket is opened inside that namespace, so every call
// after that acts there without switching the thread again; sysctls switch for the open
// of /proc/sys, which resolves the namespace of the opener.
#pragma once

#include "weft/netlink/netlink.hpp"

#include <filesystem>
#include <functional>
#include <memory>

struct nl_sock;
struct rtnl_link;

namespace weft::netlink {

class LibnlNetlink final : public Netlink {
 public:
  /// Connects a NETLINK_ROUTE socket in `netns` (nullopt: the caller's namespace).
  static Result<std::unique_ptr<LibnlNetlink>> open(
      const std::optional<std::filesystem::path>& netns = std::nullopt);
  ~LibnlNetlink() override;
  LibnlNetlink(const LibnlNetlink&) = delete;
  LibnlNetlink& operator=(const LibnlNetlink&) = delete;

  Result<std::vector<Link>> links() override;
  Result<std::optional<Link>> link(const std::string& name) override;
  Result<void> add_bridge(const std::string& name, std::uint32_t mtu) override;
  Result<void> add_veth(const VethSpec& spec) override;
  Result<void> add_vxlan(const VxlanSpec& spec) override;
  Result<void> delete_link(const std::string& name) override;
  Result<void> set_master(const std::string& name, const std::string& bridge) override;
  Result<void> set_up(const std::string& name) override;
  Result<void> set_mtu(const std::string& name, std::uint32_t mtu) override;
  Result<std::vector<Address>> addresses(const std::string& link) override;
  Result<void> add_address(const std::string& link, const IpAddress& address,
                           int prefix_length) override;
  Result<void> delete_address(const std::string& link, const IpAddress& address,
                              int prefix_length) override;
  Result<std::vector<Route>> routes() override;
  Result<void> replace_route(const Route& route) override;
  Result<std::vector<FdbEntry>> fdb(const std::string& link) override;
  Result<void> add_fdb(const FdbEntry& entry) override;
  Result<void> delete_fdb(const FdbEntry& entry) override;
  Result<void> forget_learned(const std::string& port, const MacAddress& mac) override;
  Result<std::string> sysctl(const std::string& key) override;
  Result<void> set_sysctl(const std::string& key, const std::string& value) override;

 private:
  LibnlNetlink(nl_sock* sock, int netns_fd, std::string where);
  Result<int> index_of(const std::string& name, std::string_view doing);
  Result<void> change_link(const std::string& name, std::string_view doing,
                           const std::function<void(rtnl_link*)>& edit);
  Result<void> neigh(const FdbEntry& entry, bool add);
  Result<void> address(const std::string& link, const IpAddress& address, int prefix_length,
                       bool add);
  /// Runs `f` with this thread in the namespace (for /proc/sys), then switches back.
  Result<void> in_netns(const std::function<Result<void>()>& f);

  nl_sock* sock_;
  int netns_fd_;       // -1: the caller's namespace
  std::string where_;  // " in netns PATH" for messages, or ""
};

}  // namespace weft::netlink
