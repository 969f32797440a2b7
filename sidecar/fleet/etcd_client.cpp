#include "sidecar/fleet/etcd_client.hpp"

#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

#include "sidecar/lib/exception_text.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/lib/regular_file.hpp"

namespace sidecar::etcd {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using nlohmann::json;
using tcp = asio::ip::tcp;

namespace {

// gRPC codes the gateway passes on: another member may well answer these.
bool worth_another_member(int http_status, const json& answer) {
  if (http_status == 503 || http_status == 504 || http_status == 502) return true;
  auto code = answer.find("code");
  if (code != answer.end() && code->is_number_integer()) {
    int c = code->get<int>();
    return c == 14 /* unavailable */ || c == 4 /* deadline exceeded */ || c == 10 /* aborted */;
  }
  return false;
}

bool token_rejected(const json& answer) {
  auto e = answer_error(answer);
  return e && (e->find("invalid auth token") != std::string::npos ||
               e->find("user name is empty") != std::string::npos);
}

}  // namespace

Result<ClientOptions> client_options(const FleetConfig& fleet) {
  ClientOptions o;
  o.endpoints = fleet.endpoints;
  o.ca_file = fleet.ca_file;
  o.cert_file = fleet.cert_file;
  o.key_file = fleet.key_file;
  o.username = fleet.username;
  o.password = fleet.password;
  o.request_timeout = fleet.request_timeout;
  if (!fleet.password_file.empty()) {
    auto file = read_regular_file(fleet.password_file, 4096);
    if (!file.text) return "fleet.password_file: " + file.error;
    auto line = file.text->substr(0, file.text->find('\n'));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) return "fleet.password_file: \"" + fleet.password_file + "\" is empty";
    o.password = line;
  }
  return o;
}

class Client::Impl {
 public:
  Impl(asio::io_context& io, ClientOptions options) : io_(io), opt_(std::move(options)) {
    if (!opt_.endpoints.empty() && opt_.endpoints.front().tls) {
      try {
        tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
        tls_->set_verify_mode(asio::ssl::verify_peer);
        if (opt_.ca_file.empty()) {
          tls_->set_default_verify_paths();
        } else {
          tls_->load_verify_file(opt_.ca_file);
        }
        if (!opt_.cert_file.empty()) {
          tls_->use_certificate_chain_file(opt_.cert_file);
          tls_->use_private_key_file(opt_.key_file, asio::ssl::context::pem);
        }
      } catch (const std::exception& e) {
        tls_error_ = "fleet TLS files: " + text::printable(e.what(), 200) +
                     " (check fleet.ca_file, cert_file, key_file)";
      }
    }
  }

  awaitable<Result<json>> call(const std::string& path, const std::string& body,
                               std::chrono::milliseconds timeout) {
    if (timeout.count() <= 0) timeout = opt_.request_timeout;
    if (!tls_error_.empty()) co_return tls_error_;
    if (opt_.endpoints.empty()) co_return std::string("no etcd endpoint configured");
    std::string last;
    bool reauthenticated = false;
    for (std::size_t attempt = 0; attempt < opt_.endpoints.size(); ++attempt) {
      auto r = co_await exchange_authenticated(path, body, timeout);
      if (r.transport_error) {
        last = current().url + ": " + r.error;
        next_endpoint();
        continue;
      }
      auto parsed = parse_json(r.body);
      if (auto e = error_of(parsed)) {
        // A proxy's HTML, a truncated body: another member may do better.
        last = current().url + ": HTTP " + std::to_string(r.status) + ", " + *e;
        next_endpoint();
        continue;
      }
      auto& answer = std::get<json>(parsed);
      if (!opt_.username.empty() && token_rejected(answer) && !reauthenticated) {
        token_.clear();
        reauthenticated = true;
        --attempt;  // the same member again, with a fresh token
        continue;
      }
      if (worth_another_member(r.status, answer)) {
        last = current().url + ": " +
               answer_error(answer).value_or("HTTP " + std::to_string(r.status));
        next_endpoint();
        continue;
      }
      co_return std::move(answer);
    }
    co_return "no etcd endpoint answered (last: " + last + ")";
  }

