#include "sidecar/daemon/watch_hub.hpp"

#include <vector>

#include "sidecar/lib/log.hpp"

namespace sidecar {

WatchHub::~WatchHub() {
  stop();
}

void WatchHub::stop() {
  for (auto& [address, w] : watches_) w.watch->stop();
  watches_.clear();
  by_token_.clear();
  for (auto& [key, q] : queues_) q.watch->stop();
  queues_.clear();
  queue_by_token_.clear();
}

WatchHub::Token WatchHub::subscribe(const std::string& server, std::uint16_t port,
                                    std::chrono::milliseconds connect_timeout,
                                    std::chrono::milliseconds retry, std::function<void()> gone) {
  auto address = server + "|" + std::to_string(port);
  auto& w = watches_[address];
  if (!w.watch) {
    probes::WatchPolicy::Tuning tuning;
    tuning.retry = retry;
    auto label = server.find(':') == std::string::npos ? server + ":" + std::to_string(port)
                                                       : "[" + server + "]:" + std::to_string(port);
    w.watch = std::make_shared<probes::TcpWatch>(
        ctx_.io, server, port, connect_timeout, tuning,
        [this, address, label](const probes::WatchNews& n) {
          auto it = watches_.find(address);
          if (it == watches_.end()) return;
          auto say = [&](log::Level level, std::string_view event, std::string detail) {
            log::write(level, event,
                       {{"server", label},
                        {"services", std::to_string(it->second.subscribers.size())},
                        {"detail", std::move(detail)}});
          };
          auto probe_now = [&] {
            // A copy: a callback must not see the map change under it.
            std::vector<std::function<void()>> calls;
            for (const auto& [token, call] : it->second.subscribers) calls.push_back(call);
            for (const auto& call : calls) call();
          };
          switch (n.kind) {
            case probes::WatchNews::Kind::gone:
              say(log::Level::info, "watch_gone", "reconnect " + n.detail + ": probing now");
              probe_now();
              break;
            case probes::WatchNews::Kind::ended_early:
              say(log::Level::info, "watch_ended_early",
                  n.detail + " before its idle timeout: probing now");
              probe_now();
              break;
            case probes::WatchNews::Kind::disabled:
              say(log::Level::notice, "watch_disabled", n.detail);
              break;
            case probes::WatchNews::Kind::connected:
              say(log::Level::debug, "watch_connected", "");
              break;
            case probes::WatchNews::Kind::closed:
              say(log::Level::debug, "watch_closed", n.detail);
              break;
            case probes::WatchNews::Kind::failed:
              say(log::Level::debug, "watch_connect_failed", n.detail);
              break;
          }
        });
    ctx_.spawn("watch", w.watch->run());
  }
  auto token = next_++;
  w.subscribers.emplace(token, std::move(gone));
  by_token_.emplace(token, address);
  return token;
}

void WatchHub::unsubscribe(Token token) {
  auto t = by_token_.find(token);
  if (t == by_token_.end()) return unsubscribe_queue(token);
  auto w = watches_.find(t->second);
  by_token_.erase(t);
  if (w == watches_.end()) return;
  w->second.subscribers.erase(token);
  if (auto it = w->second.last_ok.find(token); it != w->second.last_ok.end()) {
    if (it->second) --w->second.passing;
    w->second.last_ok.erase(it);
  }
  if (w->second.subscribers.empty()) {
    w->second.watch->stop();
    watches_.erase(w);
  }
}

void WatchHub::result(Token token, bool ok) {
  auto t = by_token_.find(token);
  if (t == by_token_.end()) return;
  auto w = watches_.find(t->second);
  if (w == watches_.end()) return;
  // One check failing while another of the same resolver passes (recursion broken, local zone
  // fine) must not hide a refusal: the resolver answers as long as any of its checks passes.
  auto [it, added] = w->second.last_ok.try_emplace(token, false);
  if (it->second != ok) {
    w->second.passing += ok ? 1 : -1;
    it->second = ok;
  }
  w->second.watch->check_result(w->second.passing > 0);
}

WatchHub::Token WatchHub::subscribe_queue(const std::string& server, std::uint16_t port,
                                          std::chrono::milliseconds window,
                                          std::chrono::milliseconds min_gap, QueueCall call) {
  auto address = probes::table_address(server);
  if (!address) return 0;  // the configuration validated it; never here
  auto key = server + "|" + std::to_string(port) + "|" + std::to_string(window.count());
  auto& q = queues_[key];
  if (!q.watch) {
    auto label = server.find(':') == std::string::npos ? server + ":" + std::to_string(port)
                                                       : "[" + server + "]:" + std::to_string(port);
    q.watch = std::make_shared<probes::QueueWatch>(
        ctx_.io, *address, port, probes::QueuePolicy::Tuning{window, min_gap},
        [this, key](const probes::QueuePolicy& p, bool trigger) { queue_sample(key, p, trigger); },
        [label](const std::string& problem) {
          log::warning("stall_watch_unreadable", {{"server", label}, {"detail", problem}});
        });
    ctx_.spawn("stall watch", q.watch->run());
  }
  auto token = next_++;
  q.subscribers.emplace(token, std::move(call));
  queue_by_token_.emplace(token, key);
  return token;
}

void WatchHub::queue_sample(const std::string& key, const probes::QueuePolicy& p, bool trigger) {
  auto it = queues_.find(key);
  if (it == queues_.end()) return;
  if (trigger) {
    log::write(log::Level::info, "stall_seen",
               {{"server", key.substr(0, key.rfind('|'))},
                {"detail", std::to_string(p.queued()) +
                               " bytes of queries unread and not shrinking: probing now"}});
  }
  std::vector<QueueCall> calls;  // a copy: a callback must not see the map change under it
  for (const auto& [token, call] : it->second.subscribers) calls.push_back(call);
  for (const auto& call : calls) call(p, trigger);
}

const probes::QueuePolicy* WatchHub::queue_policy(Token token) const {
  auto t = queue_by_token_.find(token);
  if (t == queue_by_token_.end()) return nullptr;
  auto q = queues_.find(t->second);
  return q == queues_.end() ? nullptr : &q->second.watch->policy();
}

void WatchHub::unsubscribe_queue(Token token) {
  auto t = queue_by_token_.find(token);
  if (t == queue_by_token_.end()) return;
  auto q = queues_.find(t->second);
  queue_by_token_.erase(t);
  if (q == queues_.end()) return;
  q->second.subscribers.erase(token);
  if (q->second.subscribers.empty()) {
    q->second.watch->stop();
    queues_.erase(q);
  }
}

}  // namespace sidecar
