// SPDX-License-Identifier: Apache-2.0
// IpAddress parsing and RFC 5952 formatting, written by hand so every rejection has a reason.
#include "weft/base/ip_address.hpp"

#include "text_util.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <ostream>

namespace weft {
namespace {

// Longer than any valid address ("ffff:...:255.255.255.255" is 45); bounds the work per input.
constexpr std::size_t kMaxTextLength = 64;

Error bad_address(std::string_view text, std::string_view why) {
  return Error(Errc::parse_error,
               detail::quote(text) + " is not an IP address: " + std::string(why));
}

// Four decimal octets; nullopt with `why` set on failure.
std::optional<std::array<std::uint8_t, 4>> parse_dotted_quad(std::string_view s, std::string& why) {
  std::array<std::uint8_t, 4> out{};
  for (std::size_t i = 0; i < 4; ++i) {
    const std::size_t dot = s.find('.');
    const bool last = i == 3;
    if (last != (dot == std::string_view::npos)) {
      why = "an IPv4 address has exactly four dot-separated octets";
      return std::nullopt;
    }
    const std::string_view part = last ? s : s.substr(0, dot);
    const auto v = detail::parse_decimal(part, 3, 255);
    if (!v) {
      why = "octet " + detail::quote(part) + " is not a number 0-255 without leading zeros";
      return std::nullopt;
    }
    out[i] = static_cast<std::uint8_t>(*v);
    if (!last) s.remove_prefix(dot + 1);
  }
  return out;
}

// One side of "::": colon-separated hex groups, the last one possibly a dotted quad when
// `allow_v4` (it is the end of the whole address).
bool parse_groups(std::string_view s, bool allow_v4, std::uint16_t* groups, int& count,
                  std::string& why) {
  count = 0;
  if (s.empty()) return true;
  while (true) {
    const std::size_t colon = s.find(':');
    const std::string_view part = colon == std::string_view::npos ? s : s.substr(0, colon);
    const bool last = colon == std::string_view::npos;
    if (part.find('.') != std::string_view::npos) {
      if (!last || !allow_v4) {
        why = "an embedded IPv4 address may only come last";
        return false;
      }
      if (count > 6) {
        why = "too many groups";
        return false;
      }
      const auto quad = parse_dotted_quad(part, why);
      if (!quad) return false;
      groups[count++] = static_cast<std::uint16_t>((*quad)[0] << 8 | (*quad)[1]);
      groups[count++] = static_cast<std::uint16_t>((*quad)[2] << 8 | (*quad)[3]);
      return true;
    }
    if (part.empty() || part.size() > 4) {
      why = "group " + detail::quote(part) + " must be 1 to 4 hex digits";
      return false;
    }
    if (count == 8) {
      why = "too many groups";
      return false;
    }
    std::uint16_t v = 0;
    for (char c : part) {
      const int h = detail::hex_value(c);
      if (h < 0) {
        why = "group " + detail::quote(part) + " must be 1 to 4 hex digits";
        return false;
      }
      v = static_cast<std::uint16_t>(v << 4 | h);
    }
    groups[count++] = v;
    if (last) return true;
    s.remove_prefix(colon + 1);
  }
}

Result<IpAddress> parse_v6(std::string_view text) {
  std::string why;
  std::uint16_t head[8] = {};
  std::uint16_t tail[8] = {};
  int n_head = 0;
  int n_tail = 0;
  const std::size_t gap = text.find("::");
  if (gap == std::string_view::npos) {
    if (!parse_groups(text, true, head, n_head, why)) return bad_address(text, why);
    if (n_head != 8) return bad_address(text, "an IPv6 address without '::' has eight groups");
  } else {
    const std::string_view after = text.substr(gap + 2);
    if (after.find("::") != std::string_view::npos || (!after.empty() && after[0] == ':')) {
      return bad_address(text, "'::' may appear only once");
    }
    if (!parse_groups(text.substr(0, gap), false, head, n_head, why) ||
        !parse_groups(after, true, tail, n_tail, why)) {
      return bad_address(text, why);
    }
    // "::" stands for at least one zero group (RFC 4291 2.2).
    if (n_head + n_tail > 7) return bad_address(text, "too many groups around '::'");
  }
  std::array<std::uint8_t, 16> bytes{};
  for (int i = 0; i < n_head; ++i) {
    bytes[static_cast<std::size_t>(2 * i)] = static_cast<std::uint8_t>(head[i] >> 8);
    bytes[static_cast<std::size_t>(2 * i + 1)] = static_cast<std::uint8_t>(head[i]);
  }
  for (int i = 0; i < n_tail; ++i) {
    const auto at = static_cast<std::size_t>(2 * (8 - n_tail + i));
    bytes[at] = static_cast<std::uint8_t>(tail[i] >> 8);
    bytes[at + 1] = static_cast<std::uint8_t>(tail[i]);
  }
  return IpAddress::v6(bytes);
}

void append_dotted_quad(std::string& out, const std::uint8_t* b) {
  for (int i = 0; i < 4; ++i) {
    if (i > 0) out += '.';
    out += std::to_string(b[i]);
  }
}

void append_hex_group(std::string& out, std::uint16_t g) {
  static constexpr char kHex[] = "0123456789abcdef";
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    const int nibble = (g >> shift) & 0xf;
    if (nibble != 0 || started || shift == 0) {
      out += kHex[nibble];
      started = true;
    }
  }
}

}  // namespace