  awaitable<std::string> watch(const std::string& prefix, std::int64_t start_revision,
                               const std::function<bool(const WatchMessage&)>& on_message) {
    if (!tls_error_.empty()) co_return tls_error_;
    std::string last = "no etcd endpoint configured";
    for (std::size_t attempt = 0; attempt < opt_.endpoints.size(); ++attempt) {
      auto opened = co_await open_stream(prefix, start_revision);
      if (!opened.empty()) {
        last = current().url + ": " + opened;
        next_endpoint();
        continue;
      }
      co_return co_await read_stream(on_message);
    }
    co_return last;
  }

  // Another coroutine may call this while an operation is in flight on the connection (the agent
  // restarts its watch when etcd comes back): only the socket is closed, so that operation ends
  // with an error. The stream objects it still uses stay until their owner drops them.
  void close() {
    boost::system::error_code ec;
    if (ssl_) beast::get_lowest_layer(*ssl_).socket().close(ec);
    if (tcp_) tcp_->socket().close(ec);
  }

  const std::string& endpoint() const { return current().url; }

 private:
  struct Exchange {
    bool transport_error = false;
    std::string error;
    int status = 0;
    std::string body;
  };

  // Only the coroutine that runs this connection's operations calls drop(), between operations:
  // destroying a stream under a pending operation is what close() must never do (with TLS it
  // crashed the daemon).
  void drop() {
    close();
    ssl_.reset();
    tcp_.reset();
    buffer_.clear();
  }

  const EtcdEndpoint& current() const { return opt_.endpoints[current_ % opt_.endpoints.size()]; }
  void next_endpoint() {
    drop();
    current_ = (current_ + 1) % opt_.endpoints.size();
  }
  bool open() const {
    return ssl_ ? beast::get_lowest_layer(*ssl_).socket().is_open()
                : tcp_ && tcp_->socket().is_open();
  }
  beast::tcp_stream& lowest() { return ssl_ ? beast::get_lowest_layer(*ssl_) : *tcp_; }

  // Runs f on whichever stream is open (plain or TLS); f returns awaitable<void>.
  template <class F>
  awaitable<void> on_stream(F&& f, boost::system::error_code& ec) {
    if (ssl_) {
      co_await f(*ssl_);
    } else if (tcp_) {
      co_await f(*tcp_);
    } else {
      ec = asio::error::not_connected;
    }
  }

