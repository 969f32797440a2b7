#pragma once
// The resolver's listening UDP socket asked of the kernel by sock_diag netlink (the request
// `ss` makes for one socket), built and parsed without I/O; queue_watch.hpp sends and receives.
// Why not only /proc/net/udp (udp_table.hpp): that read walks every bucket of the kernel's UDP
// hash (16,384 here) and formats every socket of the namespace, ~33 µs a read on this VM; the
// exact lookup below is one hash probe, ~4 µs. The table stays the fallback where sock_diag is
// missing (no udp_diag module, a seccomp filter).
//
// The lookup is the kernel's receive path: the socket a datagram to server:port from anywhere
// would reach. So it is one socket, where the table sums them: with SO_REUSEPORT (a resolver
// thread per socket) it is one of the group, always the same. A stopped process stops them all;
// one thread of many wedged alone is seen only when it owns that socket.
#include <cstdint>
#include <span>
#include <vector>

#include "probes/queue_policy.hpp"
#include "probes/udp_table.hpp"

namespace probes {

// A SOCK_DIAG_BY_FAMILY request (not a dump) for the listening UDP socket of server:port, with
// the socket's memory counters (for the drop count), numbered `seq`.
std::vector<std::uint8_t> diag_request(const TableAddress& server, std::uint16_t port,
                                       std::uint32_t seq);

struct DiagReply {
  enum class Kind {
    sample,     // the socket's receive queue and drops (present)
    no_socket,  // the kernel found no socket: nothing listens (present false)
    refused,    // the kernel cannot answer this (no udp_diag, not permitted): use the table
    other,      // not an answer to `seq`, or garbage: read the next message
  };
  Kind kind = Kind::other;
  QueueSample sample{};
  int error = 0;  // the errno of `refused`
};

// One netlink message from the start of `bytes`, judged against the request `seq`. Bad or short
// bytes are `other`, never an exception or a read past the end.
DiagReply parse_diag_reply(std::span<const std::uint8_t> bytes, std::uint32_t seq);

}  // namespace probes
