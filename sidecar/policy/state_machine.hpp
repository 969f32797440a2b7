#pragma once
// The per-service rise/fall state machine, pure: a value in, a value out. Names follow ExaBGP's
// own healthcheck (INIT, RISING, UP, FALLING, DOWN, DISABLED) so operators recognise them, plus
// DEGRADED (deploy/docs/design.md, "Degraded"): healthy by the down checks, but a degrade check
// fails.
//
// DEGRADED rules: UP becomes DEGRADED after `fall` consecutive degraded rounds and DEGRADED
// becomes UP after `rise` consecutive clean ones. A failing round (the down checks' policy does
// not hold) always wins: from DEGRADED, `fall` consecutive failing rounds go to DOWN, counted in
// DEGRADED itself (no FALLING in between, so the route keeps its degraded attributes and does not
// flap back to the normal ones on its way out). RISING (and INIT with rise 1) announces into
// DEGRADED instead of UP when the round that completes `rise` is degraded. The hold-down gates
// only announcements after a withdraw (into UP or DEGRADED from INIT/RISING/DOWN); UP <->
// DEGRADED changes attributes of a route already announced and is never delayed.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "sidecar/lib/clock.hpp"
#include "sidecar/lib/enum_names.hpp"

namespace sidecar {

enum class ServiceState { init, rising, up, falling, down, disabled, degraded };
inline constexpr text::EnumName<ServiceState> kServiceStateNames[] = {
    {ServiceState::init, "init"},
    {ServiceState::rising, "rising"},
    {ServiceState::up, "up"},
    {ServiceState::falling, "falling"},
    {ServiceState::down, "down"},
    {ServiceState::disabled, "disabled"},
    {ServiceState::degraded, "degraded"}};
std::string_view to_string(ServiceState state);

struct MachineParams {
  int rise = 3;
  int fall = 3;
  std::chrono::milliseconds hold_down{5000};
};

struct Machine {
  ServiceState state = ServiceState::init;
  int successes = 0;        // consecutive healthy observations in the current run
  int failures = 0;         // consecutive unhealthy observations in the current run
  int degraded_rounds = 0;  // UP: consecutive degraded observations (toward DEGRADED)
  int clean_rounds = 0;     // DEGRADED: consecutive clean observations (toward UP)
  Clock::time_point since{};
  // Last transition into UP, or into DEGRADED from a withdrawn state (for hold-down).
  std::optional<Clock::time_point> last_up;
  // Still on the first way up since the sidecar started (INIT, then RISING): nothing this
  // instance decided has been sent yet. Cleared by any transition elsewhere (DOWN, DISABLED...).
  bool fresh = true;
};

struct Observation {
  bool healthy = false;      // the policy's verdict over this round's checks
  bool maintenance = false;  // the maintenance file exists
  std::string reason;        // why unhealthy (e.g. "local-zone: connection_refused"), for logs
  Clock::time_point now{};
  bool degraded = false;  // healthy, but a degrade check failed (reason names it); see above
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
// The same, plus while a degraded change or a failure is being counted in UP or DEGRADED: the
// usual withdraw window (fall x fast_interval) holds in DEGRADED too.
bool wants_fast_interval(const Machine& machine);

}  // namespace sidecar
