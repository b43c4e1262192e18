// SPDX-License-Identifier: Apache-2.0
// weft-cni: a CNI plugin (spec 1.1.0; results for 0.3.0 to 1.1.0). A runtime runs it with
// CNI_COMMAND and friends in the environment and the network config on stdin; it prints a
// result or a spec error object on stdout and exits non-zero on failure.
#include "weft/cni/config.hpp"
#include "weft/cni/spec.hpp"

#include "commands.hpp"

#include <cstdlib>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>

namespace {

std::optional<std::string> getenv_opt(const char* k) {
  const char* v = std::getenv(k);
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

int fail(const weft::cni::Failure& f, const std::string& version) {
  std::cout << weft::cni::encode_failure(f, version);
  return 1;
}

}  // namespace

int main() {
  using weft::cni::Code;
  using weft::cni::Command;
  auto env = weft::cni::parse_env([](const char* k) { return getenv_opt(k); });
  const std::string stdin_text{std::istreambuf_iterator<char>(std::cin),
                               std::istreambuf_iterator<char>()};
  auto conf = weft::cni::parse_netconf(stdin_text);
  // VERSION answers even for a config it cannot use (libcni asks with a minimal one).
  if (env && env->command == Command::version) {
    std::cout << weft::cni::encode_version_info(conf ? conf->cni_version : "1.1.0");
    return 0;
  }
  const std::string version = conf ? conf->cni_version : "1.1.0";
  if (!env) return fail(env.error(), version);
  if (!conf) return fail(conf.error(), version);

  auto needs = [&](const char* min, const char* what) -> std::optional<weft::cni::Failure> {
    if (weft::cni::compare_versions(conf->cni_version, min) >= 0) return std::nullopt;
    return weft::cni::Failure{Code::incompatible_version,
                              std::string(what) + " needs cniVersion " + min +
                                  " or later; the config says " + conf->cni_version,
                              ""};
  };
  weft::cni::Outcome<std::string> out = std::string();
  switch (env->command) {
    case Command::add: out = weft::cni_plugin::add(*env, *conf); break;
    case Command::del: out = weft::cni_plugin::del(*env, *conf); break;
    case Command::check:
      if (auto f = needs("0.4.0", "CHECK")) return fail(*f, version);
      out = weft::cni_plugin::check(*env, *conf);
      break;
    case Command::gc:
      if (auto f = needs("1.1.0", "GC")) return fail(*f, version);
      out = weft::cni_plugin::gc(*conf);
      break;
    case Command::status:
      if (auto f = needs("1.1.0", "STATUS")) return fail(*f, version);
      out = weft::cni_plugin::status(*conf);
      break;
    case Command::version: break;
  }
  if (!out) return fail(out.error(), version);
  std::cout << *out;
  return 0;
}
