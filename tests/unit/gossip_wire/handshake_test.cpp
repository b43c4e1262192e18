// SPDX-License-Identifier: Apache-2.0
// Handshake: successful key agreement and every failure, stated the same way on both sides.
#include "weft/gossip/handshake.hpp"

#include "weft/gossip/frame_reader.hpp"

#include "gossip_wire_support.hpp"

#include <catch2/catch.hpp>

using namespace weft;
using namespace weft::gossip;
using test::Bytes;
using test::make_config;
using test::run_handshake;

namespace {

const Psk kPsk = derive_psk("correct horse battery staple");

void check_both_fail(const test::Outcome& o, HandshakeError kind, const std::string& msg_i,
                     const std::string& msg_r) {
  REQUIRE(o.error_i);
  REQUIRE(o.error_r);
  CHECK(kind_of(*o.error_i) == kind);
  CHECK(kind_of(*o.error_r) == kind);
  CHECK(o.error_i->message() == msg_i);
  CHECK(o.error_r->message() == msg_r);
  CHECK_FALSE(o.session_i);
  CHECK_FALSE(o.session_r);
}

}  // namespace

TEST_CASE("derive_psk is deterministic, password-dependent and domain-separated",
          "[gossip][handshake]") {
  CHECK(derive_psk("a") == derive_psk("a"));
  CHECK(derive_psk("a") != derive_psk("b"));
  CHECK(derive_psk("") != Psk{});
  // Known answer from the reference Argon2 CLI (Debian's `argon2`):
  //   echo -n weft | argon2 weft-mesh-psk-v2 -id -t 2 -k 19456 -p 1 -l 32 -r
  // A change to the derivation would split meshes.
  const Psk expected = {0xb8, 0x0a, 0x36, 0x4c, 0xc4, 0xad, 0xee, 0xa6, 0x0a, 0xd1, 0x99,
                        0x70, 0x61, 0x7e, 0x14, 0x80, 0x01, 0x1c, 0xea, 0xd8, 0xf6, 0x8f,
                        0x97, 0x2a, 0xa7, 0x60, 0x88, 0xd9, 0xab, 0x1e, 0x2c, 0x35};
  CHECK(derive_psk("weft") == expected);
}

TEST_CASE("handshake with and without password yields matching sessions", "[gossip][handshake]") {
  for (const bool with_password : {false, true}) {
    INFO("password " << with_password);
    const std::optional<Psk> psk = with_password ? std::optional(kPsk) : std::nullopt;
    const auto ci = make_config(1, psk);
    const auto cr = make_config(2, psk);
    auto o = run_handshake(ci, cr);
    REQUIRE_FALSE(o.error_i);
    REQUIRE_FALSE(o.error_r);
    REQUIRE(o.session_i);
    REQUIRE(o.session_r);
    CHECK(o.session_i->encrypted() == with_password);
    CHECK(o.session_r->encrypted() == with_password);
    CHECK(o.session_i->export_key("sleeve") == o.session_r->export_key("sleeve"));
    CHECK(o.session_i->export_key("sleeve") != o.session_i->export_key("other"));

    // Each direction opens what the other sealed.
    Bytes out;
    o.session_i->seal(out, encode_message(Heartbeat{}), kEpoch);
    FrameReader fr;
    REQUIRE(fr.feed(out));
    auto opened = o.session_r->open(*fr.next());
    REQUIRE(opened);
    REQUIRE(*opened);
    CHECK(**opened == Bytes{1});
    out.clear();
    const Bytes gossip = encode_message(ChannelGossip{"ipam", ci.name, {1, 2, 3}});
    o.session_r->seal(out, gossip, kEpoch);
    REQUIRE(fr.feed(out));
    opened = o.session_i->open(*fr.next());
    REQUIRE(opened);
    REQUIRE(*opened);
    CHECK(**opened == gossip);
  }
}

