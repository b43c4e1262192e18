// SPDX-License-Identifier: Apache-2.0
#include "weft/router/nftables.hpp"

#include <memory>
#include <nftables/libnftables.h>
#include <string>

namespace weft::router {

namespace {

using Context = std::unique_ptr<nft_ctx, decltype(&nft_ctx_free)>;

/// Runs `script` in a fresh context with nft's output and messages kept in buffers (not
/// printed to stderr); the context is returned so its output buffer can be read.
Result<Context> run(std::string_view script, unsigned output_flags) {
  Context ctx(nft_ctx_new(NFT_CTX_DEFAULT), &nft_ctx_free);
  if (!ctx) return Error(Errc::io_error, "nftables: cannot create a context (out of memory?)");
  nft_ctx_output_set_flags(ctx.get(), output_flags);
  nft_ctx_buffer_output(ctx.get());
  nft_ctx_buffer_error(ctx.get());
  const std::string text(script);  // libnftables wants a NUL-terminated buffer
  if (nft_run_cmd_from_buffer(ctx.get(), text.c_str()) != 0) {
    std::string msg = nft_ctx_get_error_buffer(ctx.get());
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    // ENOENT: the command names a table or chain that does not exist. Callers that read
    // their own table tell "gone" (made again) from other failures by this code.
    const bool missing = msg.find("No such file or directory") != std::string::npos;
    return Error(missing ? Errc::not_found : Errc::io_error,
                 "nftables refused weft's command: " + (msg.empty() ? "no reason given" : msg) +
                     " (weftd needs CAP_NET_ADMIN and the nf_tables kernel module)");
  }
  return ctx;
}

}  // namespace

Result<void> run_nft(std::string_view script) {
  auto r = run(script, 0);
  if (!r) return r.error();
  return ok();
}

Result<std::string> nft_json(std::string_view command) {
  auto r = run(command, NFT_CTX_OUTPUT_JSON);
  if (!r) return r.error();
  const char* out = nft_ctx_get_output_buffer(r->get());
  return std::string(out ? out : "");
}

}  // namespace weft::router
