#pragma once
// An etcd v3 client over its JSON gateway: HTTP/1.1 with Boost.Beast on the caller's io_context,
// C++20 coroutines, never blocking the loop. Why this and not gRPC: the gateway is part of every
// etcd 3.4 server, speaks the same v3 API (same transactions, leases, watches), and needs nothing
// beyond the Boost we already build with (plus OpenSSL for https://); etcd's gRPC client would
// bring gRPC, protobuf and their code generators for a handful of calls a second.
//
// Thin on purpose: requests and answers are built and read by the pure codec (etcd_codec.hpp).
// What this adds is the moving of bytes: one keep-alive connection, a deadline per request (the
// stream's own timer racing the operation), failover to the next endpoint, a size cap on every
// answer, re-authentication when a token expires. One call at a time per client: a caller that
// needs two streams (the watch besides unary calls) uses two clients.
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sidecar/config/config.hpp"
#include "sidecar/fleet/etcd_codec.hpp"

namespace sidecar::etcd {

struct ClientOptions {
  std::vector<EtcdEndpoint> endpoints;
  std::string ca_file, cert_file, key_file;  // https://
  std::string username, password;            // the password itself (not its file)
  std::chrono::milliseconds request_timeout{2000};
  std::size_t max_answer_bytes = 8 * 1024 * 1024;  // a fleet's whole prefix fits many times
  std::size_t max_watch_message_bytes = 4 * 1024 * 1024;
};

// From the configuration; reads the password file (its first line). An error names the fix.
Result<ClientOptions> client_options(const FleetConfig& fleet);

class Client {
 public:
  Client(boost::asio::io_context& io, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // POSTs `body` to `path` ("/v3/kv/range") and returns the answer's JSON object, trying each
  // endpoint once within `timeout` each (0: request_timeout). An answer carrying an error that
  // another member may not have (no leader, unavailable, timed out) moves to the next endpoint;
  // any other error is returned as it is.
  boost::asio::awaitable<Result<nlohmann::json>> call(const std::string& path, std::string body,
                                                      std::chrono::milliseconds timeout = {});

  boost::asio::awaitable<Result<RangeAnswer>> range(std::string key, bool prefix);
  boost::asio::awaitable<Result<TxnAnswer>> txn(const Txn& txn);
  boost::asio::awaitable<Result<std::int64_t>> put(std::string key, std::string value,
                                                   std::int64_t lease = 0);
  boost::asio::awaitable<Result<std::int64_t>> del(std::string key);
  boost::asio::awaitable<Result<LeaseAnswer>> lease_grant(std::int64_t ttl_s);
  boost::asio::awaitable<Result<LeaseAnswer>> lease_keepalive(std::int64_t id,
                                                              std::chrono::milliseconds timeout);
  boost::asio::awaitable<Result<std::int64_t>> lease_revoke(std::int64_t id);

  // Watches every key under `prefix` from `start_revision` on, calling on_message for each
  // message of the stream, until the stream ends, fails, on_message returns false or close() is
  // called. Returns why it ended. The stream has no deadline (a quiet fleet sends nothing); the
  // caller restarts it when its other calls show etcd came back after an outage.
  boost::asio::awaitable<std::string> watch(std::string prefix, std::int64_t start_revision,
                                            std::function<bool(const WatchMessage&)> on_message);

  // Closes the connection: an operation in flight ends with an error at once.
  void close();
  // The endpoint the last call used (for messages).
  const std::string& endpoint() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sidecar::etcd
