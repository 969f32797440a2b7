// Property: whatever sequence of configurations, reloads, sidecar restarts, service states and
// neighbor flaps, once things settle the router holds exactly the desired routes, per neighbor.
// Over the pure cores the daemon strings together: plan_reload, commands_for, BridgeCore,
// announced_in_status / stale_routes and the status file they read back; ExaBGP and the router
// are a model (a RIB per neighbor that applies each line in order, as ExaBGP does).
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <sstream>

#include "exabgp-bridge/bridge_core.hpp"
#include "exabgp-bridge/route.hpp"
#include "sidecar/policy/reload_plan.hpp"
#include "sidecar/policy/route_policy.hpp"
#include "sidecar/status/previous_routes.hpp"
#include "sidecar/status/status_model.hpp"

using namespace sidecar;

namespace {

const std::vector<std::string> kPeers = {"192.0.2.1", "192.0.2.2"};
const std::vector<std::string> kPrefixes = {"198.51.100.53/32", "198.51.100.54/32"};

// ExaBGP's RIB per neighbor (prefix -> the announce line's attributes) and the sessions.
struct Router {
  std::map<std::string, std::map<std::string, std::string>> rib;
  std::map<std::string, bool> up;
  bool clears_on_down = true;      // ExaBGP rebuilds the Adj-RIB-Out of a new session, or keeps it
  std::vector<std::string> lines;  // every line applied, for a failure message

  void apply(const std::string& line) {
    lines.push_back(line);
    std::vector<std::string> targets;
    std::string rest = line;
    while (rest.rfind("neighbor ", 0) == 0) {
      auto sp = rest.find(' ', 9);
      targets.push_back(rest.substr(9, sp - 9));
      rest = rest.substr(sp + 1);
      if (rest.rfind(", ", 0) == 0) rest = rest.substr(2);
    }
    if (targets.empty()) targets = kPeers;
    std::istringstream in(rest);
    std::string verb, route, prefix;
    in >> verb >> route >> prefix;
    std::string attrs;
    std::getline(in, attrs);
    for (const auto& n : targets) {
      if (verb == "announce") rib[n][prefix] = attrs;
      if (verb == "withdraw") rib[n].erase(prefix);
    }
  }
};

std::string state_line(const std::string& peer, const char* state) {
  return R"({ "exabgp": "4.0.1", "time": 1.0, "host": "h", "pid": 1, "ppid": 1, "counter": 1, )"
         R"("type": "state", "neighbor": { "address": { "local": "192.0.2.254", "peer": ")" +
         peer + R"(" }, "asn": { "local": 65001, "peer": 65000 }, "state": ")" + state + "\" } }";
}

// One sidecar instance, doing what the daemon does with the pure cores.
struct Sidecar {
  Config config;
  bridge::BridgeCore core{bridge::BridgeOptions{}};
  std::map<std::string, ServiceState> state;  // absent: INIT
  SentByService sent;

  std::vector<bridge::Route> inherited;

  Sidecar(Config c, const std::string& previous_status) : config(std::move(c)) {
    inherited = announced_in_status(previous_status).routes;
    withdraw_uncovered_inherited();
  }

  void withdraw_uncovered_inherited() {
    auto split = split_previous(inherited, config);
    for (const auto& r : split.stale) {
      core.retire(bridge::route_key(r), bridge::format_withdraw(r));
    }
    inherited = split.kept;
  }

  const ServiceConfig* find(const std::string& name) const {
    for (const auto& s : config.services) {
      if (s.name == name) return &s;
    }
    return nullptr;
  }

  void apply_routes(const ServiceConfig& s) {
    auto it = state.find(s.name);
    auto st = it == state.end() ? ServiceState::init : it->second;
    for (const auto& cmd : commands_for(st, s)) {
      if (cmd.desired == Desired::none) continue;
      auto& last = sent[s.name][cmd.key];
      if (last != cmd.line) {
        core.set_desired(cmd.key, cmd.line);
        last = cmd.line;
      }
    }
  }

  void set_state(const std::string& name, ServiceState st) {
    state[name] = st;
    if (const auto* s = find(name)) apply_routes(*s);
  }

