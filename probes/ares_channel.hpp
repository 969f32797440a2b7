#pragma once
// One c-ares channel driven by the program's Asio loop: the fds c-ares opens are waited on with
// stream_descriptors, its timeouts with one steady_timer re-armed from ares_timeout. The traps
// this avoids (c-ares owns its sockets, fd numbers come back at once, callbacks run inside
// ares_process_fd) are listed at the top of dns_prober.cpp.
#include <utility>  // g++ 12 needs it before Asio's headers

#include <ares.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "probes/ares_socket_shim.hpp"
#include "probes/check.hpp"

namespace probes {

// One probe's rendezvous between the c-ares callback and the waiting coroutine.
struct Pending {
  explicit Pending(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;  // expires at the outer deadline; cancelled by the callback
  bool done = false;
  int status = ARES_ETIMEOUT;
  std::vector<std::uint8_t> reply;
  std::chrono::steady_clock::time_point answered{};
  std::uint16_t id = 0;  // the query ID we chose
};

class Channel : public std::enable_shared_from_this<Channel> {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Channel(boost::asio::io_context& io) : io_(io), timer_(io) {}
  ~Channel() { close(); }

  // Ends every query on the channel (their callbacks fire with ARES_EDESTRUCTION) and every wait.
  void close();

  Clock::time_point last_used{};
  bool idle() const { return in_flight_.empty(); }

  // Returns an error text, or empty on success.
  std::string init(const DnsCheck& check, bool keep_udp_socket);

  // Sends the query; the result lands in `pending` (callback may run synchronously on error).
  void send(const DnsCheck& check, const std::shared_ptr<Pending>& pending);

 private:
  struct Watcher {
    Watcher(boost::asio::io_context& io, int fd) : desc(io, fd) {}
    boost::asio::posix::stream_descriptor desc;
    bool want_read = false, want_write = false;
    bool reading = false, writing = false;
  };

  struct Sent {
    std::shared_ptr<Pending> pending;
    Channel* channel;
    std::uint16_t id;
  };

  static void on_answer(void* arg, int status, int, unsigned char* abuf, int alen);
  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable);
  void sock_state(int fd, bool readable, bool writable);
  void arm(int fd, const std::shared_ptr<Watcher>& w);
  void ready(int fd, const std::shared_ptr<Watcher>& w, const boost::system::error_code& ec,
             bool read);
  void update_timer();

  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  ares_channel channel_ = nullptr;
  bool closing_ = false;
  std::map<int, std::shared_ptr<Watcher>> watchers_;
  SocketShim shim_;  // alive until ~Channel has run close(): ares_destroy closes through it
  std::set<std::uint16_t> in_flight_;  // query IDs awaiting their callback
  std::mt19937 rng_{std::random_device{}()};
};

}  // namespace probes
