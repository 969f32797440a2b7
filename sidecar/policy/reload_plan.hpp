#pragma once
// What a SIGHUP changes, decided as a value: which services stop, start or stay, which route
// lines must go to ExaBGP before the new configuration takes over, and which settings only a
// restart applies. Pure: the daemon executes the plan and decides nothing itself.
#include <map>
#include <string>
#include <vector>

#include "sidecar/config/config.hpp"

namespace sidecar {

// Per service: route key (bridge::route_key) -> the last command line handed to the bridge.
using SentRoutes = std::map<std::string, std::string>;
using SentByService = std::map<std::string, SentRoutes>;

struct RouteWithdrawal {
  std::string service;  // the old owner
  std::string key;
  std::string line;  // the withdraw command
};

struct RouteHandover {
  std::string from, to;  // a route that changes owner keeps its announcement: not withdrawn
  std::string key;
  // The old owner's last line: the new owner adopts it as sent (unless it sent its own), so a
  // later reload that drops the route before the new owner decided still withdraws it.
  std::string line;
};

struct ReloadPlan {
  std::vector<std::string> stop;   // in the old configuration only (old order)
  std::vector<std::string> keep;   // in both (new order); reconfigured in place, history kept
  std::vector<std::string> start;  // in the new configuration only (new order)
  // Sent routes that no service of the new configuration owns, in old order.
  std::vector<RouteWithdrawal> withdraw;
  // Sent routes that no service owns any more and whose last line was already their withdraw:
  // nothing to send, but the bridge must retire them too (forget once confirmed), or a re-send
  // after a neighbor up would repeat a withdraw nobody wants.
  std::vector<RouteWithdrawal> already_withdrawn;
  // Per old owner, the keys it no longer owns (withdrawn or handed over): forget them.
  std::map<std::string, std::vector<std::string>> forget;
  std::vector<RouteHandover> handover;
  // Settings that changed but take effect only at the next start ("exabgp.ack", ...).
  std::vector<std::string> restart_needed;
  bool start_refresh = false;  // exabgp.refresh_ms went from 0 to a period
};

ReloadPlan plan_reload(const Config& current, const Config& next, const SentByService& sent);

}  // namespace sidecar