  awaitable<std::string> connect(std::chrono::milliseconds timeout) {
    drop();  // what close() left behind
    const auto& ep = current();
    boost::system::error_code ec;
    tcp::resolver resolver(io_);
    auto results = co_await resolver.async_resolve(ep.host, std::to_string(ep.port),
                                                   asio::redirect_error(use_awaitable, ec));
    if (ec) co_return "cannot resolve " + ep.host + ": " + ec.message();
    beast::tcp_stream stream(io_);
    stream.expires_after(timeout);
    co_await stream.async_connect(results, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return "connect: " + ec.message();
    stream.socket().set_option(tcp::no_delay(true), ec);
    stream.socket().set_option(asio::socket_base::keep_alive(true), ec);
    if (!tls_) {
      tcp_.emplace(std::move(stream));
      co_return std::string();
    }
    ssl_.emplace(std::move(stream), *tls_);
    if (!SSL_set_tlsext_host_name(ssl_->native_handle(), ep.host.c_str())) {
      drop();
      co_return std::string("TLS: cannot set the server name");
    }
    ssl_->set_verify_callback(asio::ssl::host_name_verification(ep.host));
    beast::get_lowest_layer(*ssl_).expires_after(timeout);
    co_await ssl_->async_handshake(asio::ssl::stream_base::client,
                                   asio::redirect_error(use_awaitable, ec));
    if (ec) {
      drop();
      co_return "TLS handshake: " + ec.message();
    }
    co_return std::string();
  }

  http::request<http::string_body> request(const std::string& path, std::string body) const {
    http::request<http::string_body> req{http::verb::post, path, 11};
    req.set(http::field::host, current().host + ":" + std::to_string(current().port));
    req.set(http::field::content_type, "application/json");
    req.keep_alive(true);
    if (!token_.empty()) req.set(http::field::authorization, token_);
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
  }

  // One request and its whole answer on the current endpoint's connection (opened if needed).
  awaitable<Exchange> exchange(const std::string& path, std::string body,
                               std::chrono::milliseconds timeout) {
    Exchange out;
    if (!open()) {
      auto e = co_await connect(timeout);
      if (!e.empty()) {
        out.transport_error = true;
        out.error = e;
        co_return out;
      }
    }
    auto req = request(path, std::move(body));
    http::response_parser<http::string_body> parser;
    parser.body_limit(opt_.max_answer_bytes);
    boost::system::error_code ec;
    lowest().expires_after(timeout);
    co_await on_stream(
        [&](auto& s) -> awaitable<void> {
          co_await http::async_write(s, req, asio::redirect_error(use_awaitable, ec));
          if (!ec)
            co_await http::async_read(s, buffer_, parser, asio::redirect_error(use_awaitable, ec));
        },
        ec);
    if (ec) {
      drop();
      out.transport_error = true;
      out.error = ec == beast::error::timeout
                      ? "no answer within " + std::to_string(timeout.count()) + " ms"
                  : ec == http::error::body_limit
                      ? "answer larger than " + std::to_string(opt_.max_answer_bytes) + " bytes"
                      : ec.message();
      co_return out;
    }
    auto& res = parser.get();
    if (res.body().size() > opt_.max_answer_bytes) {
      // Beast's own body_limit did not stop it (seen with Boost 1.74): the cap holds anyway.
      drop();
      out.transport_error = true;
      out.error = "answer larger than " + std::to_string(opt_.max_answer_bytes) + " bytes";
      co_return out;
    }
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    if (!res.keep_alive()) drop();
    co_return out;
  }

  awaitable<Exchange> exchange_authenticated(const std::string& path, const std::string& body,
                                             std::chrono::milliseconds timeout) {
    if (!opt_.username.empty() && token_.empty()) {
      auto r = co_await exchange("/v3/auth/authenticate",
                                 authenticate_request(opt_.username, opt_.password), timeout);
      if (r.transport_error) co_return r;
      auto parsed = parse_json(r.body);
      Result<Token> token = std::string("not JSON");
      if (auto* j = std::get_if<json>(&parsed)) token = parse_token(*j);
      if (auto e = error_of(token)) {
        // Wrong credentials are not a transport problem: say so to the caller as an answer.
        r.body = json{
            {"error", "etcd authentication as \"" + opt_.username + "\" failed: " + *e +
                          " (check fleet.username and password)"},
            {"code",
             16}}.dump();
        co_return r;
      }
      token_ = std::get<Token>(token).text;
    }
    co_return co_await exchange(path, body, timeout);
  }

  awaitable<std::string> open_stream(const std::string& prefix, std::int64_t start_revision) {
    drop();
    if (!opt_.username.empty() && token_.empty()) {
      // Authenticate through a unary exchange on this connection first.
      auto r = co_await exchange_authenticated("/v3/kv/range", range_request(prefix, false, 1),
                                               opt_.request_timeout);
      if (r.transport_error) co_return r.error;
    }
    if (!open()) {
      auto e = co_await connect(opt_.request_timeout);
      if (!e.empty()) co_return e;
    }
    auto req = request("/v3/watch", watch_request(prefix, start_revision));
    stream_parser_.emplace();
    stream_parser_->body_limit(boost::none);  // a stream; each message is capped instead
    boost::system::error_code ec;
    lowest().expires_after(opt_.request_timeout);
    co_await on_stream(
        [&](auto& s) -> awaitable<void> {
          co_await http::async_write(s, req, asio::redirect_error(use_awaitable, ec));
          if (!ec) {
            co_await http::async_read_header(s, buffer_, *stream_parser_,
                                             asio::redirect_error(use_awaitable, ec));
          }
        },
        ec);
    if (ec) {
      // Closed by close() meanwhile (etcd came back: the agent starts its watch over).
      bool closed = !open();
      drop();
      co_return closed              ? std::string("the watch was closed")
      : ec == beast::error::timeout ? std::string("no answer to the watch")
                                    : ec.message();
    }
    if (stream_parser_->get().result_int() != 200) {
      drop();
      co_return "watch refused: HTTP " + std::to_string(stream_parser_->get().result_int());
    }
    co_return std::string();
  }

  awaitable<std::string> read_stream(const std::function<bool(const WatchMessage&)>& on_message) {
    lowest().expires_never();
    std::string pending;
    char chunk[16384];
    for (;;) {
      if (!open()) {
        drop();
        co_return std::string("the watch was closed");
      }
      if (stream_parser_->is_done()) {
        drop();
        co_return std::string("the watch stream ended");
      }
      auto& body = stream_parser_->get().body();
      body.data = chunk;
      body.size = sizeof chunk;
      boost::system::error_code ec;
      co_await on_stream(
          [&](auto& s) -> awaitable<void> {
            co_await http::async_read_some(s, buffer_, *stream_parser_,
                                           asio::redirect_error(use_awaitable, ec));
          },
          ec);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        bool closed = !open();
        drop();
        co_return closed ? std::string("the watch was closed") : "watch: " + ec.message();
      }
      pending.append(chunk, sizeof chunk - stream_parser_->get().body().size);
      std::size_t start = 0;
      for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
        std::string_view line(pending.data() + start, nl - start);
        start = nl + 1;
        if (line.find_first_not_of(" \r\t") == std::string_view::npos) continue;
        auto parsed = parse_json(line);
        Result<WatchMessage> message = std::string("not JSON");
        if (auto* j = std::get_if<json>(&parsed)) message = parse_watch_message(*j);
        if (auto e = error_of(message)) {
          drop();
          co_return "watch: " + *e;
        }
        if (!on_message(std::get<WatchMessage>(message))) {
          drop();
          co_return std::string("watch closed by its reader");
        }
      }
      pending.erase(0, start);
      if (pending.size() > opt_.max_watch_message_bytes) {
        drop();
        co_return "watch: a message larger than " + std::to_string(opt_.max_watch_message_bytes) +
            " bytes";
      }
    }
  }

  asio::io_context& io_;
  ClientOptions opt_;
  std::unique_ptr<asio::ssl::context> tls_;
  std::string tls_error_;
  std::optional<beast::tcp_stream> tcp_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> ssl_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::buffer_body>> stream_parser_;
  std::size_t current_ = 0;
  std::string token_;
};

