#include "exabgp-bridge/route.hpp"

#include "sidecar/lib/printable.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace bridge {
namespace {

void set_error(std::string* error, std::string message) {
  if (error) *error = std::move(message);
}

// Quoted for messages: the input may hold anything, including control characters.
std::string quoted(std::string_view text) {
  return "\"" + text::printable(text, 80) + "\"";
}

bool parse_uint(std::string_view text, std::uint64_t max, std::uint64_t* out) {
  if (text.empty() || text.size() > 10) return false;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v > max) return false;
  *out = v;
  return true;
}

struct Address {
  bool ipv6 = false;
  unsigned char bytes[16] = {};
};

std::optional<Address> parse_ip(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  // inet_pton stops at a NUL and accepts zone suffixes nowhere, but say exactly what may appear:
  // hex digits, dots and colons (no NUL, space, newline, '%' or '/').
  for (char c : text) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
              c == '.' || c == ':';
    if (!ok) return std::nullopt;
  }
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  Address a;
  if (inet_pton(AF_INET, buf, a.bytes) == 1) return a;
  if (inet_pton(AF_INET6, buf, a.bytes) == 1) {
    a.ipv6 = true;
    return a;
  }
  return std::nullopt;
}

std::string to_text(const Address& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(a.ipv6 ? AF_INET6 : AF_INET, a.bytes, buf, sizeof buf);
  return buf;
}

void append_list(std::string& out, std::string_view keyword,
                 const std::vector<std::string>& items) {
  if (items.empty()) return;
  out.append(" ").append(keyword).append(" [");
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out.push_back(' ');
    out.append(items[i]);
  }
  out.push_back(']');
}

std::string neighbor_prefix(const Route& route) {
  // ExaBGP 4.2 (reactor/api/command/limit.py): "neighbor A , neighbor B announce ...".
  // In canonical order: the same route is always the same line (see route_key).
  std::string out;
  const auto neighbors = canonical_neighbors(route.neighbors);
  for (std::size_t i = 0; i < neighbors.size(); ++i) {
    if (i) out.append(" , ");
    out.append("neighbor ").append(neighbors[i]);
  }
  if (!out.empty()) out.push_back(' ');
  return out;
}

}  // namespace

std::optional<std::string> parse_address(std::string_view text, std::string* error) {
  auto a = parse_ip(text);
  if (!a) {
    set_error(error, quoted(text) + " is not an IPv4 or IPv6 address");
    return std::nullopt;
  }
  return to_text(*a);
}

std::optional<Prefix> parse_prefix(std::string_view text, std::string* error) {
  auto slash = text.find('/');
  auto a = parse_ip(text.substr(0, slash));
  std::uint64_t len = 0;
  if (!a || slash == std::string_view::npos ||
      !parse_uint(text.substr(slash + 1), a->ipv6 ? 128 : 32, &len)) {
    set_error(error, quoted(text) + " is not an IPv4 or IPv6 prefix (e.g. 192.0.2.53/32)");
    return std::nullopt;
  }
  int bits = a->ipv6 ? 128 : 32;
  for (int bit = static_cast<int>(len); bit < bits; ++bit) {
    if (a->bytes[bit / 8] & (0x80 >> (bit % 8))) {
      set_error(error, quoted(text) + " has host bits set beyond /" + std::to_string(len));
      return std::nullopt;
    }
  }
  return Prefix{to_text(*a) + "/" + std::to_string(len), a->ipv6};
}

std::optional<NextHop> parse_next_hop(std::string_view text, std::string* error) {
  if (text == "self") return NextHop{"self"};
  std::string inner;
  auto address = parse_address(text, &inner);
  if (!address) {
    set_error(error, quoted(text) + " is not \"self\" nor an IPv4 or IPv6 address");
    return std::nullopt;
  }
  return NextHop{*address};
}

bool valid_community(std::string_view text, std::string* error) {
  static constexpr std::string_view kWellKnown[] = {"no-export", "no-advertise",
                                                    "no-export-subconfed", "nopeer"};
  for (auto w : kWellKnown) {
    if (text == w) return true;
  }
  auto colon = text.find(':');
  std::uint64_t a = 0, b = 0;
  if (colon == std::string_view::npos || !parse_uint(text.substr(0, colon), 65535, &a) ||
      !parse_uint(text.substr(colon + 1), 65535, &b)) {
    set_error(error, quoted(text) +
                         " is not a community (ASN:VALUE, each 0-65535, or no-export, "
                         "no-advertise, no-export-subconfed, nopeer)");
    return false;
  }
  return true;
}

bool valid_large_community(std::string_view text, std::string* error) {
  auto c1 = text.find(':');
  auto c2 = c1 == std::string_view::npos ? c1 : text.find(':', c1 + 1);
  std::uint64_t v = 0;
  if (c2 == std::string_view::npos || !parse_uint(text.substr(0, c1), 0xffffffffu, &v) ||
      !parse_uint(text.substr(c1 + 1, c2 - c1 - 1), 0xffffffffu, &v) ||
      !parse_uint(text.substr(c2 + 1), 0xffffffffu, &v)) {
    set_error(error, quoted(text) + " is not a large community (A:B:C, each 0-4294967295)");
    return false;
  }
  return true;
}

std::string format_announce(const Route& route, const Attributes& attributes) {
  std::string out = neighbor_prefix(route);
  out.append("announce route ").append(route.prefix.text);
  out.append(" next-hop ").append(route.next_hop.text);
  if (attributes.med) out.append(" med ").append(std::to_string(*attributes.med));
  if (attributes.local_preference) {
    out.append(" local-preference ").append(std::to_string(*attributes.local_preference));
  }
  append_list(out, "community", attributes.community);
  append_list(out, "large-community", attributes.large_community);
  if (!attributes.as_path.empty()) {
    std::vector<std::string> asns;
    for (auto asn : attributes.as_path) asns.push_back(std::to_string(asn));
    append_list(out, "as-path", asns);
  }
  return out;
}

std::string format_withdraw(const Route& route) {
  return neighbor_prefix(route) + "withdraw route " + route.prefix.text + " next-hop " +
         route.next_hop.text;
}

std::vector<std::string> canonical_neighbors(std::vector<std::string> neighbors) {
  std::sort(neighbors.begin(), neighbors.end());
  neighbors.erase(std::unique(neighbors.begin(), neighbors.end()), neighbors.end());
  return neighbors;
}

std::string route_key(const Route& route) {
  std::string key = route.prefix.text;
  for (const auto& n : canonical_neighbors(route.neighbors)) key.append("|").append(n);
  return key;
}

std::optional<Route> route_of_key(std::string_view key) {
  auto bar = key.find('|');
  auto prefix = parse_prefix(key.substr(0, bar));
  if (!prefix) return std::nullopt;
  Route route;
  route.prefix = *prefix;
  while (bar != std::string_view::npos) {
    auto next = key.find('|', bar + 1);
    auto address =
        parse_address(key.substr(bar + 1, next == std::string_view::npos ? next : next - bar - 1));
    if (!address) return std::nullopt;
    route.neighbors.push_back(*address);
    bar = next;
  }
  return route;
}

bool is_withdraw(std::string_view line) {
  // The two shapes format_withdraw writes: "withdraw route ..." and "neighbor A , neighbor B
  // withdraw route ...". Neighbor addresses never contain the word.
  return line.rfind("withdraw route ", 0) == 0 ||
         (line.rfind("neighbor ", 0) == 0 &&
          line.find(" withdraw route ") != std::string_view::npos);
}

}  // namespace bridge