  void reload(const Config& next) {
    auto plan = plan_reload(config, next, sent);
    for (const auto& w : plan.withdraw) core.retire(w.key, w.line);
    for (const auto& w : plan.already_withdrawn) core.retire(w.key, w.line);
    for (const auto& name : plan.stop) {
      state.erase(name);
      sent.erase(name);
    }
    for (const auto& [name, keys] : plan.forget) {
      for (const auto& k : keys) sent[name].erase(k);
    }
    config = next;
    for (const auto& name : plan.keep) apply_routes(*find(name));
    withdraw_uncovered_inherited();
    for (const auto& h : plan.handover) sent[h.to].emplace(h.key, h.line);
  }

  // The status file as the daemon renders it (the routes part is what a restart reads back).
  std::string status_text() const {
    StatusSnapshot snap;
    snap.updated_unix = 100;
    for (const auto& s : config.services) {
      ServiceView v;
      v.name = s.name;
      auto it = state.find(s.name);
      v.state = it == state.end() ? ServiceState::init : it->second;
      for (const auto& r : s.routes) {
        RouteView rv;
        rv.prefix = r.route.prefix.text;
        rv.next_hop = r.route.next_hop.text;
        rv.neighbors = r.route.neighbors;
        rv.desired = desired_for(v.state, r);
        v.routes.push_back(rv);
      }
      snap.services.push_back(v);
    }
    for (const auto& key : core.retired_keys())
      snap.withdrawing.push_back(*bridge::route_of_key(key));
    return status_to_json(snap).dump();
  }

  // ExaBGP reads what is written and acknowledges every command.
  void pump(Router& router) {
    auto t = bridge::Clock::time_point{} + std::chrono::hours(1);
    for (int i = 0; i < 50; ++i) {
      auto lines = core.take_batch(t);
      if (lines.empty()) break;
      core.on_write_finished(t);
      for (const auto& l : lines) {
        if (l != "version") router.apply(l);
        core.on_line("done", t);
      }
    }
  }
};

// A random valid configuration: each service owns routes of disjoint (prefix, neighbor) pairs.
Config random_config(std::mt19937& rng) {
  Config c;
  std::set<std::pair<std::string, std::string>> taken;  // (prefix, peer) owned
  int services = 1 + rng() % 3;
  for (int i = 0; i < services; ++i) {
    ServiceConfig s;
    s.name = "svc" + std::to_string(rng() % 3);
    bool dup = false;
    for (const auto& o : c.services) dup = dup || o.name == s.name;
    if (dup) continue;
    int routes = rng() % 3;
    for (int r = 0; r < routes; ++r) {
      RouteConfig rc;
      rc.route.prefix = *bridge::parse_prefix(kPrefixes[rng() % kPrefixes.size()]);
      rc.route.next_hop = *bridge::parse_next_hop(rng() % 2 ? "192.0.2.254" : "192.0.2.253");
      int scope = rng() % 4;  // 0: every peer, 1: first, 2: second, 3: both (either order)
      if (scope == 1 || scope == 3) rc.route.neighbors.push_back(kPeers[0]);
      if (scope == 2 || scope == 3) rc.route.neighbors.push_back(kPeers[1]);
      if (scope == 3 && rng() % 2) std::swap(rc.route.neighbors[0], rc.route.neighbors[1]);
      rc.route.neighbors = bridge::canonical_neighbors(rc.route.neighbors);
      std::vector<std::string> peers = rc.route.neighbors.empty() ? kPeers : rc.route.neighbors;
      bool clash = false;
      for (const auto& p : peers) clash = clash || taken.count({rc.route.prefix.text, p});
      // A route with no neighbors also clashes with any scoped one of its prefix (check-config).
      if (clash) continue;
      for (const auto& p : kPeers) {
        if (rc.route.neighbors.empty() || std::find(peers.begin(), peers.end(), p) != peers.end()) {
          taken.insert({rc.route.prefix.text, p});
        }
      }
      if (rng() % 3 == 0) rc.attributes.med = 100;
      if (rng() % 3 == 0) {
        bridge::Attributes worse;
        worse.med = 1000;
        rc.when_down = worse;
      }
      s.routes.push_back(rc);
    }
    c.services.push_back(s);
  }
  return c;
}

ServiceState random_state(std::mt19937& rng) {
  static const ServiceState states[] = {ServiceState::up,       ServiceState::down,
                                        ServiceState::disabled, ServiceState::rising,
                                        ServiceState::falling,  ServiceState::degraded};
  return states[rng() % std::size(states)];
}

