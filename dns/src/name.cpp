// SPDX-License-Identifier: Apache-2.0
// Name: the limits every name keeps, its text form (RFC 1035 5.1 escapes) and case-insensitive
// comparison (RFC 4343). The wire form is in wire.cpp.
#include "weft/dns/wire.hpp"

#include <cstddef>
#include <ostream>
#include <string>

namespace weft::dns {
namespace {

char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equal_labels(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

Error bad_name(std::string_view text, const std::string& why) {
  return Error(Errc::parse_error, "dns name \"" + std::string(text) + "\": " + why);
}

Result<void> check_limits(const std::vector<std::string>& labels, std::string_view text) {
  std::size_t total = 1;  // the root's zero byte
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i].empty()) return bad_name(text, "label " + std::to_string(i) + " is empty");
    if (labels[i].size() > kMaxLabelLength) {
      return bad_name(text, "label " + std::to_string(i) + " is " +
                                std::to_string(labels[i].size()) + " bytes, more than 63");
    }
    total += 1 + labels[i].size();
  }
  if (total > kMaxNameLength) {
    return bad_name(text, std::to_string(total) + " bytes on the wire, more than 255");
  }
  return ok();
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

}  // namespace

std::string to_lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = lower(c);
  return out;
}

Result<Name> Name::parse(std::string_view text) {
  if (text.empty()) return bad_name(text, "empty (the root is \".\")");
  if (text == ".") return Name();
  std::vector<std::string> labels;
  std::string label;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (label.empty()) return bad_name(text, "empty label at character " + std::to_string(i));
      labels.push_back(std::move(label));
      label.clear();
    } else if (c != '\\') {
      label.push_back(c);
    } else if (i + 1 == text.size()) {
      return bad_name(text, "a backslash ends the text");
    } else if (!is_digit(text[i + 1])) {
      label.push_back(text[++i]);
    } else {
      if (i + 3 >= text.size() || !is_digit(text[i + 2]) || !is_digit(text[i + 3])) {
        return bad_name(text, "\\DDD needs three digits at character " + std::to_string(i));
      }
      const int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
      if (v > 255) return bad_name(text, "\\" + std::to_string(v) + " is above 255");
      label.push_back(static_cast<char>(v));
      i += 3;
    }
  }
  if (!label.empty()) labels.push_back(std::move(label));  // no trailing dot
  if (auto r = check_limits(labels, text); !r) return r.error();
  return Name(std::move(labels));
}

Result<Name> Name::from_labels(std::vector<std::string> labels) {
  if (auto r = check_limits(labels, "<labels>"); !r) return r.error();
  return Name(std::move(labels));
}

std::size_t Name::wire_length() const noexcept {
  std::size_t n = 1;
  for (const auto& l : labels_) n += 1 + l.size();
  return n;
}

std::string Name::to_string() const {
  if (labels_.empty()) return ".";
  std::string out;
  for (const auto& label : labels_) {
    for (const char c : label) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '.' || c == '\\') {
        out.push_back('\\');
        out.push_back(c);
      } else if (u <= 0x20 || u >= 0x7f) {
        out.push_back('\\');
        out.push_back(static_cast<char>('0' + u / 100));
        out.push_back(static_cast<char>('0' + u / 10 % 10));
        out.push_back(static_cast<char>('0' + u % 10));
      } else {
        out.push_back(c);
      }
    }
    out.push_back('.');
  }
  return out;
}

std::string Name::canonical() const {
  return to_lower_ascii(to_string());
}

Name Name::lowered() const {
  std::vector<std::string> labels;
  labels.reserve(labels_.size());
  for (const auto& l : labels_) labels.push_back(to_lower_ascii(l));
  return Name(std::move(labels));
}

bool Name::is_in(const Name& zone) const noexcept {
  if (zone.labels_.size() > labels_.size()) return false;
  const std::size_t skip = labels_.size() - zone.labels_.size();
  for (std::size_t i = 0; i < zone.labels_.size(); ++i) {
    if (!equal_labels(labels_[skip + i], zone.labels_[i])) return false;
  }
  return true;
}

bool operator==(const Name& a, const Name& b) noexcept {
  return a.labels_.size() == b.labels_.size() && a.is_in(b);
}

std::ostream& operator<<(std::ostream& os, const Name& n) {
  return os << n.to_string();
}

}  // namespace weft::dns
