// Writes the metrics file of every state the daemon can be in, one <state>.prom per state, into
// the folder given as argv[1]: check_metrics.sh feeds each to `promtool check metrics`, so the
// exposition format and the naming lint are checked on what the daemon really renders, not on a
// hand-written sample.
#include <cstdio>
#include <fstream>
#include <string>

#include "fixtures/status_snapshot.hpp"
#include "sidecar/status/status_model.hpp"

namespace {

using sidecar::Desired;
using sidecar::ServiceState;

// The node of fixtures::node_up with ExaBGP's counters, an exec check and an IPv6 route as well.
sidecar::StatusSnapshot healthy() {
  auto s = fixtures::node_up();
  s.exabgp.counters.commands_written = 14;
  s.exabgp.counters.acks_done = 14;
  auto& svc = s.services[0];
  sidecar::CheckView ex;
  ex.name = "exec-1";
  ex.type = "exec";
  ex.command = {"/bin/true"};
  ex.last = svc.checks[0].last;
  svc.checks.push_back(ex);
  svc.routes.push_back({"2001:db8::53/128", "self", Desired::announce, true, false, "", {}});
  svc.transitions_total = 2;
  return s;
}

bool write(const std::string& dir, const std::string& name, const sidecar::StatusSnapshot& s) {
  std::ofstream out(dir + "/" + name + ".prom");
  out << sidecar::metrics_text(s);
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 3;
  }
  const std::string dir = argv[1];
  bool ok = true;
  ok &= write(dir, "up", healthy());

  // down, once per probe reason a failing check can carry
  for (auto reason : probes::kAllReasons) {
    if (reason == probes::Reason::ok) continue;
    auto s = healthy();
    auto& svc = s.services[0];
    svc.state = ServiceState::down;
    svc.checks[0].last->ok = false;
    svc.checks[0].last->reason = reason;
    for (auto& r : svc.routes) r.desired = Desired::withdraw;
    ok &= write(dir, "down-" + std::string(probes::to_string(reason)), s);
  }
  // Every other ServiceState. A new state (the contract's `degraded`) gets its line here, with
  // the check and route values that state has.
  for (auto st : {ServiceState::init, ServiceState::rising, ServiceState::falling}) {
    auto s = healthy();
    s.services[0].state = st;
    if (st == ServiceState::init) {
      for (auto& ch : s.services[0].checks) ch.last.reset();  // no probe answered yet
      for (auto& r : s.services[0].routes) r.desired = Desired::none, r.confirmed = false;
    }
    ok &= write(dir, std::string(sidecar::to_string(st)), s);
  }
  {
    auto s = healthy();  // maintenance
    s.services[0].state = ServiceState::disabled;
    s.services[0].maintenance = sidecar::MaintenanceView{"apt upgrade", 1795339590.0, std::nullopt};
    for (auto& r : s.services[0].routes) r.desired = Desired::withdraw;
    ok &= write(dir, "disabled", s);
  }
  {
    auto s = healthy();  // ExaBGP stopped reading: acks pending, announcements unconfirmed
    s.exabgp.state = bridge::LinkState::stalled;
    s.exabgp.pending_acks = 3;
    s.exabgp.counters.stalls = 1;
    s.services[0].routes[0].confirmed = false;
    ok &= write(dir, "bridge-stalled", s);
  }
  {
    auto s = healthy();
    s.exabgp.state = bridge::LinkState::gone;
    s.exabgp.neighbors.clear();
    ok &= write(dir, "bridge-gone", s);
  }
  {
    auto s = healthy();  // a rejected announcement
    s.exabgp.counters.acks_error = 1;
    s.services[0].routes[0].rejected = true;
    ok &= write(dir, "route-rejected", s);
  }
  {
    auto s = healthy();  // no services configured
    s.services.clear();
    ok &= write(dir, "no-services", s);
  }
  // The fleet (contract "Fleet"): reachable with a node out and a slot held, unreachable, a
  // failed verification holding this node's slot, the floor holding a prefix.
  {
    auto s = healthy();
    s.fleet.state = sidecar::FleetState::ok;
    s.fleet.since_unix = 1795336000.0;
    s.fleet.node = "node-1";
    s.fleet.prefix = "/anycast-sidecar/dns-eu";
    s.fleet.members = 3;
    s.fleet.present = 2;
    s.fleet.out_of_service.push_back({"node-3", "gone", "presence expired", 1795339500.0});
    s.fleet.slots.push_back({"node-3", "bind upgrade", 1795339400.0});
    ok &= write(dir, "fleet-ok", s);
    s.fleet.state = sidecar::FleetState::unreachable;
    s.fleet.detail = "etcd http://127.0.0.1:2379: connection refused";
    ok &= write(dir, "fleet-unreachable", s);
  }
  {
    auto s = healthy();
    s.services[0].state = ServiceState::disabled;
    s.services[0].maintenance =
        sidecar::MaintenanceView{"bind upgrade", 1795339590.0, std::nullopt};
    for (auto& r : s.services[0].routes) r.desired = Desired::withdraw;
    s.fleet.state = sidecar::FleetState::ok;
    s.fleet.node = "node-1";
    s.fleet.members = 3;
    s.fleet.present = 3;
    s.fleet.out_of_service.push_back(
        {"node-1", "maintenance", "resolver in maintenance", 1795339590.0});
    s.fleet.slots.push_back({"node-1", "bind upgrade", 1795339590.0});
    s.fleet.slot = s.fleet.slots[0];
    s.fleet.verify = sidecar::FleetVerifyView{false, "resolver", "local-zone", "connection_refused",
                                              1795339599.0};
    ok &= write(dir, "fleet-verify-failed", s);
  }
  {
    auto s = healthy();
    s.fleet.state = sidecar::FleetState::ok;
    s.fleet.node = "node-1";
    s.fleet.floor_hold = {"192.0.2.53/32"};
    ok &= write(dir, "fleet-floor-hold", s);
  }
  if (!ok) {
    std::fprintf(stderr, "cannot write into %s\n", dir.c_str());
    return 1;
  }
  return 0;
}
