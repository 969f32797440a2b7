#pragma once
// The per-service rise/fall state machine, pure: a value in, a value out. Names follow ExaBGP's
// own healthcheck (INIT, RISING, UP, FALLING, DOWN, DISABLED) so operators recognise them.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sidecar {

using Clock = std::chrono::steady_clock;

enum class ServiceState { init, rising, up, falling, down, disabled };
std::string_view to_string(ServiceState state);

struct MachineParams {
  int rise = 3;
  int fall = 3;
  std::chrono::milliseconds hold_down{5000};
};

struct Machine {
  ServiceState state = ServiceState::init;
  int successes = 0;  // consecutive healthy observations in the current run
  int failures = 0;   // consecutive unhealthy observations in the current run
  Clock::time_point since{};
  std::optional<Clock::time_point> last_up;  // last transition into UP (for hold-down)
  // Still on the first way up since the sidecar started (INIT, then RISING): nothing this
  // instance decided has been sent yet. Cleared by any transition elsewhere (DOWN, DISABLED...).
  bool fresh = true;
};

struct Observation {
  bool healthy = false;      // the policy's verdict over this round's checks
  bool maintenance = false;  // the maintenance file exists
  std::string reason;        // why unhealthy (e.g. "local-zone: connection_refused"), for logs
  Clock::time_point now{};
};

struct Transition {
  ServiceState from, to;
  std::string reason;  // e.g. "3 successes", "1 failure: local-zone connection_refused"
};

struct Step {
  Machine next;
  std::optional<Transition> transition;
};

Step step(const Machine& current, const Observation& observation, const MachineParams& params);

// Whether the service should be probed at fast_interval (while rising or falling, and in INIT).
bool wants_fast_interval(ServiceState state);

}  // namespace sidecar
