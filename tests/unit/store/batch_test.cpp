// SPDX-License-Identifier: Apache-2.0
// Batch: ops are recorded in order, append concatenates, validate rejects NUL in names.
#include "weft/store/batch.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace weft::store {
namespace {

using Kind = Batch::Op::Kind;

TEST_CASE("Batch records ops in the order they are added") {
  Batch batch;
  CHECK(batch.empty());
  batch.put("ipam", "a", "1").erase("ipam", "b").erase_namespace("dns");
  REQUIRE(batch.size() == 3);
  CHECK_FALSE(batch.empty());
  CHECK(batch.ops()[0] == Batch::Op{Kind::put, "ipam", "a", "1"});
  CHECK(batch.ops()[1] == Batch::Op{Kind::erase, "ipam", "b", ""});
  CHECK(batch.ops()[2] == Batch::Op{Kind::erase_namespace, "dns", "", ""});
}

TEST_CASE("Batch keeps values as bytes, including NUL and high bytes") {
  const std::string value("\0\xff\x01z", 4);
  Batch batch;
  batch.put("ns", "k", value);
  REQUIRE(batch.ops().size() == 1);
  CHECK(batch.ops()[0].value == value);
  CHECK(batch.ops()[0].value.size() == 4);
}

TEST_CASE("Batch::append adds the other batch's ops after ours") {
  Batch a;
  a.put("x", "1", "a");
  Batch b;
  b.erase("x", "1").put("y", "2", "b");
  a.append(b);
  REQUIRE(a.size() == 3);
  CHECK(a.ops()[0].kind == Kind::put);
  CHECK(a.ops()[1].kind == Kind::erase);
  CHECK(a.ops()[2] == Batch::Op{Kind::put, "y", "2", "b"});
  CHECK(b.size() == 2);  // the source is not consumed
}

TEST_CASE("Batch::append of itself doubles the ops") {
  Batch a;
  a.put("x", "1", "a").put("x", "2", "b");
  a.append(a);
  REQUIRE(a.size() == 4);
  CHECK(a.ops()[2] == a.ops()[0]);
  CHECK(a.ops()[3] == a.ops()[1]);
}

TEST_CASE("Batch::validate rejects a NUL byte in a namespace or key, not in a value") {
  Batch good;
  good.put("ns", "key", std::string("\0v", 2)).erase_namespace("ns");
  CHECK(good.validate().has_value());

  Batch bad_key;
  bad_key.put("ns", "ok", "v").erase("ns", std::string("a\0b", 3));
  auto r = bad_key.validate();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().is(Errc::invalid_argument));
  CHECK(r.error().message().find("key") != std::string::npos);

  Batch bad_ns;
  bad_ns.erase_namespace(std::string("\0", 1));
  auto r2 = bad_ns.validate();
  REQUIRE_FALSE(r2.has_value());
  CHECK(r2.error().message().find("namespace") != std::string::npos);
}

TEST_CASE("validate_name accepts empty and non-ASCII names") {
  CHECK(validate_name("key", "").has_value());
  CHECK(validate_name("key", "h\xc3\xa9llo").has_value());
  CHECK_FALSE(validate_name("key", std::string(1, '\0')).has_value());
}

}  // namespace
}  // namespace weft::store
