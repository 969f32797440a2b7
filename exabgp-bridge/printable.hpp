#pragma once
// Untrusted text (a config file's keys and values, an operator's argument) as it may appear in
// a message: control characters become '?', and it is cut at `max` bytes with "..." after, so a
// message stays one printable line on the operator's terminal and in the log.
#include <cstddef>
#include <string>
#include <string_view>

namespace bridge {

inline std::string printable(std::string_view text, std::size_t max) {
  std::string out;
  for (unsigned char ch : text.substr(0, max)) {
    out.push_back(ch < 0x20 || ch == 0x7f ? '?' : static_cast<char>(ch));
  }
  if (text.size() > max) out += "...";
  return out;
}

}  // namespace bridge