using Ribs = std::map<std::string, std::map<std::string, std::string>>;

// "peer: prefix attrs; ..." for a failure message.
std::string text_of(const Ribs& ribs) {
  std::string out;
  for (const auto& [peer, rib] : ribs) {
    out += peer + ":";
    for (const auto& [prefix, attrs] : rib) out += " " + prefix + attrs + ";";
    out += "  ";
  }
  return out;
}

// What each neighbor must hold: the announce lines' attributes of every route announced.
std::map<std::string, std::map<std::string, std::string>> expected(const Sidecar& sc) {
  Router model;
  for (const auto& s : sc.config.services) {
    auto st = sc.state.at(s.name);
    for (const auto& cmd : commands_for(st, s)) {
      if (cmd.desired != Desired::withdraw && cmd.desired != Desired::none) model.apply(cmd.line);
    }
  }
  for (const auto& p : kPeers) model.rib[p];
  return model.rib;
}

}  // namespace

TEST_CASE("property: configs, reloads, restarts and flaps end with exactly the desired routes") {
  for (unsigned seed = 1; seed <= 3000; ++seed) {
    std::mt19937 rng(seed);
    Router router;
    router.clears_on_down = seed % 2;
    for (const auto& p : kPeers) router.up[p] = true;
    auto sc = std::make_unique<Sidecar>(random_config(rng), "");
    std::vector<std::string> trace;
    int steps = 5 + rng() % 25;
    for (int i = 0; i < steps; ++i) {
      switch (rng() % 6) {
        case 0: {  // SIGHUP with a new configuration
          trace.push_back("reload");
          sc->reload(random_config(rng));
          break;
        }
        case 1: {  // the sidecar restarts (ExaBGP keeps what it holds); maybe a new config
          trace.push_back("restart");  // at any moment: what was not written yet is lost
          auto status = sc->status_text();
          auto config = rng() % 2 ? random_config(rng) : sc->config;
          sc = std::make_unique<Sidecar>(config, status);
          break;
        }
        case 2: {  // a neighbor's session flaps
          const auto& peer = kPeers[rng() % kPeers.size()];
          trace.push_back("flap " + peer);
          router.up[peer] = false;
          sc->core.on_line(state_line(peer, "down"), {});
          if (router.clears_on_down) router.rib[peer].clear();
          sc->pump(router);
          router.up[peer] = true;
          sc->core.on_line(state_line(peer, "up"), {});
          break;
        }
        default: {  // a service changes state
          if (sc->config.services.empty()) break;
          const auto& s = sc->config.services[rng() % sc->config.services.size()];
          auto st = random_state(rng);
          trace.push_back(s.name + " " + std::string(to_string(st)));
          sc->set_state(s.name, st);
          break;
        }
      }
      if (!trace.empty()) router.lines.push_back("# " + trace.back());
      if (rng() % 2) sc->pump(router);  // sometimes several events coalesce in one batch
    }
    // Settle: every service decides, every session is up, the bridge drains.
    for (const auto& s : sc->config.services) {
      if (!sc->state.count(s.name)) sc->set_state(s.name, random_state(rng));
    }
    sc->pump(router);
    for (const auto& p : kPeers) router.rib[p];
    std::string steps_text;
    for (const auto& t : trace) steps_text += t + "; ";
    INFO("seed " << seed << ": " << steps_text);
    std::string applied;
    for (std::size_t i = router.lines.size() > 30 ? router.lines.size() - 30 : 0;
         i < router.lines.size(); ++i) {
      applied += "\n    " + router.lines[i];
    }
    INFO("last lines applied:" << applied);
    INFO("router:   " << text_of(router.rib));
    INFO("expected: " << text_of(expected(*sc)));
    REQUIRE(router.rib == expected(*sc));
    // And once more after a flap of every session: a re-send is exactly the desired state.
    for (const auto& p : kPeers) {
      sc->core.on_line(state_line(p, "down"), {});
      if (router.clears_on_down) router.rib[p].clear();
      sc->core.on_line(state_line(p, "up"), {});
    }
    sc->pump(router);
    REQUIRE(router.rib == expected(*sc));
  }
}
