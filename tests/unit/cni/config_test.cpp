// SPDX-License-Identifier: Apache-2.0
// The network config and CNI_* environment: every supported version accepted, and each kind
// of bad input refused with the spec's code and the field named.
#include "weft/cni/config.hpp"

#include "weft/cni/spec.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace weft::cni;

namespace {
Failure fails(const std::string& text) {
  auto c = parse_netconf(text);
  REQUIRE_FALSE(c.has_value());
  return c.error();
}
}  // namespace

TEST_CASE("every supported version is accepted, with defaults", "[cni][config]") {
  for (const auto& v : supported_versions()) {
    auto c = parse_netconf(R"({"cniVersion": ")" + v + R"(", "name": "weft", "type": "weft"})");
    REQUIRE(c.has_value());
    CHECK(c->cni_version == v);
    CHECK(c->name == "weft");
    CHECK(c->daemon_socket == "/run/weft/weftd.sock");
    CHECK(c->mtu == 0);
    CHECK_FALSE(c->hairpin);
    CHECK_FALSE(c->prev_result);
  }
}

TEST_CASE("the optional fields are read", "[cni][config]") {
  auto c = parse_netconf(R"({"cniVersion": "1.1.0", "name": "n", "type": "weft",
    "daemonSocket": "/tmp/x/weftd.sock", "mtu": 1400, "hairpin": true, "subnet": "10.32.1.0/24",
    "hostname": "shared", "prevResult": {"cniVersion": "1.1.0", "ips": []},
    "cni.dev/valid-attachments": [{"containerID": "c1", "ifname": "eth0"}]})");
  REQUIRE(c.has_value());
  CHECK(c->daemon_socket == "/tmp/x/weftd.sock");
  CHECK(c->mtu == 1400);
  CHECK(c->hairpin);
  CHECK(c->subnet == "10.32.1.0/24");
  CHECK(c->hostname == "shared");
  REQUIRE(c->prev_result);
  CHECK(c->prev_result->find("\"ips\"") != std::string::npos);
  CHECK(c->valid_attachments == std::vector<Attachment>{{"c1", "eth0"}});
}

TEST_CASE("cniVersions picks the newest version weft speaks", "[cni][config]") {
  auto c = parse_netconf(R"({"cniVersions": ["0.4.0", "1.0.0", "9.9.9"], "name": "n"})");
  REQUIRE(c.has_value());
  CHECK(c->cni_version == "1.0.0");
  CHECK(c->cni_versions.size() == 3);
}

TEST_CASE("bad configs get the spec's codes and name the field", "[cni][config]") {
  CHECK(fails("not json").code == Code::decode_failure);
  CHECK(fails("[1,2]").code == Code::decode_failure);
  CHECK(fails("").code == Code::decode_failure);
  auto missing = fails(R"({"name": "n"})");
  CHECK(missing.code == Code::invalid_config);
  CHECK_THAT(missing.msg, Catch::Contains("cniVersion"));
  auto old = fails(R"({"cniVersion": "0.2.0", "name": "n"})");
  CHECK(old.code == Code::incompatible_version);
  CHECK_THAT(old.msg, Catch::Contains("0.2.0"));
  CHECK(fails(R"({"cniVersion": "1.0.0"})").msg.find("\"name\"") != std::string::npos);
  struct Bad {
    const char* field;
    const char* json;
  };
  for (const auto& [field, extra] : std::initializer_list<Bad>{
           {"type", R"("type": "bridge")"},
           {"mtu", R"("mtu": 100)"},
           {"mtu", R"("mtu": "1400")"},
           {"mtu", R"("mtu": 70000)"},
           {"hairpin", R"("hairpin": "yes")"},
           {"daemonSocket", R"("daemonSocket": "relative.sock")"},
           {"daemonSocket", R"("daemonSocket": 5)"},
           {"subnet", R"("subnet": 10)"},
           {"hostname", R"("hostname": ["a"])"},
           {"prevResult", R"("prevResult": [1])"},
           {"cniVersion", R"("cniVersion": 1)"},
           {"cni.dev/valid-attachments", R"("cni.dev/valid-attachments": [{"containerID": 1}])"},
       }) {
    std::string text = R"({"cniVersion": "1.1.0", "name": "n", )" + std::string(extra) + "}";
    if (std::string(field) == "cniVersion") text = R"({"name": "n", )" + std::string(extra) + "}";
    auto f = fails(text);
    INFO(text);
    CHECK(f.code == Code::invalid_config);
    CHECK_THAT(f.msg, Catch::Contains(std::string("\"") + field + "\""));
  }
}

