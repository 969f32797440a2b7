// The Asio adapter on real pipes (the test plays ExaBGP): the reader is always armed, the writer
// never blocks the loop, a full stdout pipe is a stall, EOF and EPIPE are "gone".
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <string>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "exabgp-bridge/bridge.hpp"

using bridge::Bridge;
using bridge::BridgeOptions;
using bridge::LinkState;
using std::chrono::milliseconds;
namespace asio = boost::asio;

namespace {

struct Pipes {
  int to_bridge[2] = {-1, -1};    // the test writes [1], the bridge reads a dup of [0]
  int from_bridge[2] = {-1, -1};  // the bridge writes a dup of [1], the test reads [0]
  Pipes() {
    REQUIRE(::pipe2(to_bridge, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(from_bridge, O_CLOEXEC) == 0);
    ::fcntl(from_bridge[0], F_SETFL, O_NONBLOCK);
  }
  ~Pipes() {
    for (int fd : {to_bridge[0], to_bridge[1], from_bridge[0], from_bridge[1]}) {
      if (fd >= 0) ::close(fd);
    }
  }
  void send(const std::string& s) const {
    REQUIRE(::write(to_bridge[1], s.data(), s.size()) == static_cast<ssize_t>(s.size()));
  }
  // Everything the bridge wrote so far (non-blocking).
  std::string drain_output() const {
    std::string out;
    char buf[65536];
    for (;;) {
      auto n = ::read(from_bridge[0], buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  static void close_fd(int& fd) {
    ::close(fd);
    fd = -1;
  }
};

BridgeOptions fast(bool ack = true) {
  BridgeOptions o;
  o.ack = ack;
  o.ack_timeout = milliseconds(300);
  o.ping_interval = milliseconds(60000);
  return o;
}

// Runs the loop until pred() holds (true) or the deadline passes (false).
template <class Pred>
bool run_until(asio::io_context& io, Pred pred, milliseconds timeout = milliseconds(3000)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    io.run_for(milliseconds(2));
  }
  return true;
}

struct Fixture {
  Pipes pipes;
  asio::io_context io;
  Bridge bridge;
  std::string seen;  // everything read from the bridge's stdout
  int eofs = 0, shutdowns = 0, changes = 0;
  explicit Fixture(BridgeOptions o = fast())
      : bridge(io, o, pipes.to_bridge[0], pipes.from_bridge[1], 1024) {
    bridge.on_eof = [this] { ++eofs; };
    bridge.on_shutdown = [this] { ++shutdowns; };
    bridge.on_change = [this] { ++changes; };
    bridge.start();
  }
  bool output_has(const std::string& text) {
    seen += pipes.drain_output();
    return seen.find(text) != std::string::npos;
  }
};

}  // namespace

TEST_CASE("io: first ping, commands out, acks in, idle") {
  Fixture f;
  REQUIRE(run_until(f.io, [&] { return f.output_has("version\n"); }));
  f.pipes.send("exabgp 4.2.21\ndone\n");
  REQUIRE(run_until(f.io, [&] { return f.bridge.core().idle(); }));
  f.bridge.set_desired("a", "announce route 192.0.2.1/32 next-hop self");
  REQUIRE(
      run_until(f.io, [&] { return f.output_has("announce route 192.0.2.1/32 next-hop self\n"); }));
  CHECK(f.bridge.core().pending_acks() == 1);
  CHECK_FALSE(f.bridge.core().route_status("a").confirmed);
  f.pipes.send("do");  // a split ack
  f.io.run_for(milliseconds(20));
  CHECK(f.bridge.core().pending_acks() == 1);
  f.pipes.send("ne\n");
  REQUIRE(run_until(f.io, [&] { return f.bridge.core().route_status("a").confirmed; }));
  CHECK(f.bridge.core().counters().bytes_read == 24);
  CHECK(f.eofs == 0);
}

TEST_CASE("io: neighbor changes and over-long lines reach the core") {
  Fixture f;
  f.pipes.send(std::string(5000, 'x') + "\nneighbor 127.0.0.2 up\n\n");
  REQUIRE(run_until(f.io, [&] { return !f.bridge.core().neighbors().empty(); }));
  CHECK(f.bridge.core().neighbors()[0].state == "up");
  CHECK(f.bridge.core().counters().long_lines_discarded == 1);
  CHECK(f.changes >= 1);
}

TEST_CASE("io: stdout never read -> stalled while the loop keeps running; recovers") {
  Fixture f;
  ::fcntl(f.pipes.from_bridge[1], F_SETPIPE_SZ, 4096);
  REQUIRE(run_until(f.io, [&] { return f.output_has("version\n"); }));
  f.pipes.send("exabgp 4.2.21\ndone\n");
  REQUIRE(run_until(f.io, [&] { return f.bridge.core().idle(); }));
  // A batch far bigger than the pipe: the write cannot finish while nobody reads.
  for (int i = 0; i < 400; ++i) {
    f.bridge.set_desired("r" + std::to_string(i), "announce route 10.0." + std::to_string(i / 256) +
                                                      "." + std::to_string(i % 256) +
                                                      "/32 next-hop self med 1234567890");
  }
  int heartbeats = 0;
  asio::steady_timer heartbeat(f.io);
  std::function<void()> beat = [&] {
    heartbeat.expires_after(milliseconds(10));
    heartbeat.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      ++heartbeats;
      beat();
    });
  };
  beat();
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(run_until(f.io, [&] { return f.bridge.core().state() == LinkState::stalled; }));
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took >= milliseconds(280));
  CHECK(took < milliseconds(1300));
  CHECK(f.bridge.core().detail().find("not writable") != std::string::npos);
  CHECK(heartbeats >= 10);  // the loop was never blocked
  CHECK(f.bridge.core().write_in_progress());
  // The stuck ExaBGP gets more desired states: they coalesce, nothing more is queued.
  for (int i = 0; i < 400; ++i) {
    f.bridge.set_desired("r" + std::to_string(i), "withdraw route 10.0." + std::to_string(i / 256) +
                                                      "." + std::to_string(i % 256) +
                                                      "/32 next-hop self");
  }
  CHECK(f.bridge.core().counters().coalesced == 0);  // written lines are replaced, not coalesced
  // ExaBGP reads again and acknowledges: ok, then every route's latest state goes once.
  int acked = 0;
  REQUIRE(run_until(
      f.io,
      [&] {
        f.output_has("");
        int lines = 0;
        for (char c : f.seen) lines += c == '\n';
        for (; acked < lines - 1; ++acked) f.pipes.send("done\n");
        return f.bridge.core().state() == LinkState::ok && f.bridge.core().idle();
      },
      milliseconds(5000)));
  CHECK(f.bridge.core().counters().stalls == 1);
  CHECK(f.output_has("withdraw route 10.0.1.143/32 next-hop self\n"));
  heartbeat.cancel();
}

