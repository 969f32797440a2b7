#pragma once
// One table per enum for its names, read both ways: the status file, the metrics, the logs and
// the configuration must spell a value the same, and a table cannot drift the way a to_string
// switch beside a separate parser did. Tables are small (a handful of entries): a scan is fine.
#include <cstddef>
#include <optional>
#include <string_view>

namespace text {

template <class Enum>
struct EnumName {
  Enum value;
  std::string_view name;
};

// The name of `value`, or `fallback` when the table lacks it (a unit test per table checks that
// every value has one).
template <class Enum, std::size_t N>
constexpr std::string_view name_of(const EnumName<Enum> (&table)[N], Enum value,
                                   std::string_view fallback) {
  for (const auto& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return fallback;
}

template <class Enum, std::size_t N>
constexpr std::optional<Enum> value_of(const EnumName<Enum> (&table)[N], std::string_view name) {
  for (const auto& entry : table) {
    if (entry.name == name) return entry.value;
  }
  return std::nullopt;
}

}  // namespace text