TEST_CASE("the environment: command, required variables, CNI_ARGS", "[cni][env]") {
  std::map<std::string, std::string> env{
      {"CNI_COMMAND", "ADD"},
      {"CNI_CONTAINERID", "c1"},
      {"CNI_NETNS", "/run/netns/p"},
      {"CNI_IFNAME", "eth0"},
      {"CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=web-0;HOSTNAME=db"}};
  auto e = parse_env_map(env);
  REQUIRE(e.has_value());
  CHECK(e->command == Command::add);
  CHECK(e->args.pod_name == "web-0");
  CHECK(e->args.pod_namespace == "ns");
  CHECK(e->args.hostname == "db");

  for (const char* var : {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"}) {
    auto without = env;
    without.erase(var);
    auto f = parse_env_map(without);
    REQUIRE_FALSE(f.has_value());
    CHECK(f.error().code == Code::invalid_environment);
    CHECK_THAT(f.error().msg, Catch::Contains(var));
  }
  auto del = env;
  del["CNI_COMMAND"] = "DEL";
  del.erase("CNI_NETNS");
  CHECK(parse_env_map(del).has_value());  // a runtime may have lost the netns by DEL time

  CHECK(parse_env_map({{"CNI_COMMAND", "VERSION"}}).has_value());
  CHECK(parse_env_map({{"CNI_COMMAND", "STATUS"}})->command == Command::status);
  CHECK(parse_env_map({{"CNI_COMMAND", "GC"}})->command == Command::gc);
  CHECK(parse_env_map({{"CNI_COMMAND", "FROB"}}).error().code == Code::invalid_environment);
  CHECK_THAT(parse_env_map({}).error().msg, Catch::Contains("CNI_COMMAND is not set"));
  auto badargs = env;
  badargs["CNI_ARGS"] = "K8S_POD_NAME";
  CHECK(parse_env_map(badargs).error().code == Code::invalid_environment);
}

TEST_CASE("versions order numerically", "[cni][version]") {
  CHECK(compare_versions("0.3.1", "0.4.0") < 0);
  CHECK(compare_versions("0.10.0", "0.4.0") > 0);
  CHECK(compare_versions("1.1.0", "1.1.0") == 0);
  CHECK(compare_versions("junk", "0.1.0") < 0);
  CHECK(is_supported("0.3.0"));
  CHECK_FALSE(is_supported("0.2.0"));
}

TEST_CASE("failures and VERSION are printed as the spec says", "[cni][spec]") {
  auto j = nlohmann::json::parse(
      encode_failure({Code::try_again_later, "weftd is not running at /x", "connect"}, "0.4.0"));
  CHECK(j["cniVersion"] == "0.4.0");
  CHECK(j["code"] == 11);
  CHECK(j["msg"] == "weftd is not running at /x");
  CHECK(j["details"] == "connect");
  // An unknown version is answered in the newest one, never echoed back.
  CHECK(nlohmann::json::parse(encode_failure({Code::io_failure, "m", ""}, "7.0"))["cniVersion"] ==
        "1.1.0");
  auto v = nlohmann::json::parse(encode_version_info("1.0.0"));
  CHECK(v["supportedVersions"] ==
        nlohmann::json::array({"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}));
}
