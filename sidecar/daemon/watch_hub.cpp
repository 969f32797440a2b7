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
          switch (n.kind) {
            case probes::WatchNews::Kind::gone: {
              say(log::Level::info, "watch_gone", "reconnect " + n.detail + ": probing now");
              // A copy: a callback must not see the map change under it.
              std::vector<std::function<void()>> calls;
              for (const auto& [token, call] : it->second.subscribers) calls.push_back(call);
              for (const auto& call : calls) call();
              break;
            }
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
  if (t == by_token_.end()) return;
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

}  // namespace sidecar
