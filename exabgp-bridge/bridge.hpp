#pragma once
// The I/O adapter between BridgeCore and ExaBGP's pipes: a reader that is always armed on stdin
// and a writer on stdout that never blocks the loop. Thin on purpose: decisions live in BridgeCore.
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <string>
#include <vector>

#include "exabgp-bridge/api_message.hpp"
#include "exabgp-bridge/bridge_core.hpp"

namespace bridge {

class Bridge {
 public:
  // in_fd/out_fd are dup()ed and set non-blocking; the originals are left open.
  Bridge(boost::asio::io_context& io, BridgeOptions options, int in_fd = 0, int out_fd = 1,
         std::size_t max_line = 64 * 1024);
  ~Bridge();
  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;

  void start();  // spawns the reader and writer coroutines on the io_context
  void stop();   // closes both descriptors; coroutines end

  void set_desired(const std::string& key, std::string line);
  void retire(const std::string& key, std::string withdraw_line);  // see BridgeCore::retire
  void resend_all();
  void forget(const std::string& key) { core_.forget(key); }
  // Waits until every written command is acknowledged and nothing is pending, or timeout.
  // Returns true when drained.
  boost::asio::awaitable<bool> drain(std::chrono::milliseconds timeout);

  // Re-evaluates the stall state now. The writer loop already wakes at every stall deadline (it
  // never awaits the write itself); the status writer may call this before reading the core.
  void tick() { core_.tick(Clock::now()); }

  BridgeCore& core() { return core_; }
  const BridgeCore& core() const { return core_; }

  // Callbacks (set before start()); run on the loop.
  std::function<void()> on_eof;                      // stdin closed: ExaBGP is gone
  std::function<void()> on_shutdown;                 // ExaBGP announced its shutdown
  std::function<void()> on_change;                   // neighbor or link state changed
  std::function<void(const std::string&)> on_fatal;  // a loop ended on an exception (a bug)

 private:
  boost::asio::awaitable<void> read_loop();
  boost::asio::awaitable<void> write_loop();
  void start_write(const std::vector<std::string>& lines);
  void link_gone();
  void notify_if_changed(LinkState before);
  void kick();

  boost::asio::io_context& io_;
  BridgeCore core_;
  LineSplitter splitter_;
  boost::asio::posix::stream_descriptor in_;
  boost::asio::posix::stream_descriptor out_;
  boost::asio::steady_timer wake_;
  std::string out_buf_;  // the batch being written; must live until async_write completes
  bool stopped_ = false;
  bool gone_reported_ = false;
};

}  // namespace bridge
