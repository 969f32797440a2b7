#pragma once
// Asks the kernel (the daemon's own network namespace: ExaBGP and so the sidecar run in the
// node's) for the resolver's listening UDP socket as often as the policy asks (stall_ms / 2,
// stall_ms / 5 while the queue holds something) and hands its receive queue and drops to
// probes::QueuePolicy, which decides; this only reads. One per server:port, on the daemon's
// loop. It asks by sock_diag netlink (udp_diag.hpp), and reads the UDP socket table
// (/proc/self/net/udp, udp6) where that cannot answer. Neither waits on a device or the
// network: the kernel answers within the call, and the table is bounded by kMaxTableBytes.
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "probes/queue_policy.hpp"
#include "probes/udp_table.hpp"

namespace probes {

class QueueWatch : public std::enable_shared_from_this<QueueWatch> {
 public:
  // A table larger than this (tens of thousands of UDP sockets) gives no evidence at all; the
  // first such read is reported through on_problem.
  static constexpr std::size_t kMaxTableBytes = 4 << 20;

  // `on_sample` runs on the loop after every sample with the policy and whether it is news.
  QueueWatch(boost::asio::io_context& io, TableAddress server, std::uint16_t port,
             QueuePolicy::Tuning tuning,
             std::function<void(const QueuePolicy&, bool trigger)> on_sample,
             std::function<void(const std::string&)> on_problem);
  ~QueueWatch();

  boost::asio::awaitable<void> run();  // until stop()
  void stop();
  const QueuePolicy& policy() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One read of `path` into `buffer` (reused between reads), at most `max` bytes: false (and
// `error` set) when it cannot be opened or read, or is larger. `fd` (-1: not open yet) is kept
// open between reads, each one from offset 0: the kernel regenerates the table on every read
// from the start, and opening /proc/self/net/udp anew (path walk, permission check, file and
// seq_file allocations) cost as much again as reading it. A failed read closes it.
bool read_table(const std::string& path, std::size_t max, std::string& buffer, std::string& error,
                int& fd);

// One sock_diag question for server:port (udp_diag.hpp) on `fd` (-1: not open yet; a
// non-blocking NETLINK_SOCK_DIAG socket is opened), numbered `seq`. answered: `out` holds the
// sample (present false: nothing listens). missed: no answer this time (read the table instead).
// unavailable: this kernel or sandbox cannot answer it at all (read the table from now on).
enum class DiagAsk { answered, missed, unavailable };
DiagAsk ask_diag(int& fd, std::uint32_t seq, const TableAddress& server, std::uint16_t port,
                 std::vector<std::uint8_t>& buffer, QueueSample& out);

}  // namespace probes
