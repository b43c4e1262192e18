// SPDX-License-Identifier: Apache-2.0
// Known answers for the documented key schedule and record format, computed by an
// independent implementation (Python: hashlib BLAKE2b, pyca/cryptography X25519 and
// ChaCha20-Poly1305) from the description in wire.hpp / handshake.cpp. If these fail, the
// code and the documented protocol have diverged (and old and new peers cannot talk).
//
// The generator, as run to produce the constants below:
// import hashlib, struct
// from cryptography.hazmat.primitives.asymmetric.x25519 import (
//     X25519PrivateKey as Sk, X25519PublicKey as Pk)
// from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
// from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
//
// def b2(data, n, key=b''): return hashlib.blake2b(data, digest_size=n, key=key).digest()
// def pub(sk):
//     raw = Encoding.Raw, PublicFormat.Raw
//     return Sk.from_private_bytes(sk).public_key().public_bytes(*raw)
// def dh(sk, pk): return Sk.from_private_bytes(sk).exchange(Pk.from_public_bytes(pk))
// def hello(name, inc, spub, epub, feat):
//     return struct.pack('>IHHIQQ', 0x57454654, 1, 1, feat, name, inc) + spub + epub
//
// psk = b2(b'weft', 32, b'weft-mesh-psk-v1')
// stat_i = bytes(range(32)); stat_r = bytes(range(32, 64))
// eph_i = bytes([0x11]*8 + [0x22]*8 + [0x33]*8 + [0x44]*8)
// eph_r = bytes([0x55]*8 + [0x66]*8 + [0x77]*8 + [0x88]*8)
// hi = hello(0x0102030405060708, 1, pub(stat_i), pub(eph_i), 1)
// hr = hello(0x1112131415161718, 2, pub(stat_r), pub(eph_r), 1)
// transcript = b2(hi + hr, 32)
// dh1 = dh(eph_i, pub(eph_r)); assert dh1 == dh(eph_r, pub(eph_i))
// dh2 = dh(stat_i, pub(stat_r))
// master = b2(dh1 + dh2 + transcript, 64, psk)
// k = lambda label: b2(label, 32, master)
// auth_i = b2(transcript, 32, k(b'weft-auth-i'))
// auth_r = b2(transcript, 32, k(b'weft-auth-r'))
// def record(key, counter, pt):
//     c = struct.pack('>Q', counter)
//     body = c + ChaCha20Poly1305(key).encrypt(b'\0\0\0\0' + c, pt, c)
//     return struct.pack('>I', len(body)) + body
// key = k(b'weft-key-i2r')
// out = record(key, 0, b'\x01') + record(key, 1, b'\xff')
// key = b2(b'weft-rekey', 32, key)
// out += record(key, 0, b'\x01')
// r2i = record(k(b'weft-key-r2i'), 0, b'\x01')
// def h(b): return ', '.join('0x%02x' % x for x in b)
// print('auth_i', h(auth_i)); print('auth_r', h(auth_r))
// print('export', h(b2(b'weft-export:sleeve', 32, master)))
// print('i2r', h(out)); print('r2i', h(r2i))
#include "weft/gossip/handshake.hpp"

#include "gossip_wire_support.hpp"

#include <catch2/catch.hpp>

#include <numeric>

using namespace weft;
using namespace weft::gossip;
using test::Bytes;

namespace {

// Returns 0x1111111111111111, 0x2222222222222222, ...: ephemeral secrets of repeated bytes.
class SteppingRng final : public Rng {
 public:
  std::uint64_t next() override { return 0x1111111111111111ULL * ++n_; }