TEST_CASE("handshake: remote hello, version negotiation, fresh keys per connection",
          "[gossip][handshake]") {
  auto ci = make_config(1);
  auto cr = make_config(2);
  ci.min_version = 1;
  ci.max_version = 3;
  cr.min_version = 2;
  cr.max_version = 5;
  Xoshiro256Rng rng(5);
  Handshake hi(ci, true, rng);
  Handshake hr(cr, false, rng);
  CHECK(hi.initiator());
  CHECK_FALSE(hr.initiator());
  REQUIRE(hi.on_hello(hr.hello_payload()));
  REQUIRE(hr.on_hello(hi.hello_payload()));
  CHECK(hi.negotiated_version() == 3);
  CHECK(hr.negotiated_version() == 3);
  CHECK(hi.remote_hello().name == cr.name);
  CHECK(hi.remote_hello().incarnation == cr.incarnation);
  CHECK(hi.remote_hello().static_public == cr.static_public);
  CHECK(hr.remote_hello().name == ci.name);
  CHECK(hi.remote_hello().ephemeral_public != hr.remote_hello().ephemeral_public);

  // Same identities, another connection (other ephemeral keys): other session keys.
  auto a = run_handshake(make_config(1), make_config(2), 1);
  auto b = run_handshake(make_config(1), make_config(2), 2);
  auto a2 = run_handshake(make_config(1), make_config(2), 1);
  REQUIRE((a.session_i && b.session_i && a2.session_i));
  CHECK(a.session_i->export_key("x") != b.session_i->export_key("x"));
  CHECK(a.session_i->export_key("x") == a2.session_i->export_key("x"));  // deterministic
}

TEST_CASE("password mismatch is reported on both sides", "[gossip][handshake]") {
  auto o = run_handshake(make_config(1, derive_psk("one")), make_config(2, derive_psk("two")));
  check_both_fail(o, HandshakeError::password_mismatch, "password mismatch", "password mismatch");
}

TEST_CASE("encryption mismatch is reported on both sides", "[gossip][handshake]") {
  auto o = run_handshake(make_config(1, kPsk), make_config(2));
  check_both_fail(o, HandshakeError::encryption_mismatch,
                  "encryption mismatch: this peer has a password, the remote has none",
                  "encryption mismatch: the remote has a password, this peer has none");
  o = run_handshake(make_config(1), make_config(2, kPsk));
  check_both_fail(o, HandshakeError::encryption_mismatch,
                  "encryption mismatch: the remote has a password, this peer has none",
                  "encryption mismatch: this peer has a password, the remote has none");
}

TEST_CASE("version mismatch states both ranges, local first", "[gossip][handshake]") {
  auto ci = make_config(1, kPsk);
  auto cr = make_config(2);  // also an encryption mismatch: the version is checked first
  ci.min_version = 1;
  ci.max_version = 2;
  cr.min_version = 3;
  cr.max_version = 3;
  auto o = run_handshake(ci, cr);
  check_both_fail(o, HandshakeError::version_mismatch, "protocol 1..2 vs 3..3",
                  "protocol 3..3 vs 1..2");
  CHECK(o.error_i->code().message() == "protocol version mismatch");
}

TEST_CASE("connection to self", "[gossip][handshake]") {
  const auto me = make_config(1, kPsk);
  auto o = run_handshake(me, me);
  check_both_fail(o, HandshakeError::connection_to_self, "connection to self",
                  "connection to self");
  // A clone (same name, another incarnation) is the same kind, with a hint.
  auto clone = me;
  clone.incarnation += 1;
  o = run_handshake(me, clone);
  REQUIRE(o.error_i);
  CHECK(kind_of(*o.error_i) == HandshakeError::connection_to_self);
  CHECK(o.error_i->message().starts_with("connection to self: the remote uses this peer's name"));
}

