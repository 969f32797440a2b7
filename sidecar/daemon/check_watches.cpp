#include "sidecar/daemon/check_watches.hpp"

#include "sidecar/daemon/watch_hub.hpp"

namespace sidecar {

CheckWatches::CheckWatches(DaemonContext& ctx, std::function<void()> run_round_now,
                           QueueCall on_queue)
    : hub_(ctx.watch_hub),
      run_round_now_(std::move(run_round_now)),
      on_queue_(std::move(on_queue)) {}

CheckWatches::~CheckWatches() {
  stop();
}

void CheckWatches::stop() {
  for (auto& e : entries_) {
    if (e.token && hub_) hub_->unsubscribe(e.token);
    if (e.queue && hub_) hub_->unsubscribe(e.queue);
  }
  entries_.clear();
}

void CheckWatches::configure(const ServiceConfig& cfg) {
  std::vector<std::string> keys;
  for (const auto& ch : cfg.checks) {
    bool dns = ch.type == CheckConfig::Type::dns && hub_;
    bool watched = dns && ch.watch;
    bool queued = dns && ch.stall.count() > 0;
    keys.push_back(watched || queued
                       ? ch.name + "|" + ch.dns.server + "|" + std::to_string(ch.dns.port) + "|" +
                             std::to_string(cfg.timeout.count()) + "|" +
                             std::to_string(cfg.interval.count()) + "|" + (watched ? "w" : "-") +
                             "|" + std::to_string(queued ? ch.stall.count() : 0)
                       : std::string());
  }
  bool same = keys.size() == entries_.size();
  for (std::size_t i = 0; same && i < keys.size(); ++i) same = keys[i] == entries_[i].key;
  if (same) return;
  stop();
  for (std::size_t i = 0; i < cfg.checks.size(); ++i) {
    Entry e{keys[i], 0, 0};
    const auto& ch = cfg.checks[i];
    if (!keys[i].empty() && ch.watch) {
      e.token =
          hub_->subscribe(ch.dns.server, ch.dns.port, cfg.timeout, cfg.interval, run_round_now_);
    }
    if (!keys[i].empty() && ch.stall.count() > 0) {
      e.queue = hub_->subscribe_queue(ch.dns.server, ch.dns.port, ch.stall, cfg.interval,
                                      [call = on_queue_, i](const probes::QueuePolicy& p,
                                                            bool trigger) { call(i, p, trigger); });
    }
    entries_.push_back(std::move(e));
  }
}

void CheckWatches::results(const std::vector<probes::CheckResult>& rs) {
  for (std::size_t i = 0; i < rs.size() && i < entries_.size(); ++i) {
    if (entries_[i].token) hub_->result(entries_[i].token, rs[i].ok);
  }
}

const probes::QueuePolicy* CheckWatches::queue(std::size_t i) const {
  if (i >= entries_.size() || !entries_[i].queue || !hub_) return nullptr;
  return hub_->queue_policy(entries_[i].queue);
}

std::vector<bool> CheckWatches::stalled() const {
  std::vector<bool> out(entries_.size(), false);
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const auto* p = queue(i);
    out[i] = p && p->stalled();
  }
  return out;
}

}  // namespace sidecar
