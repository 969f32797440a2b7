#pragma once
// JSON output that cannot throw on text. nlohmann's dump() throws type_error.316 on a string that
// is not valid UTF-8; in `run` that exception once became exit 70 on every start (a maintenance
// reason cut mid-character), and ExaBGP gives up after five child deaths. Two guards:
//   valid_utf8_strings(j)  rewrites every string (and key) of a document into valid UTF-8, so the
//                          document is valid by construction before anyone dumps it;
//   dump_json(j, indent)   dumps with error_handler replace, for documents built elsewhere.
#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sidecar/lib/printable.hpp"

namespace sidecar {

inline void valid_utf8_strings(nlohmann::json& j) {
  if (j.is_string()) {
    auto& s = j.get_ref<std::string&>();
    if (!text::valid_utf8(s)) s = text::to_utf8(s);
  } else if (j.is_array()) {
    for (auto& e : j) valid_utf8_strings(e);
  } else if (j.is_object()) {
    bool bad_key = false;
    for (auto it = j.begin(); it != j.end(); ++it) {
      bad_key = bad_key || !text::valid_utf8(it.key());
      valid_utf8_strings(it.value());
    }
    if (bad_key) {
      nlohmann::json fixed = nlohmann::json::object();
      for (auto it = j.begin(); it != j.end(); ++it) fixed[text::to_utf8(it.key())] = it.value();
      j = std::move(fixed);
    }
  }
}

inline std::string dump_json(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// For a terminal (the CLI's --json): every non-ASCII character escaped (\u009b, not the raw
// C1 CSI that JSON allows inside a string), so a file's text can never drive the terminal.
inline std::string dump_json_ascii(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', true, nlohmann::json::error_handler_t::replace);
}

// Deepest nesting of arrays and objects, counted on the bytes before parsing, so that no parser,
// copy or destructor ever recurses over a hostile document; stops counting past `limit` (returns
// limit + 1 then).
inline std::size_t json_depth(std::string_view text, std::size_t limit) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return limit + 1;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace sidecar