TEST_CASE("io: acks never come -> stalled with a pending count") {
  Fixture f;
  REQUIRE(run_until(f.io, [&] { return f.output_has("version\n"); }));
  REQUIRE(run_until(f.io, [&] { return f.bridge.core().state() == LinkState::stalled; }));
  CHECK(f.bridge.core().detail().find("(1 command pending)") != std::string::npos);
  CHECK(f.changes >= 1);
  f.pipes.send("exabgp 4.2.21\ndone\n");
  REQUIRE(run_until(f.io, [&] { return f.bridge.core().state() == LinkState::ok; }));
}

TEST_CASE("io: EOF on stdin -> gone, on_eof once") {
  Fixture f;
  Pipes::close_fd(f.pipes.to_bridge[1]);
  REQUIRE(run_until(f.io, [&] { return f.eofs > 0; }));
  CHECK(f.bridge.core().state() == LinkState::gone);
  f.io.run_for(milliseconds(50));
  CHECK(f.eofs == 1);
}

TEST_CASE("io: EPIPE on stdout -> gone, not SIGPIPE death") {
  std::signal(SIGPIPE, SIG_IGN);  // as the daemon does
  Fixture f;
  Pipes::close_fd(f.pipes.from_bridge[0]);
  REQUIRE(run_until(f.io, [&] { return f.eofs > 0; }));
  CHECK(f.bridge.core().state() == LinkState::gone);
  f.io.run_for(milliseconds(50));
  CHECK(f.eofs == 1);
}

TEST_CASE("io: shutdown is reported and the reader stays armed") {
  Fixture f;
  f.pipes.send(R"({ "exabgp": "4.0.1", "type": "notification", "notification": "shutdown" })"
               "\n");
  REQUIRE(run_until(f.io, [&] { return f.shutdowns == 1; }));
  auto before = f.bridge.core().counters().bytes_read;
  f.pipes.send("done\n");
  REQUIRE(run_until(f.io, [&] { return f.bridge.core().counters().bytes_read > before; }));
}

TEST_CASE("io: drain waits for acks, or gives up at its timeout") {
  Fixture f;
  REQUIRE(run_until(f.io, [&] { return f.output_has("version\n"); }));
  f.pipes.send("exabgp 4.2.21\ndone\n");
  f.bridge.set_desired("a", "withdraw route 192.0.2.1/32 next-hop self");
  int result = -1;
  asio::co_spawn(
      f.io,
      [&]() -> asio::awaitable<void> {
        result = co_await f.bridge.drain(milliseconds(2000)) ? 1 : 0;
      },
      asio::detached);
  REQUIRE(run_until(f.io, [&] { return f.output_has("withdraw route 192.0.2.1/32"); }));
  CHECK(result == -1);
  f.pipes.send("done\n");
  REQUIRE(run_until(f.io, [&] { return result != -1; }));
  CHECK(result == 1);

  f.bridge.set_desired("a", "announce route 192.0.2.1/32 next-hop self");
  result = -1;
  auto t0 = std::chrono::steady_clock::now();
  asio::co_spawn(
      f.io,
      [&]() -> asio::awaitable<void> {
        result = co_await f.bridge.drain(milliseconds(100)) ? 1 : 0;
      },
      asio::detached);
  REQUIRE(run_until(f.io, [&] { return result != -1; }));
  CHECK(result == 0);
  CHECK(std::chrono::steady_clock::now() - t0 >= milliseconds(100));
}

TEST_CASE("io: stop() ends both loops and the io_context runs out of work") {
  Fixture f;
  REQUIRE(run_until(f.io, [&] { return f.output_has("version\n"); }));
  f.bridge.stop();
  f.io.restart();
  auto t0 = std::chrono::steady_clock::now();
  f.io.run_for(milliseconds(2000));
  CHECK(std::chrono::steady_clock::now() - t0 < milliseconds(1000));
  CHECK(f.eofs == 0);
}
