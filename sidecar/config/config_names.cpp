#include "sidecar/config/config_names.hpp"

#include <arpa/inet.h>

#include "sidecar/lib/printable.hpp"

namespace sidecar {
namespace {

std::string quote(std::string_view s) {
  return "\"" + text::printable(s, 80) + "\"";
}

// C0, DEL and C1 (U+0080-U+009F, encoded C2 80-C2 9F): none belongs in a name or a path.
bool has_control(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return true;
    if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xa0) return true;
  }
  return false;
}

}  // namespace

std::string text_problem(std::string_view text) {
  if (!text::valid_utf8(text)) return "is not valid UTF-8 (re-type it, or save the file as UTF-8)";
  if (has_control(text)) return "contains a control character (tab, escape, ...)";
  return {};
}

std::string dns_name_problem(std::string_view name) {
  if (name.empty()) return "must not be empty (the root is \".\")";
  if (name == ".") return {};
  if (auto p = text_problem(name); !p.empty()) return quote(name) + " " + p;
  std::string_view bare = name.back() == '.' ? name.substr(0, name.size() - 1) : name;
  if (bare.size() > 253) {
    return quote(name) + " is " + std::to_string(bare.size()) +
           " bytes long: a DNS name has at most 253 (254 with the final dot)";
  }
  std::size_t label = 0;
  for (std::size_t i = 0; i <= bare.size(); ++i) {
    if (i == bare.size() || bare[i] == '.') {
      if (label == 0) return quote(name) + " has an empty label (two dots, or a leading dot)";
      if (label > 63) {
        return quote(name) + " has a label of " + std::to_string(label) +
               " bytes: a DNS label has at most 63";
      }
      label = 0;
    } else if (bare[i] == ' ') {
      return quote(name) + " contains a space";
    } else {
      ++label;
    }
  }
  return {};
}

std::string expected_answer_problem(std::string_view answer, std::uint16_t qtype) {
  if (answer.empty()) return "must not be empty";
  if (auto p = text_problem(answer); !p.empty()) return quote(answer) + " " + p;
  unsigned char buf[16];
  std::string a(answer);
  if (qtype == 1 && inet_pton(AF_INET, a.c_str(), buf) != 1) {
    return quote(answer) + " is not an IPv4 address, so it can never match an A answer";
  }
  if (qtype == 28 && inet_pton(AF_INET6, a.c_str(), buf) != 1) {
    return quote(answer) + " is not an IPv6 address, so it can never match an AAAA answer";
  }
  return {};
}

}  // namespace sidecar
