#include "sidecar/policy/hook_choice.hpp"

namespace sidecar {

const std::vector<std::string>& hook_for(const Hooks& hooks, ServiceState state) {
  static const std::vector<std::string> none;
  switch (state) {
    case ServiceState::up:
      return hooks.on_up;
    case ServiceState::down:
      return hooks.on_down;
    case ServiceState::disabled:
      return hooks.on_disabled;
    case ServiceState::degraded:
      return hooks.on_degraded;
    default:
      return none;
  }
}

}  // namespace sidecar