 private:
  std::uint64_t n_ = 0;
};

HandshakeConfig kat_config(std::uint64_t name, std::uint64_t incarnation, std::uint8_t first) {
  HandshakeConfig c;
  c.name = PeerName(name);
  c.incarnation = incarnation;
  std::iota(c.static_secret.begin(), c.static_secret.end(), first);
  crypto_scalarmult_base(c.static_public.data(), c.static_secret.data());
  // The PSK is an input here (derive_psk has its own known answer in handshake_test.cpp):
  // BLAKE2b, as the generator above computes it.
  c.psk = Psk{0xa8, 0x23, 0x2c, 0xed, 0x03, 0x2a, 0x80, 0x58, 0xf6, 0x74, 0xa5,
              0x54, 0xda, 0x55, 0x85, 0x27, 0xcb, 0x4f, 0xa1, 0xb3, 0xc6, 0x32,
              0x0a, 0x63, 0xe1, 0x21, 0x8a, 0x3c, 0x14, 0x73, 0xff, 0x43};
  return c;
}

const Bytes kAuthI = {0x07, 0x8a, 0xb1, 0xba, 0x5c, 0x4d, 0x94, 0x34, 0x50, 0x6b, 0xb7,
                      0x93, 0xc1, 0xe1, 0x60, 0x88, 0x7e, 0x06, 0x07, 0xeb, 0xb0, 0x3b,
                      0x49, 0x66, 0xb1, 0x48, 0x78, 0x82, 0xb2, 0x07, 0x3f, 0x6d};
const Bytes kAuthR = {0xd4, 0xb2, 0xfb, 0xe7, 0xd0, 0x42, 0x76, 0xdb, 0xce, 0x77, 0x05,
                      0x8d, 0x16, 0x96, 0x44, 0xd1, 0x27, 0xb3, 0x6f, 0x06, 0xaf, 0xf7,
                      0x74, 0xed, 0x24, 0x09, 0xd3, 0xb6, 0x3c, 0xd2, 0x65, 0x7f};
const std::array<std::uint8_t, 32> kExport = {
    0x5c, 0xbf, 0x10, 0x1f, 0x07, 0x63, 0xf6, 0xa2, 0xeb, 0x87, 0x2b, 0x9d, 0x58, 0x79, 0x42, 0x70,
    0x72, 0x6c, 0x5c, 0x31, 0x33, 0x4b, 0x8c, 0xec, 0x2e, 0xbf, 0x61, 0x3c, 0xff, 0x2b, 0x10, 0x3f};
// Initiator -> responder: a heartbeat, then (limit 1 record per key) a rekey record and a
// heartbeat under the ratcheted key.
const Bytes kI2R = {0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21,
                    0x45, 0xc4, 0xde, 0xa3, 0x6c, 0xd6, 0xe8, 0x41, 0x63, 0xea, 0xa9, 0x90, 0x90,
                    0xb4, 0x14, 0x00, 0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                    0x00, 0x01, 0xf6, 0x50, 0x0a, 0x91, 0xec, 0x97, 0x32, 0x14, 0xc4, 0x54, 0xe1,
                    0xd1, 0x95, 0xf4, 0xe6, 0xce, 0xdd, 0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0x00, 0x00, 0x00, 0x15, 0xa7, 0x3f, 0x8a, 0x10, 0xdc, 0x68, 0xfe,
                    0xfa, 0xd4, 0xbf, 0x48, 0x60, 0x46, 0x25, 0x5c, 0x85};
const Bytes kR2I = {0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0xbd, 0x0b, 0x63, 0xf7, 0x9c, 0x3a, 0x06, 0x9c,
                    0x9b, 0xf9, 0x6a, 0x51, 0xdc, 0x25, 0x3f, 0xa4, 0xe8};

}  // namespace

TEST_CASE("handshake and records match the independent implementation", "[gossip][kat]") {
  SteppingRng rng;
  Handshake hi(kat_config(0x0102030405060708, 1, 0), true, rng);
  Handshake hr(kat_config(0x1112131415161718, 2, 32), false, rng);
  auto auth_i = hi.on_hello(hr.hello_payload());
  auto auth_r = hr.on_hello(hi.hello_payload());
  REQUIRE(auth_i);
  REQUIRE(auth_r);
  CHECK(*auth_i == kAuthI);
  CHECK(*auth_r == kAuthR);
  auto si = hi.on_auth(*auth_r);
  auto sr = hr.on_auth(*auth_i);
  REQUIRE(si);
  REQUIRE(sr);
  CHECK(si->export_key("sleeve") == kExport);
  CHECK(sr->export_key("sleeve") == kExport);

  si->set_limits({1, std::chrono::hours(1)});
  Bytes out;
  si->seal(out, Bytes{1}, kEpoch);
  si->seal(out, Bytes{1}, kEpoch);
  CHECK(out == kI2R);
  out.clear();
  sr->seal(out, Bytes{1}, kEpoch);
  CHECK(out == kR2I);
}