Result<IpAddress> IpAddress::from_bytes(std::span<const std::uint8_t> bytes) {
  if (bytes.size() == kV4Size) return v4(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (bytes.size() == kV6Size) {
    std::array<std::uint8_t, kV6Size> b{};
    std::copy(bytes.begin(), bytes.end(), b.begin());
    return v6(b);
  }
  return Error(Errc::parse_error,
               "an IP address is 4 or 16 bytes, got " + std::to_string(bytes.size()));
}

Result<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty()) return bad_address(text, "empty");
  if (text.size() > kMaxTextLength) return bad_address(text, "too long");
  if (text.find('%') != std::string_view::npos) {
    return bad_address(text, "zone ids ('%...') are not accepted here");
  }
  if (text.find(':') != std::string_view::npos) return parse_v6(text);
  std::string why;
  const auto quad = parse_dotted_quad(text, why);
  if (!quad) return bad_address(text, why);
  return v4((*quad)[0], (*quad)[1], (*quad)[2], (*quad)[3]);
}

bool IpAddress::is_unspecified() const noexcept {
  return std::all_of(bytes_.begin(), bytes_.end(), [](std::uint8_t b) { return b == 0; });
}

bool IpAddress::is_loopback() const noexcept {
  if (is_v4()) return bytes_[0] == 127;
  return std::all_of(bytes_.begin(), bytes_.end() - 1, [](std::uint8_t b) { return b == 0; }) &&
         bytes_[15] == 1;
}

bool IpAddress::is_v4_mapped() const noexcept {
  return is_v6() &&
         std::all_of(bytes_.begin(), bytes_.begin() + 10, [](std::uint8_t b) { return b == 0; }) &&
         bytes_[10] == 0xff && bytes_[11] == 0xff;
}

std::string IpAddress::to_string() const {
  std::string out;
  if (is_v4()) {
    append_dotted_quad(out, bytes_.data());
    return out;
  }
  if (is_v4_mapped()) {
    out = "::ffff:";
    append_dotted_quad(out, bytes_.data() + 12);
    return out;
  }
  std::uint16_t g[8];
  for (std::size_t i = 0; i < 8; ++i) {
    g[i] = static_cast<std::uint16_t>(bytes_[2 * i] << 8 | bytes_[2 * i + 1]);
  }
  // RFC 5952 4.2: compress the longest run of two or more zero groups, the first on a tie.
  int best = -1;
  int best_len = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (i > 0 && !(best >= 0 && i == best + best_len)) out += ':';
    append_hex_group(out, g[i]);
  }
  return out;
}

std::ostream& operator<<(std::ostream& os, const IpAddress& a) {
  return os << a.to_string();
}

}  // namespace weft

std::size_t std::hash<weft::IpAddress>::operator()(const weft::IpAddress& a) const noexcept {
  // FNV-1a over family and bytes: stable across runs, good enough for hash tables.
  std::uint64_t h = 0xcbf29ce484222325ULL ^ static_cast<std::uint8_t>(a.family());
  h *= 0x100000001b3ULL;
  for (std::uint8_t b : a.bytes()) {
    h = (h ^ b) * 0x100000001b3ULL;
  }
  return static_cast<std::size_t>(h);
}
