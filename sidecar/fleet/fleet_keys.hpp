#pragma once
// The fleet's keys under its etcd prefix P, as plain values (the layout and what each record
// holds: fleet_records.hpp). Pure: no I/O.
#include <cstddef>
#include <string>
#include <string_view>

namespace fleet {

inline constexpr std::size_t kMaxNameBytes = 63;  // node names

// 1-63 characters of [A-Za-z0-9._-], not "." or "..": a key names its node without escaping.
bool valid_node_name(std::string_view node);

std::string normalized_prefix(std::string_view prefix);  // without trailing '/'
std::string members_dir(std::string_view prefix);        // "P/members/" (a range's start)
std::string presence_dir(std::string_view prefix);       // "P/presence/"
std::string member_key(std::string_view prefix, std::string_view node);
std::string presence_key(std::string_view prefix, std::string_view node);
std::string budget_key(std::string_view prefix);
// The fleet floor's record of one announced prefix: "P/floor/192.0.2.53_32" ('/' becomes '_').
std::string floor_key(std::string_view prefix, std::string_view route_prefix);
// etcd's range_end for "every key starting with dir" (the last byte incremented).
std::string range_end(std::string_view dir);

enum class KeyKind { member, presence, budget, floor, other };
struct KeyName {
  KeyKind kind = KeyKind::other;
  std::string node;  // member and presence keys; a valid node name
};
// What a key under the prefix is (a watch event's or a range's key). A member or presence key
// whose node part is not a valid name is "other".
KeyName parse_key(std::string_view prefix, std::string_view key);

}  // namespace fleet
