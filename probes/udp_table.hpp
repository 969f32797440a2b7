#pragma once
// The kernel's UDP socket table as /proc/net/udp and /proc/net/udp6 print it, parsed without I/O
// (queue_watch.hpp reads the files; the fuzz target and the unit tests feed text). Only what the
// hung-resolver evidence needs: the listening sockets of one address and port, their receive
// queue and drop count. Bad text gives no sample, never an exception.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "probes/queue_policy.hpp"

namespace probes {

// An address as the table prints it: 16 bytes in network order (IPv4 in the first 4).
struct TableAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool v6 = false;
};
// `server` an IPv4 or IPv6 literal; none if it is neither.
std::optional<TableAddress> table_address(std::string_view server);

// The table that holds `server`'s sockets: "/proc/self/net/udp" or "/proc/self/net/udp6".
std::string table_path(const TableAddress& server);

// Sums, over the rows of `table` whose local address is `server` or the wildcard (0.0.0.0, ::),
// whose local port is `port` and whose remote end is unset (a listening socket, not one of the
// resolver's connected upstream sockets), the receive queue (bytes) and the drop counter. Rows
// that do not parse are skipped. present is false when no row matched.
QueueSample queue_sample(std::string_view table, const TableAddress& server, std::uint16_t port);

}  // namespace probes
