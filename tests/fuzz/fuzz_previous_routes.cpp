// The previous instance's routes read back at start (sidecar/status/previous_routes.hpp): any
// bytes of the status file -> at most the bounded number of routes, each one a configuration
// could own (no default route, a parsed next-hop, canonical neighbors within their bound), whose
// withdraw line is one short ExaBGP command; and stale_routes never invents a route.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "exabgp-bridge/route.hpp"
#include "fuzz_check.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/status/previous_routes.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto previous = sidecar::announced_in_status(bytes);
  FUZZ_REQUIRE(previous.routes.size() <= sidecar::kMaxPreviousRoutes, "more routes than the bound");
  FUZZ_REQUIRE(previous.dropped == 0 || !previous.first_problem.empty(), "a drop without a why");
  FUZZ_REQUIRE(text::valid_utf8(previous.first_problem), "a problem that is not valid UTF-8");
  for (unsigned char c : previous.first_problem) {
    FUZZ_REQUIRE(c >= 0x20 && c != 0x7f, "a raw control in the logged problem");
  }
  std::size_t total = 0;
  std::set<std::string> keys;
  for (const auto& r : previous.routes) {
    FUZZ_REQUIRE(bridge::parse_prefix(r.prefix.text).has_value(), "a prefix that does not parse");
    const auto& p = r.prefix.text;
    FUZZ_REQUIRE(p.size() < 2 || p.compare(p.size() - 2, 2, "/0") != 0,
                 "a default route read back");
    FUZZ_REQUIRE(bridge::parse_next_hop(r.next_hop.text).has_value(), "a next-hop not parsed");
    FUZZ_REQUIRE(r.neighbors.size() <= sidecar::kMaxPreviousNeighbors, "too many neighbors");
    FUZZ_REQUIRE(r.neighbors == bridge::canonical_neighbors(r.neighbors),
                 "neighbors not canonical");
    FUZZ_REQUIRE(keys.insert(bridge::route_key(r)).second, "one route read back twice");
    auto line = bridge::format_withdraw(r);
    FUZZ_REQUIRE(bridge::is_withdraw(line), "a withdraw line not seen as one");
    FUZZ_REQUIRE(line.size() <= sidecar::kMaxPreviousCommandBytes,
                 "a withdraw line over its bound");
    FUZZ_REQUIRE(line.find('\n') == std::string::npos, "a newline in a command");
    total += line.size();
  }
  FUZZ_REQUIRE(total <= sidecar::kMaxPreviousTotalBytes, "withdraw lines over their total bound");
  // With no configuration every route is stale, and nothing else is.
  auto stale = sidecar::stale_routes(previous.routes, sidecar::Config{});
  FUZZ_REQUIRE(stale.size() == previous.routes.size(), "stale routes differ from those read");
  return 0;
}
