#pragma once
// The generic half of configuration checking: a JSON walker that reads one field at a time and
// records every problem under its field path ("services[0].routes[1].prefix: ..."). It knows
// types and bounds, not what any field means; each section's rules (config_services.cpp,
// config_checks.cpp, config_routes.cpp) are written with it. Internal to the config loader.
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sidecar::config_detail {

using json = nlohmann::json;

// "a string", "an array", ...: for "must be X, not Y" messages.
std::string type_name(const json& j);

class Checker {
 public:
  std::vector<std::string> problems;

  // Records "path: message" as one printable line (values from the file are quoted in it).
  void add(const std::string& path, const std::string& message);
  // Reports keys we do not know, with a suggestion when one is close (typos are the usual case).
  void known_keys(const json& obj, const std::string& path,
                  std::initializer_list<std::string_view> keys);
  static std::string join(const std::string& path, std::string_view key);
  static std::string index(const std::string& path, std::string_view key, std::size_t i);

  // Each reader returns nothing (and leaves *out alone) when the key is absent or wrong; a wrong
  // value is reported once, with the rule it breaks.
  std::optional<std::int64_t> integer(const json& obj, std::string_view key,
                                      const std::string& path, std::int64_t min, std::int64_t max);
  bool millis(const json& obj, std::string_view key, const std::string& path,
              std::chrono::milliseconds* out, std::int64_t min, std::int64_t max);
  void boolean(const json& obj, std::string_view key, const std::string& path, bool* out);
  // A string is printable UTF-8 text: no control characters (they end up in logs and commands).
  bool string(const json& obj, std::string_view key, const std::string& path, std::string* out,
              bool allow_empty = false);
  const json* object(const json& obj, std::string_view key, const std::string& path);
  const json* array(const json& obj, std::string_view key, const std::string& path);
  // An argv: a non-empty array of non-empty strings (no shell is ever involved).
  bool argv(const json& obj, std::string_view key, const std::string& path,
            std::vector<std::string>* out, bool allow_empty);
};

}  // namespace sidecar::config_detail
