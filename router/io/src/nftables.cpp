// SPDX-License-Identifier: Apache-2.0
#include "weft/router/nftables.hpp"

#include <memory>
#include <nftables/libnftables.h>
#include <string>

namespace weft::router {

Result<void> run_nft(std::string_view script) {
  std::unique_ptr<nft_ctx, decltype(&nft_ctx_free)> ctx(nft_ctx_new(NFT_CTX_DEFAULT),
                                                        &nft_ctx_free);
  if (!ctx) return Error(Errc::io_error, "nftables: cannot create a context (out of memory?)");
  // Keep nft's messages for our error instead of letting it print to stderr.
  nft_ctx_buffer_output(ctx.get());
  nft_ctx_buffer_error(ctx.get());
  const std::string text(script);  // libnftables wants a NUL-terminated buffer
  if (nft_run_cmd_from_buffer(ctx.get(), text.c_str()) != 0) {
    std::string msg = nft_ctx_get_error_buffer(ctx.get());
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return Error(Errc::io_error,
                 "nftables refused weft's rules: " + (msg.empty() ? "no reason given" : msg) +
                     " (weftd needs CAP_NET_ADMIN and the nf_tables kernel module)");
  }
  return ok();
}

}  // namespace weft::router
