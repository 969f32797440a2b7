#include "sidecar/config/config_fields.hpp"

#include <algorithm>

#include "sidecar/config/config_names.hpp"
#include "sidecar/lib/printable.hpp"

namespace sidecar::config_detail {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    case json::value_t::number_float:
      // "must be a whole number, not a number" (for 53.0 or 1e3) told the operator nothing.
      return "a number with a fraction or exponent (" + j.dump() + ")";
    default:
      return "a number";
  }
}

void Checker::add(const std::string& path, const std::string& message) {
  if (problems.size() < 200) problems.push_back(text::printable(path + ": " + message, 1000));
}

void Checker::known_keys(const json& obj, const std::string& path,
                         std::initializer_list<std::string_view> keys) {
  for (const auto& [k, v] : obj.items()) {
    if (std::find(keys.begin(), keys.end(), k) != keys.end()) continue;
    std::string best;
    std::size_t best_d = 3;
    for (auto known : keys) {
      auto d = edit_distance(k, known);
      if (d < best_d) {
        best_d = d;
        best = std::string(known);
      }
    }
    add(join(path, text::printable(k, 64)),
        "unknown key" +
            (best.empty() ? std::string(" (remove it)") : " (did you mean \"" + best + "\"?)"));
  }
}

std::string Checker::join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string Checker::index(const std::string& path, std::string_view key, std::size_t i) {
  return join(path, key) + "[" + std::to_string(i) + "]";
}

std::optional<std::int64_t> Checker::integer(const json& obj, std::string_view key,
                                             const std::string& path, std::int64_t min,
                                             std::int64_t max) {
  auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  auto p = join(path, key);
  if (!it->is_number_integer() && !it->is_number_unsigned()) {
    add(p, "must be a whole number, not " + type_name(*it));
    return std::nullopt;
  }
  auto v = it->is_number_unsigned() && it->get<std::uint64_t>() > INT64_MAX
               ? INT64_MAX
               : it->get<std::int64_t>();
  if (v < min || v > max) {
    add(p, std::to_string(v) + " is out of range (" + std::to_string(min) + " to " +
               std::to_string(max) + ")");
    return std::nullopt;
  }
  return v;
}

bool Checker::millis(const json& obj, std::string_view key, const std::string& path,
                     std::chrono::milliseconds* out, std::int64_t min, std::int64_t max) {
  auto v = integer(obj, key, path, min, max);
  if (v) *out = std::chrono::milliseconds(*v);
  return v.has_value() || !obj.contains(key);
}

void Checker::boolean(const json& obj, std::string_view key, const std::string& path, bool* out) {
  auto it = obj.find(key);
  if (it == obj.end()) return;
  if (!it->is_boolean()) {
    add(join(path, key), "must be true or false, not " + type_name(*it));
    return;
  }
  *out = it->get<bool>();
}

bool Checker::string(const json& obj, std::string_view key, const std::string& path,
                     std::string* out, bool allow_empty) {
  auto it = obj.find(key);
  if (it == obj.end()) return false;
  if (!it->is_string()) {
    add(join(path, key), "must be a string, not " + type_name(*it));
    return false;
  }
  auto s = it->get<std::string>();
  if (!allow_empty && s.empty()) {
    add(join(path, key), "must not be empty");
    return false;
  }
  if (s.find_first_of(std::string("\n\r\0", 3)) != std::string::npos) {
    add(join(path, key), "must not contain line breaks or NUL");
    return false;
  }
  if (auto problem = text_problem(s); !problem.empty()) {
    add(join(path, key), problem);
    return false;
  }
  *out = std::move(s);
  return true;
}

const json* Checker::object(const json& obj, std::string_view key, const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end()) return nullptr;
  if (!it->is_object()) {
    add(join(path, key), "must be an object, not " + type_name(*it));
    return nullptr;
  }
  return &*it;
}

const json* Checker::array(const json& obj, std::string_view key, const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end()) return nullptr;
  if (!it->is_array()) {
    add(join(path, key), "must be an array, not " + type_name(*it));
    return nullptr;
  }
  return &*it;
}

bool Checker::argv(const json& obj, std::string_view key, const std::string& path,
                   std::vector<std::string>* out, bool allow_empty) {
  auto* arr = array(obj, key, path);
  if (!arr) return false;
  auto p = join(path, key);
  if (arr->empty()) {
    if (!allow_empty)
      add(p, "must name a program and its arguments, e.g. [\"unbound-control\", \"status\"]");
    return allow_empty;
  }
  std::vector<std::string> v;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto& e = (*arr)[i];
    if (!e.is_string() || e.get<std::string>().empty() ||
        e.get<std::string>().find('\0') != std::string::npos) {
      add(p + "[" + std::to_string(i) + "]", "must be a non-empty string");
      return false;
    }
    v.push_back(e.get<std::string>());
  }
  *out = std::move(v);
  return true;
}

}  // namespace sidecar::config_detail
