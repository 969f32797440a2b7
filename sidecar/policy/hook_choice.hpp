#pragma once
// Which hook runs when a service enters a state: a decision, kept apart from the runner that
// starts the process (sidecar/daemon/hook_runner.cpp).
#include <string>
#include <vector>

#include "sidecar/config/config.hpp"
#include "sidecar/policy/state_machine.hpp"

namespace sidecar {

// The hook configured for entering `state` (empty: none).
const std::vector<std::string>& hook_for(const Hooks& hooks, ServiceState state);

}  // namespace sidecar
