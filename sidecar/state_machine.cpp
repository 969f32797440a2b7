#include "sidecar/state_machine.hpp"

#include <cstdio>

namespace sidecar {
namespace {

std::string successes(int n) {
  return n == 1 ? "1 success" : std::to_string(n) + " successes";
}
std::string failures(int n, const std::string& why) {
  std::string s = n == 1 ? "1 failure" : std::to_string(n) + " failures";
  return why.empty() ? s : s + ": " + why;
}

}  // namespace

std::string_view to_string(ServiceState state) {
  switch (state) {
    case ServiceState::init:
      return "init";
    case ServiceState::rising:
      return "rising";
    case ServiceState::up:
      return "up";
    case ServiceState::falling:
      return "falling";
    case ServiceState::down:
      return "down";
    case ServiceState::disabled:
      return "disabled";
  }
  return "init";
}

bool wants_fast_interval(ServiceState state) {
  return state == ServiceState::init || state == ServiceState::rising ||
         state == ServiceState::falling;
}

Step step(const Machine& current, const Observation& obs, const MachineParams& params) {
  Step out{current, std::nullopt};
  Machine& m = out.next;
  auto go = [&](ServiceState to, std::string reason) {
    out.transition = Transition{current.state, to, std::move(reason)};
    m.state = to;
    m.since = obs.now;
    if (to == ServiceState::up) m.last_up = obs.now;
    if (to != ServiceState::init && to != ServiceState::rising) m.fresh = false;
  };

  if (obs.maintenance) {
    if (m.state != ServiceState::disabled) {
      m.successes = m.failures = 0;
      go(ServiceState::disabled,
         "maintenance" + (obs.reason.empty() ? std::string() : ": " + obs.reason));
    }
    return out;
  }

  // Leaving maintenance starts over as after a restart: health must be proven again.
  ServiceState from = m.state == ServiceState::disabled ? ServiceState::init : m.state;
  // An announce (into UP) waits out the hold-down since the last one; the first never waits.
  auto may_go_up = [&] {
    return params.hold_down.count() == 0 || !m.last_up || obs.now - *m.last_up >= params.hold_down;
  };
  const char* leaving = m.state == ServiceState::disabled ? "maintenance ended, " : "";

  if (obs.healthy) {
    m.failures = 0;
    switch (from) {
      case ServiceState::init:
      case ServiceState::down:
        m.successes = 1;
        if (params.rise <= 1 && may_go_up()) {
          go(ServiceState::up, leaving + successes(1));
        } else {
          go(ServiceState::rising, leaving + successes(1));
        }
        break;
      case ServiceState::rising:
        if (m.successes < params.rise) ++m.successes;
        if (m.successes >= params.rise && may_go_up()) go(ServiceState::up, successes(m.successes));
        break;
      case ServiceState::falling:
        m.successes = 1;
        go(ServiceState::up, "recovered after " + failures(current.failures, ""));
        break;
      case ServiceState::up:
      case ServiceState::disabled:
        ++m.successes;
        break;
    }
  } else {
    m.successes = 0;
    switch (from) {
      case ServiceState::init:
      case ServiceState::rising:
        // Never proven healthy (or not yet): nothing to protect, withdraw at once.
        m.failures = 1;
        go(ServiceState::down, leaving + failures(1, obs.reason));
        break;
      case ServiceState::up:
        m.failures = 1;
        if (params.fall <= 1) {
          go(ServiceState::down, failures(1, obs.reason));
        } else {
          go(ServiceState::falling, failures(1, obs.reason));
        }
        break;
      case ServiceState::falling:
        ++m.failures;
        if (m.failures >= params.fall) go(ServiceState::down, failures(m.failures, obs.reason));
        break;
      case ServiceState::down:
      case ServiceState::disabled:
        ++m.failures;
        break;
    }
  }
  return out;
}

}  // namespace sidecar
