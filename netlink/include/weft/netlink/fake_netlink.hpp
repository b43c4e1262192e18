// SPDX-License-Identifier: Apache-2.0
// FakeNetlink: the Netlink port in memory, for unit tests of router and CNI logic. It
// refuses what the kernel refuses in the ways that matter to callers (a name in use or
// longer than 15 bytes, a master that is not a bridge, a duplicate address or FDB entry,
// an unknown device) with the same error codes LibnlNetlink gives, and counts calls so a
// test can assert that a second reconcile changes nothing.
#pragma once

#include "weft/netlink/netlink.hpp"

#include <map>
#include <set>

namespace weft::netlink {

class FakeNetlink final : public Netlink {
 public:
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

  /// Calls that changed something (a reconcile that finds everything right makes none).
  [[nodiscard]] int changes() const { return changes_; }
  /// The bridge learned `mac` behind `port` (as a frame from it would make it).
  void learn(const std::string& port, const MacAddress& mac) { learned_.insert({port, mac}); }
  [[nodiscard]] bool has_learned(const std::string& port, const MacAddress& mac) const {
    return learned_.contains({port, mac});
  }
  /// A link that appears without weft asking (left over, or made by an admin).
  Link& inject(Link l);
  /// Lets a veth's other end go to `ns` when a VethSpec names `fd` as its namespace (the
  /// fake's stand-in for another network namespace); the pair then dies together.
  void add_namespace(int fd, FakeNetlink& ns) { namespaces_[fd] = &ns; }

 private:
  Result<Link*> find(const std::string& name, std::string_view doing);
  Result<Link*> create(const std::string& name, LinkKind kind, std::uint32_t mtu);

  std::map<int, Link> links_;
  std::map<int, int> veth_peer_;            // both directions, for pairs with both ends here
  std::map<int, FakeNetlink*> namespaces_;  // by fd, see add_namespace
  std::map<int, std::pair<FakeNetlink*, int>> remote_peer_;  // veth ends in another fake
  std::vector<Address> addresses_;
  std::vector<Route> routes_;
  std::vector<FdbEntry> fdb_;
  std::set<std::pair<std::string, MacAddress>> learned_;  // the bridge's, by port
  std::map<std::string, std::string> sysctls_;
  int next_index_ = 2;  // 1 is lo
  int changes_ = 0;
};

}  // namespace weft::netlink
