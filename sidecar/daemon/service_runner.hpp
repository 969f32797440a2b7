#pragma once
// One configured service at run time: its loop (probe every check, decide, hand the desired
// route lines to the bridge) on a fixed grid of rounds, its view for the status file, its hooks.
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "sidecar/daemon/check_runner.hpp"
#include "sidecar/daemon/check_watches.hpp"
#include "sidecar/daemon/daemon_context.hpp"
#include "sidecar/daemon/hook_runner.hpp"
#include "sidecar/policy/reload_plan.hpp"
#include "sidecar/policy/state_machine.hpp"
#include "sidecar/status/status_model.hpp"

namespace sidecar {

class ServiceRunner : public std::enable_shared_from_this<ServiceRunner> {
 public:
  ServiceRunner(DaemonContext& ctx, ServiceConfig config);

  void start();  // spawns the loop; it ends on stop() or when the daemon stops
  void stop();   // a reload dropped the service: no more rounds (its routes are the plan's)
  // A reload kept the service: new settings and checks (history kept by check name), keys it
  // no longer owns forgotten, changed route attributes sent at once rather than next round.
  void reconfigure(ServiceConfig config, const std::vector<std::string>& forget_keys);
  // A reload handed this service a route another one sent: that line counts as sent by this one
  // until it sends its own (a line it already sent wins).
  void adopt(const std::string& key, const std::string& line) { sent_.emplace(key, line); }
  // The fleet floor's answer changed: the routes' lines again, from the last round's state.
  void floor_changed() {
    if (!stopped_) apply_routes();
  }
  // Hands the bridge a withdraw for every route this service sent (SIGTERM, internal error).
  void withdraw_all();

  const std::string& name() const { return cfg_.name; }
  const ServiceConfig& config() const { return cfg_; }
  const SentRoutes& sent() const { return sent_; }
  ServiceView view() const;  // routes' confirmation is the status publisher's to add

 private:
  boost::asio::awaitable<void> loop();
  void decide(const ServiceConfig& cfg, const std::vector<probes::CheckResult>& results);
  void apply_routes();
  // The status file's reader sees what changed (reader_key): written at once.
  void publish_if_changed();
  // A drain (RouteConfig::drain) began as the service entered DISABLED: the routes are applied
  // again as each route's drain ends, not at the next round.
  void begin_drain();
  boost::asio::awaitable<void> drain_ends(std::uint64_t generation);
  // A watch saw the resolver go (probes/tcp_watch.hpp): the next round starts `after` from now,
  // not at its planned time.
  void run_round_now(std::chrono::milliseconds after);
  // A sample of check i's resolver socket (probes/queue_policy.hpp): a stall's onset runs the
  // round now; a probe of the round in flight that waits in a socket nobody reads fails now.
  void queue_sample(std::size_t check, const probes::QueuePolicy& policy, bool trigger);

  DaemonContext& ctx_;
  ServiceConfig cfg_;
  Machine machine_;
  ServiceView view_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
  bool in_round_ = false;
  bool round_now_ = false;  // run_round_now() asked for a round at round_at_
  Clock::time_point round_at_;
  std::shared_ptr<Round> round_;  // the round in flight (null between rounds)
  Clock::time_point round_started_;
  bool last_hard_ = false;  // the last round failed (or degraded) with hard evidence only
  bool last_nothing_listens_ = false;  // ... with connection_refused only: the floor never holds
  CheckWatches watches_;
  SentRoutes sent_;         // route key -> last line handed to the bridge
  std::string reader_key_;  // reader_key() of the view as last announced to the status file
  HookRunner hooks_;
  std::optional<Clock::time_point> drain_started_;  // DISABLED, from an announcing state
  std::uint64_t drain_generation_ = 0;  // a later drain (or its end) retires the earlier waiter
  boost::asio::steady_timer drain_timer_;
};

}  // namespace sidecar
