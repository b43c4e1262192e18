// SPDX-License-Identifier: Apache-2.0
// weft-cni's commands: each takes the parsed environment and config and returns the text
// to print on success (possibly empty) or the Failure to print. weftd does the allocation
// and bookkeeping; the plugin does what must happen in the runtime's context: the veth,
// the pod's address and route.
#pragma once

#include "weft/cni/config.hpp"

#include <string>

namespace weft::cni_plugin {

cni::Outcome<std::string> add(const cni::CniEnv& env, const cni::NetConf& conf);
cni::Outcome<std::string> del(const cni::CniEnv& env, const cni::NetConf& conf);
cni::Outcome<std::string> check(const cni::CniEnv& env, const cni::NetConf& conf);
cni::Outcome<std::string> gc(const cni::NetConf& conf);
cni::Outcome<std::string> status(const cni::NetConf& conf);

}  // namespace weft::cni_plugin
