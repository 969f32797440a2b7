#include "sidecar/fleet/fleet_keys.hpp"

#include <algorithm>
#include <optional>

namespace fleet {
namespace {

constexpr std::string_view kMembers = "/members/";
constexpr std::string_view kPresence = "/presence/";
constexpr std::string_view kBudget = "/budget";
constexpr std::string_view kFloor = "/floor/";

}  // namespace

bool valid_node_name(std::string_view node) {
  if (node.empty() || node.size() > kMaxNameBytes) return false;
  if (node == "." || node == "..") return false;
  for (char c : node) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string normalized_prefix(std::string_view prefix) {
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  return std::string(prefix);
}

std::string members_dir(std::string_view prefix) {
  return normalized_prefix(prefix) + std::string(kMembers);
}

std::string presence_dir(std::string_view prefix) {
  return normalized_prefix(prefix) + std::string(kPresence);
}

std::string member_key(std::string_view prefix, std::string_view node) {
  return members_dir(prefix) + std::string(node);
}

std::string presence_key(std::string_view prefix, std::string_view node) {
  return presence_dir(prefix) + std::string(node);
}

std::string budget_key(std::string_view prefix) {
  return normalized_prefix(prefix) + std::string(kBudget);
}

std::string floor_key(std::string_view prefix, std::string_view route_prefix) {
  std::string route(route_prefix);
  std::replace(route.begin(), route.end(), '/', '_');
  return normalized_prefix(prefix) + std::string(kFloor) + route;
}

std::string range_end(std::string_view dir) {
  std::string end(dir);
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // etcd: "\0" as range_end means every key from the start
}

KeyName parse_key(std::string_view prefix, std::string_view key) {
  auto p = normalized_prefix(prefix);
  if (key.substr(0, p.size()) != p) return {};
  auto rest = key.substr(p.size());
  auto node_after = [&](std::string_view dir, KeyKind kind) -> std::optional<KeyName> {
    if (rest.substr(0, dir.size()) != dir) return std::nullopt;
    auto node = rest.substr(dir.size());
    if (!valid_node_name(node)) return KeyName{};
    return KeyName{kind, std::string(node)};
  };
  if (auto k = node_after(kMembers, KeyKind::member)) return *k;
  if (auto k = node_after(kPresence, KeyKind::presence)) return *k;
  if (rest == kBudget) return {KeyKind::budget, {}};
  if (rest.substr(0, kFloor.size()) == kFloor) return {KeyKind::floor, {}};
  return {};
}

}  // namespace fleet
