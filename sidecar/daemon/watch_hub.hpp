#pragma once
// One watch (probes::TcpWatch) per resolver address, shared by every check that probes it: the
// watch is news about the resolver process, not about a check, and a node of 1,000 services on
// one local resolver must hold one TCP connection to it, not 1,000 (Unbound serves 10 TCP
// connections per thread by default: more would be refused and reconnected without end). Its
// "gone" runs the round of every subscribed service; its other news is logged once, per address.
// The same holds for the kernel's view of the resolver's UDP socket (probes::QueueWatch): one
// reader per server:port and stall window, whatever the number of checks on it.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "probes/queue_watch.hpp"
#include "probes/tcp_watch.hpp"
#include "sidecar/daemon/daemon_context.hpp"

namespace sidecar {

class WatchHub {
 public:
  using Token = std::uint64_t;  // 0: none
  explicit WatchHub(DaemonContext& ctx) : ctx_(ctx) {}
  ~WatchHub();
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // The first subscriber of server:port starts its watch, with its connect timeout and retry
  // (the service's timeout and interval); `gone` runs when the resolver there is gone.
  Token subscribe(const std::string& server, std::uint16_t port,
                  std::chrono::milliseconds connect_timeout, std::chrono::milliseconds retry,
                  std::function<void()> gone);
  // The last one leaving stops the watch (either kind).
  void unsubscribe(Token token);
  // Every sample of server:port's UDP receive queue (probes/queue_policy.hpp), with whether it
  // is news (a stall's onset). `min_gap`: the first subscriber's interval.
  using QueueCall = std::function<void(const probes::QueuePolicy&, bool trigger)>;
  Token subscribe_queue(const std::string& server, std::uint16_t port,
                        std::chrono::milliseconds window, std::chrono::milliseconds min_gap,
                        QueueCall call);
  // That subscription's evidence now; null for an unknown token.
  const probes::QueuePolicy* queue_policy(Token token) const;
  // A subscriber's latest result for its check of that address (a pass wakes a waiting watch).
  void result(Token token, bool ok);
  void stop();  // every watch, at exit

 private:
  struct Watch {
    std::shared_ptr<probes::TcpWatch> watch;
    std::map<Token, std::function<void()>> subscribers;
    std::map<Token, bool> last_ok;  // each subscriber's latest result: the resolver answers if any
    std::size_t passing = 0;        // how many of last_ok are true (no scan per result)
  };
  void news(const std::string& address, const probes::WatchNews& n);
  struct Queue {
    std::shared_ptr<probes::QueueWatch> watch;
    std::map<Token, QueueCall> subscribers;
  };
  void queue_sample(const std::string& key, const probes::QueuePolicy& p, bool trigger);
  void unsubscribe_queue(Token token);

  DaemonContext& ctx_;
  std::map<std::string, Watch> watches_;  // by "server|port"
  std::map<Token, std::string> by_token_;
  std::map<std::string, Queue> queues_;  // by "server|port|window"
  std::map<Token, std::string> queue_by_token_;
  Token next_ = 1;
};

}  // namespace sidecar
