// The etcd client against stand-in servers on loopback that answer what a hostile or broken
// etcd might: a huge body, not JSON, nothing at all. Each gives an error within the deadline,
// never a crash or a hang; a second endpoint that answers is used instead (failover).
#include <catch2/catch.hpp>

#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "sidecar/fleet/etcd_client.hpp"
#include "sidecar/fleet/fleet_store.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

// Accepts connections and answers every request with `reply` (raw HTTP), or never when empty.
class StandIn {
 public:
  StandIn(asio::io_context& io, std::string reply)
      : acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}), reply_(std::move(reply)) {
    asio::co_spawn(io, serve(), asio::detached);
  }
  sidecar::EtcdEndpoint endpoint() const {
    auto port = acceptor_.local_endpoint().port();
    return {"http://127.0.0.1:" + std::to_string(port), false, "127.0.0.1", port};
  }
  void close() {
    boost::system::error_code ec;
    acceptor_.close(ec);
  }

 private:
  asio::awaitable<void> serve() {
    for (;;) {
      boost::system::error_code ec;
      auto socket = std::make_shared<tcp::socket>(
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec)));
      if (ec) co_return;
      asio::co_spawn(acceptor_.get_executor(), answer(socket), asio::detached);
    }
  }
  asio::awaitable<void> answer(std::shared_ptr<tcp::socket> socket) {
    boost::system::error_code ec;
    asio::streambuf buf;
    for (;;) {
      co_await asio::async_read_until(*socket, buf, "\r\n\r\n",
                                      asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      buf.consume(buf.size());  // the small request bodies arrive with the header here
      if (reply_.empty()) {
        // Never answer; hold the connection until the client gives up.
        co_await asio::async_read_until(*socket, buf, "never",
                                        asio::redirect_error(asio::use_awaitable, ec));
        co_return;
      }
      co_await asio::async_write(*socket, asio::buffer(reply_),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
    }
  }
  tcp::acceptor acceptor_;
  std::string reply_;
};

std::string http(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

const std::string kRange =
    R"({"header":{"revision":"7"},"kvs":[{"key":"L3QvYQ==","mod_revision":"7","value":"aGk="}]})";

sidecar::etcd::Result<sidecar::etcd::RangeAnswer> range(asio::io_context& io,
                                                        std::vector<sidecar::EtcdEndpoint> eps,
                                                        std::size_t cap = 1 << 20) {
  sidecar::etcd::ClientOptions o;
  o.endpoints = std::move(eps);
  o.request_timeout = 300ms;
  o.max_answer_bytes = cap;
  sidecar::etcd::Client client(io, o);
  return sidecar::run_to_end(io, client.range("/t/a", false));
}

}  // namespace

TEST_CASE("etcd client: a good answer is read") {
  asio::io_context io;
  StandIn good(io, http(kRange));
  auto r = range(io, {good.endpoint()});
  REQUIRE(std::holds_alternative<sidecar::etcd::RangeAnswer>(r));
  CHECK(std::get<sidecar::etcd::RangeAnswer>(r).kvs.at(0).value == "hi");
}

TEST_CASE("etcd client: hostile or silent servers give an error within the deadline") {
  struct Case {
    const char* what;
    std::string reply;
    const char* error;
  };
  const Case cases[] = {
      {"huge body", http(std::string(2 << 20, ' ')), "answer larger than"},
      {"not JSON", http("<html>oops</html>"), "not JSON"},
      {"wrong types", http(R"({"header":{"revision":[]}})"), "not an integer"},
      {"garbage", "SSH-2.0-OpenSSH_9.2\r\n\r\n", ""},
      {"silence", "", "no answer within 300 ms"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    asio::io_context io;
    StandIn bad(io, c.reply);
    auto t0 = std::chrono::steady_clock::now();
    auto r = range(io, {bad.endpoint()});
    auto took = std::chrono::steady_clock::now() - t0;
    REQUIRE(sidecar::etcd::error_of(r));
    INFO(*sidecar::etcd::error_of(r));
    CHECK(sidecar::etcd::error_of(r)->find(c.error) != std::string::npos);
    CHECK(took < 2s);
  }
}

TEST_CASE("etcd client: the next endpoint answers when the first does not") {
  asio::io_context io;
  StandIn silent(io, "");
  StandIn huge(io, http(std::string(2 << 20, ' ')));
  StandIn good(io, http(kRange));
  auto r = range(io, {silent.endpoint(), huge.endpoint(), good.endpoint()});
  REQUIRE(std::holds_alternative<sidecar::etcd::RangeAnswer>(r));
  CHECK(std::get<sidecar::etcd::RangeAnswer>(r).revision == 7);
  // Every endpoint down: one error naming the last one tried.
  silent.close();
  asio::io_context io2;
  StandIn gone(io2, "");
  auto ep = gone.endpoint();
  gone.close();
  auto r2 = range(io2, {ep});
  REQUIRE(sidecar::etcd::error_of(r2));
  CHECK(sidecar::etcd::error_of(r2)->find("no etcd endpoint answered") != std::string::npos);
}
