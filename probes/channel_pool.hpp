#pragma once
// The prober's channels, one per check (server, port, transport, timeout, question). The question
// is part of the key: on a UDP socket the kernel reports an ICMP port-unreachable to whichever
// call comes next, so a sibling query sent on the same socket would consume it and the first
// query would end as a timeout instead of connection_refused.
//
// Kept UDP sockets are bounded (a node of thousands of checks must not run out of descriptors):
// beyond `kept_udp_sockets` a channel opens a socket per query, as the probe CLI does. A reload
// that changes a check leaves its old channel unused, and with it a kept socket: swept at most
// once a second, a channel idle for `idle_channel` is closed, so the descriptors follow the
// checks in use within seconds of a reload (the soak compares descriptor counts before and after
// its reloads). A check probed less often than that gets a fresh channel each time: a socket per
// query, as before sockets were kept, which costs nothing at such a rate.
#include <utility>  // g++ 12 needs it before Asio's headers

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "probes/ares_channel.hpp"
#include "probes/check.hpp"

namespace probes {

class ChannelPool {
 public:
  using Clock = std::chrono::steady_clock;
  ChannelPool(boost::asio::io_context& io, std::size_t kept_udp_sockets,
              std::chrono::milliseconds idle_channel)
      : io_(io), kept_udp_sockets_(kept_udp_sockets), idle_channel_(idle_channel) {}
  ~ChannelPool() { close_all(); }
  ChannelPool(const ChannelPool&) = delete;
  ChannelPool& operator=(const ChannelPool&) = delete;

  // The check's channel, made on first use; on a setup error, null and the error's text.
  std::shared_ptr<Channel> get(const DnsCheck& check, Clock::time_point now, std::string* error);
  // Channels may outlive the pool through handlers still queued; closing them ends their waits
  // so the io_context can run out of work.
  void close_all();

 private:
  using Key = std::tuple<std::string, std::uint16_t, int, long, std::string, std::uint16_t>;
  // Called before the probe's own entry is looked up, so no entry is empty here.
  void prune(Clock::time_point now);

  boost::asio::io_context& io_;
  std::size_t kept_udp_sockets_;
  std::chrono::milliseconds idle_channel_;
  std::map<Key, std::shared_ptr<Channel>> channels_;
  Clock::time_point next_sweep_{};
};

}  // namespace probes