TEST_CASE("garbage and low-order keys are bad hellos", "[gossip][handshake]") {
  Xoshiro256Rng rng(1);
  {
    Handshake h(make_config(1), true, rng);
    auto r = h.on_hello(Bytes{'H', 'T', 'T', 'P', 0, 0});
    REQUIRE_FALSE(r);
    CHECK(kind_of(r.error()) == HandshakeError::bad_hello);
    CHECK(r.error().message() == "bad handshake: not a weft peer (bad magic)");
  }
  {
    Handshake h(make_config(1), true, rng);
    auto r = h.on_hello(Bytes{'W', 'E', 'F', 'T', 0});
    REQUIRE_FALSE(r);
    CHECK(kind_of(r.error()) == HandshakeError::bad_hello);
    CHECK(r.error().message().starts_with("bad handshake: truncated input: reading hello"));
  }
  // u = 0 and u = 1 are small-order points: the shared secret would be all zero.
  for (const std::uint8_t u : {0, 1}) {
    for (const bool ephemeral : {true, false}) {
      Handshake h(make_config(1), true, rng);
      Handshake other(make_config(2), false, rng);
      auto hello = *decode_hello(other.hello_payload());
      auto& key = ephemeral ? hello.ephemeral_public : hello.static_public;
      key.fill(0);
      key[0] = u;
      auto r = h.on_hello(encode_hello(hello));
      INFO("u=" << int(u) << " ephemeral=" << ephemeral);
      REQUIRE_FALSE(r);
      CHECK(kind_of(r.error()) == HandshakeError::bad_hello);
      CHECK(r.error().message() == "bad handshake: remote key is a low-order point");
    }
  }
}

TEST_CASE("a hello changed in flight fails authentication on both sides", "[gossip][handshake]") {
  for (const bool with_password : {false, true}) {
    const std::optional<Psk> psk = with_password ? std::optional(kPsk) : std::nullopt;
    // Flip one byte of the incarnation, the static key, or a trailing extension byte:
    // every hello byte is in the transcript.
    for (const std::size_t at : {std::size_t{20}, std::size_t{30}, kHelloBytes}) {
      INFO("password " << with_password << " byte " << at);
      auto o = run_handshake(make_config(1, psk), make_config(2, psk), 1,
                             [at](Bytes& b, bool to_responder, bool auth) {
                               if (!to_responder || auth) return;
                               if (at == b.size()) b.push_back(0);
                               b[at] ^= 0x01;
                             });
      REQUIRE(o.error_i);
      REQUIRE(o.error_r);
      const auto kind =
          with_password ? HandshakeError::password_mismatch : HandshakeError::bad_auth_frame;
      CHECK(kind_of(*o.error_i) == kind);
      CHECK(kind_of(*o.error_r) == kind);
    }
  }
}

TEST_CASE("bad auth frames", "[gossip][handshake]") {
  auto o = run_handshake(make_config(1, kPsk), make_config(2, kPsk), 1,
                         [](Bytes& b, bool to_responder, bool auth) {
                           if (auth && to_responder) b.pop_back();
                         });
  REQUIRE(o.error_r);
  CHECK(kind_of(*o.error_r) == HandshakeError::bad_auth_frame);
  CHECK(o.error_r->message() == "bad handshake: auth frame of 31 bytes, expected 32");
  CHECK(o.session_i);  // the initiator's check passed; it learns of the failure by the close

  o = run_handshake(make_config(1), make_config(2), 1, [](Bytes& b, bool to_responder, bool auth) {
    if (auth && !to_responder) b[0] ^= 0x80;
  });
  REQUIRE(o.error_i);
  CHECK(kind_of(*o.error_i) == HandshakeError::bad_auth_frame);
  CHECK(o.error_i->message().starts_with("bad handshake: auth frame does not match"));
}

TEST_CASE("handshake errors have their own category", "[gossip][handshake]") {
  const Error other(Errc::parse_error, "x");
  CHECK_FALSE(is_handshake_error(other));
  CHECK(kind_of(other) == HandshakeError::bad_hello);
  const Error e(make_error_code(HandshakeError::connection_to_self), "connection to self");
  CHECK(is_handshake_error(e));
  CHECK(kind_of(e) == HandshakeError::connection_to_self);
  CHECK(std::string(e.code().category().name()) == "weft.handshake");
}

TEST_CASE("hellos are deterministic for a seed and carry no nickname", "[gossip][handshake]") {
  Xoshiro256Rng r1(42);
  Xoshiro256Rng r2(42);
  const auto c = make_config(1, kPsk);
  CHECK(Handshake(c, true, r1).hello_payload() == Handshake(c, true, r2).hello_payload());
  const Bytes hello = Handshake(c, true, r1).hello_payload();
  CHECK(hello.size() == kHelloBytes);
  auto h = decode_hello(hello);
  REQUIRE(h);
  CHECK(h->features == kFeatureEncryption);
}
