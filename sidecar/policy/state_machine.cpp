#include "sidecar/policy/state_machine.hpp"

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
  return text::name_of(kServiceStateNames, state, "init");
}

bool wants_fast_interval(ServiceState state) {
  return state == ServiceState::init || state == ServiceState::rising ||
         state == ServiceState::falling;
}

bool wants_fast_interval(const Machine& m) {
  if (wants_fast_interval(m.state)) return true;
  if (m.state == ServiceState::up) return m.degraded_rounds > 0;
  if (m.state == ServiceState::degraded) return m.failures > 0 || m.clean_rounds > 0;
  return false;
}

Step step(const Machine& current, const Observation& obs, const MachineParams& params) {
  Step out{current, std::nullopt};
  Machine& m = out.next;
  const bool was_announced = current.state == ServiceState::up ||
                             current.state == ServiceState::falling ||
                             current.state == ServiceState::degraded;
  auto go = [&](ServiceState to, std::string reason) {
    out.transition = Transition{current.state, to, std::move(reason)};
    m.state = to;
    m.since = obs.now;
    m.degraded_rounds = 0;
    m.clean_rounds = 0;
    if (to == ServiceState::up || (to == ServiceState::degraded && !was_announced)) {
      m.last_up = obs.now;
    }
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
  // An announce after a withdraw waits out the hold-down since the last one; the first never waits.
  auto may_go_up = [&] {
    return params.hold_down.count() == 0 || !m.last_up || obs.now - *m.last_up >= params.hold_down;
  };
  const char* leaving = m.state == ServiceState::disabled ? "maintenance ended, " : "";
  // Announcing after a withdraw: into DEGRADED when this round is degraded, else UP.
  auto announce = [&](std::string reason) {
    if (obs.degraded) {
      go(ServiceState::degraded, reason + ", degraded: " + obs.reason);
    } else {
      go(ServiceState::up, std::move(reason));
    }
  };

  if (obs.healthy) {
    m.failures = 0;
    switch (from) {
      case ServiceState::init:
      case ServiceState::down:
        m.successes = 1;
        if (params.rise <= 1 && may_go_up()) {
          announce(leaving + successes(1));
        } else {
          go(ServiceState::rising, leaving + successes(1));
        }
        break;
      case ServiceState::rising:
        if (m.successes < params.rise) ++m.successes;
        if (m.successes >= params.rise && may_go_up()) announce(successes(m.successes));
        break;
      case ServiceState::falling:
        m.successes = 1;
        go(ServiceState::up, "recovered after " + failures(current.failures, ""));
        // A degraded recovery is the first of the `fall` degraded rounds UP counts.
        if (obs.degraded) m.degraded_rounds = 1;
        break;
      case ServiceState::up:
        ++m.successes;
        if (!obs.degraded) {
          m.degraded_rounds = 0;
        } else if (++m.degraded_rounds >= params.fall) {
          int n = m.degraded_rounds;
          go(ServiceState::degraded, std::to_string(n) +
                                         (n == 1 ? " degraded round: " : " degraded rounds: ") +
                                         obs.reason);
        }
        break;
      case ServiceState::degraded:
        ++m.successes;
        if (obs.degraded) {
          m.clean_rounds = 0;
        } else if (++m.clean_rounds >= params.rise) {
          go(ServiceState::up, successes(m.clean_rounds) + " with every degrade check passing");
        }
        break;
      case ServiceState::disabled:
        ++m.successes;
        break;
    }
  } else {
    m.successes = 0;
    m.degraded_rounds = 0;
    m.clean_rounds = 0;
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
      case ServiceState::degraded:
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
