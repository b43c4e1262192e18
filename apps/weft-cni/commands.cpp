// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include "weft/api/client.hpp"
#include "weft/cni/attach.hpp"
#include "weft/cni/result.hpp"
#include "weft/netlink/libnl_netlink.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <fstream>
#include <unistd.h>

namespace weft::cni_plugin {
using cni::Code;
using cni::Failure;
using cni::Outcome;
using nlohmann::json;

namespace {

// An allocation may wait up to 30 s for space from peers; the rest answers at once.
constexpr auto kAddTimeout = std::chrono::seconds(40);
constexpr auto kTimeout = std::chrono::seconds(10);

Failure daemon_down(const cni::NetConf& conf, const Error& e) {
  return {Code::try_again_later,
          "weftd is not running at " + conf.daemon_socket +
              ": start weftd on this host (or set \"daemonSocket\" in the network config to "
              "where it listens)",
          e.message()};
}

// One request to weftd; a non-2xx answer becomes a Failure carrying weftd's own reason.
Outcome<json> call(const cni::NetConf& conf, const std::string& method, const std::string& target,
                   const std::string& body, std::chrono::seconds timeout) {
  const api::ApiClient client(conf.daemon_socket,
                              std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
  auto res = client.request(method, target, body);
  if (!res) return daemon_down(conf, res.error());
  auto j = json::parse(res->body, nullptr, false);
  if (res->status / 100 == 2) {
    if (j.is_discarded()) {
      return Failure{Code::io_failure, "weftd answered " + target + " with something not JSON",
                     res->body};
    }
    // json converts from nearly anything, so say which side of the result this is.
    return Outcome<json>(boost::system::in_place_value, std::move(j));
  }
  const std::string why =
      (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_string())
          ? j["error"].get<std::string>()
          : res->body;
  Code code = Code::io_failure;
  if (res->status == 503) code = Code::try_again_later;
  if (res->status == 400) code = Code::invalid_config;
  if (res->status == 404) code = Code::unknown_container;
  return Failure{code, "weftd: " + why, target + " answered " + std::to_string(res->status)};
}

Outcome<std::unique_ptr<netlink::LibnlNetlink>> open_ns(const std::optional<std::string>& netns) {
  auto nl = netns ? netlink::LibnlNetlink::open(std::filesystem::path(*netns))
                  : netlink::LibnlNetlink::open();
  if (!nl) {
    if (netns && !std::filesystem::exists(*netns)) {
      return Failure{Code::unknown_container,
                     "the pod's network namespace " + *netns + " does not exist", ""};
    }
    return Failure{Code::io_failure, "cannot reach the kernel's network configuration",
                   nl.error().message()};
  }
  return std::move(*nl);
}

Outcome<void> check_ifname(const std::string& ifname) {
  if (auto r = netlink::check_link_name(ifname, "CNI_IFNAME"); !r) {
    return Failure{Code::invalid_environment, r.error().message(), ""};
  }
  return {};
}

// The pod description weftd's answer and the attachment key give.
Outcome<cni::PodLink> pod_link(const cni::CniEnv& env, const cni::NetConf& conf, const json& a) {
  auto addr = a.contains("address") && a["address"].is_string()
                  ? IpAddress::parse(a["address"].get<std::string>())
                  : Result<IpAddress>(Error(Errc::parse_error, "missing"));
  auto gw = a.contains("gateway") && a["gateway"].is_string()
                ? IpAddress::parse(a["gateway"].get<std::string>())
                : Result<IpAddress>(Error(Errc::parse_error, "missing"));
  if (!addr || !gw || !a.contains("prefix_length") || !a["prefix_length"].is_number_integer()) {
    return Failure{Code::io_failure, "weftd's answer lacks address, prefix or gateway", a.dump()};
  }
  cni::PodLink l;
  if (a.contains("bridge") && a["bridge"].is_string()) l.bridge = a["bridge"].get<std::string>();
  l.host_veth = cni::host_veth_name(env.container_id, env.ifname);
  l.ifname = env.ifname;
  l.mac = cni::pod_mac(env.container_id, env.ifname);
  l.address = *addr;
  l.prefix_length = a["prefix_length"].get<int>();
  l.gateway = *gw;
  l.mtu = conf.mtu;
  if (l.mtu == 0 && a.contains("mtu") && a["mtu"].is_number_unsigned()) {
    l.mtu = a["mtu"].get<std::uint32_t>();
  }
  l.hairpin = conf.hairpin;
  return l;
}

json key_body(const cni::CniEnv& env) {
  return json{{"container_id", env.container_id}, {"ifname", env.ifname}};
}

}  // namespace

Outcome<std::string> add(const cni::CniEnv& env, const cni::NetConf& conf) {
  if (auto r = check_ifname(env.ifname); !r) return r.error();
  cni::AddResult result;
  if (conf.prev_result) {
    auto prev = cni::parse_result(*conf.prev_result);
    if (!prev) return prev.error();
    result = std::move(*prev);
  }
  // The namespaces first: a pod that is gone costs no allocation.
  const int fd = ::open(env.netns.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Failure{Code::unknown_container,
                   "the pod's network namespace " + env.netns + " cannot be opened", ""};
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  auto host = open_ns(std::nullopt);
  if (!host) return host.error();
  auto pod = open_ns(env.netns);
  if (!pod) return pod.error();
  // An ADD repeated for a pod weft already plugged in answers again (weftd's allocation is
  // idempotent per key); an interface of that name that is not ours is left alone, and
  // nothing is allocated for it.
  auto existing = (*pod)->link(env.ifname);
  if (!existing) return Failure{Code::io_failure, existing.error().message(), ""};
  const bool repeat = *existing && (*existing)->mac == cni::pod_mac(env.container_id, env.ifname);
  if (*existing && !repeat) {
    return Failure{Code::invalid_environment,
                   "the pod already has an interface " + env.ifname +
                       " that weft did not make: give another CNI_IFNAME",
                   ""};
  }

  json body = key_body(env);
  body["netns"] = env.netns;
  body["network"] = conf.name;
  body["mac"] = cni::pod_mac(env.container_id, env.ifname).to_string();
  if (!env.args.pod_name.empty()) body["pod_name"] = env.args.pod_name;
  if (!env.args.pod_namespace.empty()) body["pod_namespace"] = env.args.pod_namespace;
  // Names for weft DNS: weftd registers each as NAME.weft.local for this attachment.
  json hostnames = json::array();
  for (const auto* h : {&env.args.hostname, &conf.hostname}) {
    if (!h->empty()) hostnames.push_back(*h);
  }
  if (!hostnames.empty()) body["hostnames"] = hostnames;
  if (conf.subnet) body["subnet"] = *conf.subnet;
  auto answer = call(conf, "POST", "/cni/add", body.dump(), kAddTimeout);
  if (!answer) return answer.error();
  auto link = pod_link(env, conf, *answer);
  if (!link) return link.error();
  link->pod_netns_fd = fd;

  // From here a failure gives the address back, so a retried ADD starts clean.
  auto undo = [&](Failure f) {
    (void)call(conf, "POST", "/cni/del", key_body(env).dump(), kTimeout);
    return f;
  };
  if (repeat) {
    if (auto c = cni::check(**host, **pod, *link); !c) {
      return Failure{Code::io_failure,
                     "ADD again for " + env.ifname + ", which weft plugged in before, but " +
                         c.error().message() + ": DEL it, then ADD",
                     ""};
    }
  } else if (auto attached = cni::attach(**host, **pod, *link); !attached) {
    return undo({Code::io_failure, attached.error().message(), ""});
  }
  if (link->hairpin && !repeat) {
    // A bridge port flag the netlink port does not carry; sysfs is the kernel's own switch.
    std::ofstream f("/sys/class/net/" + link->host_veth + "/brport/hairpin_mode");
    f << "1\n";
    if (!f) {
      (void)cni::detach(**host, link->host_veth);
      return undo({Code::io_failure, "cannot turn on hairpin mode on " + link->host_veth, ""});
    }
  }

  auto host_link = (*host)->link(link->host_veth);
  const std::string host_mac =
      host_link && *host_link ? (*host_link)->mac.to_string() : std::string();
  const int first = static_cast<int>(result.interfaces.size());
  result.interfaces.push_back({link->host_veth, host_mac, "", std::nullopt});
  result.interfaces.push_back({env.ifname, link->mac.to_string(), env.netns, link->mtu});
  result.ips.push_back({link->address.to_string() + "/" + std::to_string(link->prefix_length),
                        link->gateway.to_string(), first + 1});
  result.routes.push_back(
      {link->address.is_v4() ? "0.0.0.0/0" : "::/0", link->gateway.to_string()});
  // weft DNS answers on the bridge: runtimes write the pod's resolv.conf from this.
  if (answer->contains("dns_server") && (*answer)["dns_server"].is_string()) {
    result.dns.nameservers = {(*answer)["dns_server"].get<std::string>()};
    result.dns.search = {(*answer).value("dns_domain", "weft.local")};
  }
  return cni::encode_result(result, conf.cni_version);
}

Outcome<std::string> del(const cni::CniEnv& env, const cni::NetConf& conf) {
  if (auto r = check_ifname(env.ifname); !r) return r.error();
  // The veth first: with it gone the pod cannot use the address any more, so freeing it
  // next is safe. Both steps succeed when there is nothing left to remove.
  auto host = open_ns(std::nullopt);
  if (!host) return host.error();
  if (auto d = cni::detach(**host, cni::host_veth_name(env.container_id, env.ifname)); !d) {
    return Failure{Code::io_failure, d.error().message(), ""};
  }
  auto answer = call(conf, "POST", "/cni/del", key_body(env).dump(), kTimeout);
  if (!answer) return answer.error();
  return std::string();
}

Outcome<std::string> check(const cni::CniEnv& env, const cni::NetConf& conf) {
  if (auto r = check_ifname(env.ifname); !r) return r.error();
  auto a = call(conf, "GET",
                "/cni/attachment?container_id=" + api::url_encode(env.container_id) +
                    "&ifname=" + api::url_encode(env.ifname),
                "", kTimeout);
  if (!a) return a.error();
  auto link = pod_link(env, conf, *a);
  if (!link) return link.error();
  if (conf.prev_result) {
    auto prev = cni::parse_result(*conf.prev_result);
    if (!prev) return prev.error();
    const std::string want = link->address.to_string() + "/" + std::to_string(link->prefix_length);
    bool found = false;
    for (const auto& ip : prev->ips) found = found || ip.address == want;
    if (!found) {
      return Failure{Code::io_failure,
                     "prevResult does not list " + want + ", which weftd holds for this pod", ""};
    }
  }
  auto host = open_ns(std::nullopt);
  if (!host) return host.error();
  auto pod = open_ns(env.netns);
  if (!pod) return pod.error();
  if (auto c = cni::check(**host, **pod, *link); !c) {
    return Failure{Code::io_failure, "CHECK: " + c.error().message(), ""};
  }
  return std::string();
}

Outcome<std::string> gc(const cni::NetConf& conf) {
  json valid = json::array();
  for (const auto& a : conf.valid_attachments) {
    valid.push_back({{"container_id", a.container_id}, {"ifname", a.ifname}});
  }
  auto answer = call(conf, "POST", "/cni/gc", json{{"valid", valid}, {"network", conf.name}}.dump(),
                     kTimeout);
  if (!answer) return answer.error();
  // The veths of freed attachments went with their pods' namespaces; any left are removed.
  if (answer->contains("attachments") && (*answer)["attachments"].is_array()) {
    auto host = open_ns(std::nullopt);
    if (!host) return host.error();
    for (const auto& id : (*answer)["attachments"]) {
      if (!id.is_string()) continue;
      const std::string s = id.get<std::string>();
      const auto slash = s.rfind('/');
      if (slash == std::string::npos) continue;
      (void)cni::detach(**host, cni::host_veth_name(s.substr(0, slash), s.substr(slash + 1)));
    }
  }
  return std::string();
}

Outcome<std::string> status(const cni::NetConf& conf) {
  auto answer = call(conf, "GET", "/cni/status", "", kTimeout);
  if (!answer) {
    auto f = answer.error();
    f.code = Code::not_available;  // STATUS says "not available" whatever the cause
    return f;
  }
  return std::string();
}

}  // namespace weft::cni_plugin
