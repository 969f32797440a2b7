// The TCP watch against a server that streams bytes at it: the connection is closed at the first
// data, and the reconnects are paced by the policy (a burst of 3, then one a second), so a
// hostile or broken resolver costs a few connects a second, not a core spinning on reads.
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <sys/resource.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <chrono>

#include "probes/tcp_watch.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

// Accepts connections and writes to each until the peer goes away.
asio::awaitable<void> stream_bytes(tcp::acceptor& acceptor, int* accepted) {
  for (;;) {
    boost::system::error_code ec;
    auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    ++*accepted;
    asio::co_spawn(
        acceptor.get_executor(),
        [s = std::move(socket)]() mutable -> asio::awaitable<void> {
          std::string chunk(4096, 'x');
          for (;;) {
            boost::system::error_code wec;
            co_await asio::async_write(s, asio::buffer(chunk),
                                       asio::redirect_error(asio::use_awaitable, wec));
            if (wec) co_return;
          }
        },
        asio::detached);
  }
}

}  // namespace

TEST_CASE("tcp watch: a server that streams bytes is closed, reconnects paced") {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  int accepted = 0;
  asio::co_spawn(io, stream_bytes(acceptor, &accepted), asio::detached);
  int closed_unasked = 0;
  probes::WatchPolicy::Tuning tuning;
  tuning.retry = std::chrono::milliseconds(1000);
  auto watch = std::make_shared<probes::TcpWatch>(
      io, "127.0.0.1", acceptor.local_endpoint().port(), std::chrono::milliseconds(500), tuning,
      [&](const probes::WatchNews& n) {
        if (n.kind == probes::WatchNews::Kind::closed &&
            n.detail.find("unasked") != std::string::npos) {
          ++closed_unasked;
        }
      });
  watch->check_result(true);
  asio::co_spawn(io, watch->run(), asio::detached);
  asio::steady_timer end(io);
  end.expires_after(std::chrono::milliseconds(2500));
  end.async_wait([&](boost::system::error_code) {
    watch->stop();
    boost::system::error_code ec;
    acceptor.close(ec);
    io.stop();
  });
  double cpu_before = cpu_seconds();
  io.run();
  double cpu = cpu_seconds() - cpu_before;
  CHECK(closed_unasked >= 1);
  // 2.5 s: the burst of 3, then one a second.
  CHECK(accepted <= 3 + 3);
  CHECK(closed_unasked <= accepted);
  // Streaming forever would keep both ends busy; closing leaves the loop idle (2.5 s of wall
  // time, a generous bound for a shared machine).
  CHECK(cpu < 0.5);
}