Client::Client(asio::io_context& io, ClientOptions options)
    : impl_(std::make_unique<Impl>(io, std::move(options))) {}
Client::~Client() = default;

awaitable<Result<json>> Client::call(const std::string& path, std::string body,
                                     std::chrono::milliseconds timeout) {
  co_return co_await impl_->call(path, body, timeout);
}

awaitable<Result<RangeAnswer>> Client::range(std::string key, bool prefix) {
  auto r = co_await call("/v3/kv/range", range_request(key, prefix));
  if (auto e = error_of(r)) co_return *e;
  co_return parse_range(std::get<json>(r));
}

awaitable<Result<TxnAnswer>> Client::txn(const Txn& txn) {
  auto r = co_await call("/v3/kv/txn", txn.body());
  if (auto e = error_of(r)) co_return *e;
  co_return parse_txn(std::get<json>(r));
}

awaitable<Result<std::int64_t>> Client::put(std::string key, std::string value,
                                            std::int64_t lease) {
  auto r = co_await call("/v3/kv/put", put_request(key, value, lease));
  if (auto e = error_of(r)) co_return *e;
  co_return parse_put(std::get<json>(r));
}

awaitable<Result<std::int64_t>> Client::del(std::string key) {
  auto r = co_await call("/v3/kv/deleterange", delete_request(key));
  if (auto e = error_of(r)) co_return *e;
  co_return parse_put(std::get<json>(r));
}

awaitable<Result<LeaseAnswer>> Client::lease_grant(std::int64_t ttl_s) {
  auto r = co_await call("/v3/lease/grant", lease_grant_request(ttl_s));
  if (auto e = error_of(r)) co_return *e;
  co_return parse_lease(std::get<json>(r));
}

awaitable<Result<LeaseAnswer>> Client::lease_keepalive(std::int64_t id,
                                                       std::chrono::milliseconds timeout) {
  // The gateway turns the bidirectional stream into one answer per request body and ends it.
  auto r = co_await call("/v3/lease/keepalive", lease_id_request(id), timeout);
  if (auto e = error_of(r)) co_return *e;
  co_return parse_lease(std::get<json>(r));
}

awaitable<Result<std::int64_t>> Client::lease_revoke(std::int64_t id) {
  auto r = co_await call("/v3/lease/revoke", lease_id_request(id));
  if (auto e = error_of(r)) co_return *e;
  co_return parse_put(std::get<json>(r));
}

awaitable<std::string> Client::watch(std::string prefix, std::int64_t start_revision,
                                     std::function<bool(const WatchMessage&)> on_message) {
  co_return co_await impl_->watch(prefix, start_revision, on_message);
}

void Client::close() {
  impl_->close();
}

const std::string& Client::endpoint() const {
  return impl_->endpoint();
}

}  // namespace sidecar::etcd
