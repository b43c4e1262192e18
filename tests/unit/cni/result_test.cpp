// SPDX-License-Identifier: Apache-2.0
// The ADD result in every version: what each version writes, and that reading it back (as a
// chained plugin's prevResult) gives the same result.
#include "weft/cni/result.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace weft::cni;

namespace {
AddResult sample(bool with_mtu) {
  AddResult r;
  r.interfaces = {{"vw0123456789abc", "aa:bb:cc:dd:ee:ff", "", std::nullopt},
                  {"eth0", "0a:58:0a:20:00:05", "/run/netns/p",
                   with_mtu ? std::optional<std::uint32_t>(1450) : std::nullopt}};
  r.ips = {{"10.32.0.5/12", "10.32.0.1", 1}, {"fd00::5/64", "", std::nullopt}};
  r.routes = {{"0.0.0.0/0", "10.32.0.1"}};
  r.dns = {{"10.32.0.1"}, "weft.local", {"weft.local"}, {"ndots:2"}};
  return r;
}
}  // namespace

TEST_CASE("results round-trip in every version", "[cni][result]") {
  for (const auto& v : supported_versions()) {
    const bool mtu = v == "1.1.0";
    const auto text = encode_result(sample(true), v);
    auto back = parse_result(text);
    INFO(v << ": " << text);
    REQUIRE(back.has_value());
    CHECK(*back == sample(mtu));  // only 1.1.0 carries an interface's MTU
    const auto j = nlohmann::json::parse(text);
    CHECK(j["cniVersion"] == v);
    const bool tagged = v.starts_with("0.");
    CHECK(j["ips"][0].contains("version") == tagged);
    if (tagged) {
      CHECK(j["ips"][0]["version"] == "4");
      CHECK(j["ips"][1]["version"] == "6");
    }
  }
}

TEST_CASE("a prevResult weft cannot read is a decode failure that says why", "[cni][result]") {
  for (const char* bad : {
           "nope",
           R"({"interfaces": {}})",
           R"({"ips": [{"address": "10.0.0.1"}]})",
           R"({"ips": [{"address": "10.0.0.1/8", "interface": 3}]})",
           R"({"ips": [{"address": "10.0.0.1/8", "gateway": "x"}]})",
           R"({"routes": [{"gw": "10.0.0.1"}]})",
           R"({"dns": {"nameservers": [1]}})",
           R"({"interfaces": [{"name": 5}]})",
       }) {
    auto r = parse_result(bad);
    INFO(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Code::decode_failure);
    CHECK_THAT(r.error().msg, Catch::StartsWith("prevResult: "));
  }
  CHECK(parse_result(R"({"cniVersion": "0.4.0"})").has_value());  // an empty result is a result
}
