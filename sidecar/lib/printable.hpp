#pragma once
// The one place where untrusted text (a maintenance reason, a DNS answer, a check's output, a
// config value, an operator's argument, an ExaBGP line) is made safe to show. Two levels:
//   to_utf8(text, max)    valid UTF-8 (each byte of an invalid sequence becomes U+FFFD), cut at
//                         max bytes on a character boundary: what JSON writers are given, since
//                         nlohmann's dump() throws (type_error.316) on invalid UTF-8;
//   printable(text, max)  the same, and control characters (C0, DEL, C1) become '?', and "..."
//                         marks a cut: one printable line for a terminal or a log.
// Both are total: any bytes in, valid UTF-8 out, never a throw.
#include <cstddef>
#include <string>
#include <string_view>

namespace text {

// Length (1-4) of the well-formed UTF-8 sequence starting at text[i], 0 when it is not one
// (stray continuation byte, overlong form, surrogate, above U+10FFFF, truncated sequence).
inline std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;  // overlong
    if (c == 0xed) hi = 0x9f;  // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;  // overlong
    if (c == 0xf4) hi = 0x8f;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (b(k) < 0x80 || b(k) > 0xbf) return 0;
  }
  return n;
}

inline bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto n = utf8_sequence_length(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

namespace detail {
inline constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD

// Shared walk: appends characters while they fit in max bytes; returns whether all of text fit.
inline bool sanitize_into(std::string& out, std::string_view text, std::size_t max, bool controls) {
  for (std::size_t i = 0; i < text.size();) {
    auto n = utf8_sequence_length(text, i);
    std::string_view ch = n ? text.substr(i, n) : kReplacement;
    if (controls) {
      auto c0 = static_cast<unsigned char>(ch[0]);
      bool c1 = n == 2 && c0 == 0xc2 && static_cast<unsigned char>(ch[1]) < 0xa0;
      if (c0 < 0x20 || c0 == 0x7f || c1) ch = "?";
    }
    if (out.size() + ch.size() > max) return false;
    out.append(ch);
    i += n ? n : 1;
  }
  return true;
}
}  // namespace detail

inline std::string to_utf8(std::string_view text, std::size_t max = std::string::npos) {
  std::string out;
  out.reserve(text.size() < 4096 ? text.size() : 4096);
  detail::sanitize_into(out, text, max, false);
  return out;
}

inline std::string printable(std::string_view text, std::size_t max) {
  std::string out;
  if (!detail::sanitize_into(out, text, max, true)) out += "...";
  return out;
}

}  // namespace text
