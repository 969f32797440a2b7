#include "sidecar/daemon/check_watches.hpp"

#include "sidecar/daemon/watch_hub.hpp"

namespace sidecar {

CheckWatches::CheckWatches(DaemonContext& ctx, std::function<void()> run_round_now)
    : hub_(ctx.watch_hub), run_round_now_(std::move(run_round_now)) {}

CheckWatches::~CheckWatches() {
  stop();
}

void CheckWatches::stop() {
  for (auto& e : entries_) {
    if (e.token && hub_) hub_->unsubscribe(e.token);
  }
  entries_.clear();
}

void CheckWatches::configure(const ServiceConfig& cfg) {
  std::vector<std::string> keys;
  for (const auto& ch : cfg.checks) {
    bool watched = ch.type == CheckConfig::Type::dns && ch.watch && hub_;
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
    Entry e{keys[i], 0};
    if (!keys[i].empty()) {
      const auto& ch = cfg.checks[i];
      e.token =
          hub_->subscribe(ch.dns.server, ch.dns.port, cfg.timeout, cfg.interval, run_round_now_);
    }
    entries_.push_back(std::move(e));
  }
}

void CheckWatches::results(const std::vector<probes::CheckResult>& rs) {
  for (std::size_t i = 0; i < rs.size() && i < entries_.size(); ++i) {
    if (entries_[i].token) hub_->result(entries_[i].token, rs[i].ok);
  }
}

}  // namespace sidecar
