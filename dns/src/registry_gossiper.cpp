// SPDX-License-Identifier: Apache-2.0
#include "weft/dns/registry_gossiper.hpp"

#include "weft/base/log.hpp"
#include "weft/dns/registry_wire.hpp"

namespace weft::dns {

RegistryGossiper::RegistryGossiper(PeerName self, Duration tombstone_lifetime, TimePoint now)
    : registry_(self, tombstone_lifetime), now_(now) {}

void RegistryGossiper::broadcast(const RegistryState& delta) {
  if (channel_) channel_->broadcast(encode_registry(delta));
}

Result<void> RegistryGossiper::add(const Name& name, const IpAddress& address,
                                   std::string_view container, TimePoint now) {
  now_ = now;
  auto delta = registry_.add(name, address, container, now);
  if (!delta) return delta.error();
  if (*delta) broadcast(**delta);
  return ok();
}

std::size_t RegistryGossiper::remove(const Name& name, const std::optional<IpAddress>& address,
                                     TimePoint now) {
  now_ = now;
  auto delta = registry_.remove(name, address, now);
  if (!delta) return 0;
  broadcast(*delta);
  return delta->begin()->second.entries.size();
}

std::size_t RegistryGossiper::remove_container(std::string_view container, TimePoint now) {
  now_ = now;
  auto delta = registry_.remove_container(container, now);
  if (!delta) return 0;
  broadcast(*delta);
  return delta->begin()->second.entries.size();
}

Result<void> RegistryGossiper::forget_origin(PeerName peer, TimePoint now) {
  now_ = now;
  auto record = registry_.forget_origin(peer, now);
  if (!record) return record.error();
  broadcast(*record);
  return ok();
}

void RegistryGossiper::on_tick(TimePoint now) {
  now_ = now;
  registry_.gc(now);
}

Result<std::optional<RegistryState>> RegistryGossiper::merge(
    std::span<const std::uint8_t> payload) {
  auto in = decode_registry(payload);
  if (!in) {
    ++stats_.merge_errors;
    return in.error().wrap("dns registry");
  }
  ++stats_.merges;
  auto outcome = registry_.merge(*in, now_);
  if (outcome.corrected_self) {
    // Others held an older state of this peer (it restarted without memory, or was
    // forgotten while alive): everyone gets the corrected record now, not at the next gossip.
    ++stats_.corrections;
    log::info("dns: restored this peer's entries over an older state held by others");
    broadcast(registry_.own_record());
  }
  if (outcome.news.empty()) return std::optional<RegistryState>();
  ++stats_.merges_with_news;
  return std::optional<RegistryState>(std::move(outcome.news));
}

Result<void> RegistryGossiper::on_unicast(PeerName, std::span<const std::uint8_t> payload) {
  // Nothing is unicast on this channel; records that arrive that way still merge.
  auto news = merge(payload);
  if (!news) return news.error();
  return ok();
}

Result<std::optional<gossip::Bytes>> RegistryGossiper::on_broadcast(
    PeerName, std::span<const std::uint8_t> payload) {
  auto news = merge(payload);
  if (!news) return news.error();
  if (!*news) return std::optional<gossip::Bytes>();
  // The mesh passes the original broadcast on; what it carries is only a signal.
  return std::optional<gossip::Bytes>(gossip::Bytes(payload.begin(), payload.end()));
}

std::optional<gossip::Bytes> RegistryGossiper::gossip() {
  if (registry_.state().empty()) return std::nullopt;
  return encode_registry(registry_.state());
}

Result<std::optional<gossip::Bytes>> RegistryGossiper::on_gossip(
    PeerName, std::span<const std::uint8_t> payload) {
  auto news = merge(payload);
  if (!news) return news.error();
  if (!*news) return std::optional<gossip::Bytes>();
  return std::optional<gossip::Bytes>(encode_registry(**news));
}

}  // namespace weft::dns
