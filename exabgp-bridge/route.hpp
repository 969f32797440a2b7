#pragma once
// Typed, validated values from which ExaBGP API commands are built. Nothing here is ever a raw
// string from the configuration: every field is checked by parse_*/validate_* first, so a config
// value can never smuggle a second command (or a newline) into ExaBGP's API.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridge {

// A validated "address/length" in canonical form (IPv4 or IPv6, host bits must be zero).
struct Prefix {
  std::string text;  // canonical, e.g. "192.0.2.53/32", "2001:db8::53/128"
  bool ipv6 = false;
  bool operator==(const Prefix&) const = default;
};

// next-hop: "self" or a validated address in canonical form.
struct NextHop {
  std::string text = "self";
  bool operator==(const NextHop&) const = default;
};

struct Attributes {
  std::optional<std::uint32_t> med;
  std::optional<std::uint32_t> local_preference;
  std::vector<std::string> community;  // validated "ASN:VALUE" (16-bit each) or well-known name
  std::vector<std::string> large_community;  // validated "A:B:C" (32-bit each)
  std::vector<std::uint32_t> as_path;        // prepended AS numbers
  bool operator==(const Attributes&) const = default;
};

struct Route {
  Prefix prefix;
  NextHop next_hop;
  std::vector<std::string> neighbors;  // validated canonical peer addresses; empty = all peers
  bool operator==(const Route&) const = default;
};

// Parsers return std::nullopt and set *error (when given) to a human message on bad input.
std::optional<Prefix> parse_prefix(std::string_view text, std::string* error = nullptr);
std::optional<NextHop> parse_next_hop(std::string_view text, std::string* error = nullptr);
std::optional<std::string> parse_address(std::string_view text, std::string* error = nullptr);
bool valid_community(std::string_view text, std::string* error = nullptr);
bool valid_large_community(std::string_view text, std::string* error = nullptr);

// One ExaBGP API line, without the trailing newline, e.g.
// "announce route 192.0.2.53/32 next-hop self med 100 community [65000:53]"
// "neighbor 192.0.2.254 announce route ..." (several: "neighbor A , neighbor B announce ...",
// the form ExaBGP 4.2's extract_neighbors() splits on)
std::string format_announce(const Route& route, const Attributes& attributes);
std::string format_withdraw(const Route& route);

// Route identity, one canonical key: the prefix and its neighbors sorted, each once
// ("192.0.2.53/32|192.0.2.1|192.0.2.2"; no neighbors = every peer). ["A","B"], ["B","A"] and
// ["A","A","B"] are one route: one owner, one desired state in the bridge.
std::string route_key(const Route& route);
std::vector<std::string> canonical_neighbors(std::vector<std::string> neighbors);
// The route a key names (prefix and neighbors; next-hop self, which a withdraw does not need),
// or nullopt when it is not a key route_key makes.
std::optional<Route> route_of_key(std::string_view key);

// Whether a line built by format_announce / format_withdraw is a withdraw.
bool is_withdraw(std::string_view line);

}  // namespace bridge
