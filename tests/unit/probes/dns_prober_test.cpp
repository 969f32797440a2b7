// DnsProber against small in-process servers on loopback: many probes in flight on one thread,
// bare-header REFUSED over UDP and TCP, silence, nothing listening, destruction mid-flight.
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>

#include "probes/dns_prober.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using probes::Reason;

namespace {

enum class Mode { answer, bare_refused, silent };

// The reply a test server gives: the query echoed with QR set and one A record, or a bare header.
std::vector<std::uint8_t> respond(const std::uint8_t* q, std::size_t n, Mode mode) {
  if (mode == Mode::bare_refused) {
    std::vector<std::uint8_t> r(q, q + 12);
    r[2] |= 0x80;
    r[3] = 0x05;
    r[4] = r[5] = r[6] = r[7] = r[8] = r[9] = r[10] = r[11] = 0;
    return r;
  }
  std::vector<std::uint8_t> r(q, q + n);
  r[2] |= 0x80;
  r[7] = 1;
  const std::uint8_t rr[] = {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
  r.insert(r.end(), std::begin(rr), std::end(rr));
  return r;
}

asio::awaitable<void> serve_udp(udp::socket& s, Mode mode) {
  std::uint8_t buf[512];
  for (;;) {
    udp::endpoint from;
    boost::system::error_code ec;
    auto n = co_await s.async_receive_from(asio::buffer(buf), from,
                                           asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !s.is_open()) co_return;
    if (ec || n < 12 || mode == Mode::silent) continue;
    auto r = respond(buf, n, mode);
    co_await s.async_send_to(asio::buffer(r), from, asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> serve_tcp_conn(tcp::socket s, Mode mode) {
  for (;;) {
    std::uint8_t len[2];
    boost::system::error_code ec;
    co_await asio::async_read(s, asio::buffer(len), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    std::vector<std::uint8_t> q(static_cast<std::size_t>(len[0] << 8 | len[1]));
    co_await asio::async_read(s, asio::buffer(q), asio::redirect_error(asio::use_awaitable, ec));
    if (ec || q.size() < 12) co_return;
    auto r = respond(q.data(), q.size(), mode);
    std::vector<std::uint8_t> framed(r.size() + 2);
    framed[0] = static_cast<std::uint8_t>(r.size() >> 8);
    framed[1] = static_cast<std::uint8_t>(r.size() & 0xff);
    std::copy(r.begin(), r.end(), framed.begin() + 2);
    co_await asio::async_write(s, asio::buffer(framed),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

asio::awaitable<void> serve_tcp(tcp::acceptor& a, Mode mode) {
  for (;;) {
    boost::system::error_code ec;
    auto s = co_await a.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    asio::co_spawn(a.get_executor(), serve_tcp_conn(std::move(s), mode), asio::detached);
  }
}

probes::DnsCheck check_for(std::uint16_t port, const char* server = "127.0.0.1") {
  probes::DnsCheck c;
  c.server = server;
  c.port = port;
  c.qname = "probe.health.test";
  c.timeout = std::chrono::milliseconds(300);
  return c;
}

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

}  // namespace

TEST_CASE("hundreds of probes in flight at once on one thread") {
  asio::io_context io(1);
  udp::socket server(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  // A burst of 200 queries must not overflow the test server's own socket buffer.
  server.set_option(asio::socket_base::receive_buffer_size(1 << 20));
  asio::co_spawn(io, serve_udp(server, Mode::answer), asio::detached);
  std::vector<probes::CheckResult> results;
  {
    probes::DnsProber prober(io);
    auto check = check_for(server.local_endpoint().port());
    check.expect.answers = {"192.0.2.1"};
    int left = 200;
    for (int i = 0; i < 200; ++i) {
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            results.push_back(co_await prober.probe(check));
            if (--left == 0) server.close();
          },
          asio::detached);
    }
    auto t0 = std::chrono::steady_clock::now();
    io.run();
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(250));
  }
  REQUIRE(results.size() == 200);
  for (const auto& r : results) {
    INFO(r.detail);
    REQUIRE(r.reason == Reason::ok);
  }
}

TEST_CASE("a bare-header REFUSED is refused, not a timeout (UDP and TCP, IPv4 and IPv6)") {
  for (const char* addr : {"127.0.0.1", "::1"}) {
    for (auto transport : {probes::Transport::udp, probes::Transport::tcp}) {
      asio::io_context io(1);
      udp::socket us(io, udp::endpoint(asio::ip::make_address(addr), 0));
      tcp::acceptor ta(io, tcp::endpoint(asio::ip::make_address(addr), 0));
      asio::co_spawn(io, serve_udp(us, Mode::bare_refused), asio::detached);
      asio::co_spawn(io, serve_tcp(ta, Mode::bare_refused), asio::detached);
      auto port = transport == probes::Transport::udp ? us.local_endpoint().port()
                                                      : ta.local_endpoint().port();
      auto check = check_for(port, addr);
      check.transport = transport;
      std::vector<probes::CheckResult> results;
      {
        probes::DnsProber prober(io);
        int left = 3;
        for (int i = 0; i < 3; ++i) {
          asio::co_spawn(
              io,
              [&]() -> asio::awaitable<void> {
                results.push_back(co_await prober.probe(check));
                if (--left == 0) {
                  us.close();
                  ta.close();
                }
              },
              asio::detached);
        }
        io.run_for(std::chrono::seconds(5));
        io.restart();
      }
      io.run_for(std::chrono::seconds(1));
      CAPTURE(addr, static_cast<int>(transport));
      REQUIRE(results.size() == 3);
      for (const auto& r : results) {
        INFO(r.detail);
        CHECK(r.reason == Reason::refused);
        CHECK(r.rcode == 5);
        CHECK(r.rtt_ms < 100);
      }
    }
  }
}

TEST_CASE("answers over TCP, several probes sharing one connection") {
  asio::io_context io(1);
  tcp::acceptor ta(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  asio::co_spawn(io, serve_tcp(ta, Mode::answer), asio::detached);
  auto check = check_for(ta.local_endpoint().port());
  check.transport = probes::Transport::tcp;
  std::vector<probes::CheckResult> results;
  {
    probes::DnsProber prober(io);
    int left = 50;
    for (int i = 0; i < 50; ++i) {
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            results.push_back(co_await prober.probe(check));
            if (--left == 0) ta.close();
          },
          asio::detached);
    }
    io.run_for(std::chrono::seconds(5));
    io.restart();
  }
  io.run_for(std::chrono::milliseconds(200));
  REQUIRE(results.size() == 50);
  for (const auto& r : results) {
    INFO(r.detail);
    CHECK(r.reason == Reason::ok);
  }
}

TEST_CASE("silence is a timeout at the deadline; nothing listening is connection_refused") {
  asio::io_context io(1);
  udp::socket silent(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  asio::co_spawn(io, serve_udp(silent, Mode::silent), asio::detached);
  std::uint16_t closed_port = 0;
  {
    udp::socket probe_port(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed_port = probe_port.local_endpoint().port();
  }
  std::vector<probes::CheckResult> timeouts, refused;
  {
    probes::DnsProber prober(io);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          timeouts.push_back(co_await prober.probe(check_for(silent.local_endpoint().port())));
          silent.close();
        },
        asio::detached);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          refused.push_back(co_await prober.probe(check_for(closed_port)));
        },
        asio::detached);
    io.run_for(std::chrono::seconds(5));
    io.restart();
  }
  REQUIRE(timeouts.size() == 1);
  CHECK(timeouts[0].reason == Reason::timeout);
  CHECK(timeouts[0].rtt_ms >= 299);
  CHECK(timeouts[0].rtt_ms <= 350);
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].reason == Reason::connection_refused);
}

TEST_CASE("destroying the prober ends probes in flight and leaves the loop free") {
  asio::io_context io(1);
  udp::socket silent(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::vector<probes::CheckResult> results;
  auto prober = std::make_unique<probes::DnsProber>(io);
  auto check = check_for(silent.local_endpoint().port());
  check.timeout = std::chrono::seconds(30);
  for (int i = 0; i < 5; ++i) {
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { results.push_back(co_await prober->probe(check)); },
        asio::detached);
  }
  asio::steady_timer t(io);
  t.expires_after(std::chrono::milliseconds(50));
  t.async_wait([&](auto) {
    prober.reset();
    silent.close();
  });
  auto t0 = std::chrono::steady_clock::now();
  io.run();  // returns only if nothing is left waiting
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  REQUIRE(results.size() == 5);
  for (const auto& r : results) CHECK_FALSE(r.ok);
}

TEST_CASE("a kept socket is closed once its check is no longer probed (a reload left it behind)") {
  asio::io_context io(1);
  udp::socket server(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  asio::co_spawn(io, serve_udp(server, Mode::answer), asio::detached);
  probes::DnsProber::Options options;
  options.kept_udp_sockets = 8;
  options.idle_channel = std::chrono::milliseconds(50);
  // Kept sockets keep the loop busy: the prober is destroyed at the end so io.run() returns.
  auto prober = std::make_unique<probes::DnsProber>(io, options);
  auto before = check_for(server.local_endpoint().port());
  auto after = before;
  after.timeout = std::chrono::milliseconds(250);  // the reload's change: another channel
  auto base = open_fds();
  std::vector<std::size_t> fds;
  std::vector<Reason> reasons;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer pause(io);
        auto once = [&](const probes::DnsCheck& c) -> asio::awaitable<void> {
          reasons.push_back((co_await prober->probe(c)).reason);
          fds.push_back(open_fds() - base);
        };
        co_await once(before);
        co_await once(before);         // the same kept socket
        co_await once(after);          // both kept
        for (int i = 0; i < 4; ++i) {  // `after` in use, `before` idle past 50 ms
          pause.expires_after(std::chrono::milliseconds(30));
          co_await pause.async_wait(asio::use_awaitable);
          co_await once(after);
        }
        prober.reset();
        server.close();
      },
      asio::detached);
  io.run();
  REQUIRE(reasons.size() == 7);
  for (auto r : reasons) CHECK(r == Reason::ok);
  CHECK(fds[0] == 1);
  CHECK(fds[1] == 1);
  CHECK(fds[2] == 2);
  CHECK(fds.back() == 1);  // `before`'s socket closed; `after`'s kept (probed every 30 ms)
}
