#include "sidecar/check_watches.hpp"

#include "sidecar/log.hpp"

namespace sidecar {

CheckWatches::CheckWatches(DaemonContext& ctx, std::string service,
                           std::function<void()> run_round_now)
    : ctx_(ctx), service_(std::move(service)), run_round_now_(std::move(run_round_now)) {}

CheckWatches::~CheckWatches() {
  stop();
}

void CheckWatches::stop() {
  for (auto& e : entries_) {
    if (e.watch) e.watch->stop();
  }
  entries_.clear();
}

void CheckWatches::configure(const ServiceConfig& cfg) {
  std::vector<std::string> keys;
  for (const auto& ch : cfg.checks) {
    bool watched = ch.type == CheckConfig::Type::dns && ch.watch;
    keys.push_back(watched ? ch.name + "|" + ch.dns.server + "|" + std::to_string(ch.dns.port) +
                                 "|" + std::to_string(cfg.timeout.count()) + "|" +
                                 std::to_string(cfg.interval.count())
                           : std::string());
  }
  bool same = keys.size() == entries_.size();
  for (std::size_t i = 0; same && i < keys.size(); ++i) same = keys[i] == entries_[i].key;
  if (same) return;
  stop();
  for (std::size_t i = 0; i < cfg.checks.size(); ++i) {
    Entry e{keys[i], nullptr};
    if (!keys[i].empty()) {
      const auto& ch = cfg.checks[i];
      probes::WatchPolicy::Tuning tuning;
      tuning.retry = cfg.interval;
      auto on_news = [this, name = ch.name](const probes::WatchNews& n) {
        auto say = [&](log::Level level, std::string_view event, std::string detail) {
          log::write(level, event, {{"service", service_}, {"check", name}, {"detail", detail}});
        };
        switch (n.kind) {
          case probes::WatchNews::Kind::gone:
            say(log::Level::info, "watch_gone", "reconnect " + n.detail + ": probing now");
            run_round_now_();
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
      };
      e.watch = std::make_shared<probes::TcpWatch>(ctx_.io, ch.dns.server, ch.dns.port, cfg.timeout,
                                                   tuning, on_news);
      ctx_.spawn("watch", e.watch->run());
    }
    entries_.push_back(std::move(e));
  }
}

void CheckWatches::results(const std::vector<probes::CheckResult>& rs) {
  for (std::size_t i = 0; i < rs.size() && i < entries_.size(); ++i) {
    if (entries_[i].watch) entries_[i].watch->check_result(rs[i].ok);
  }
}

}  // namespace sidecar
