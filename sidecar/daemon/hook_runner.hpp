#pragma once
// A service's transition hooks (on_up, on_down, on_disabled): one hook process at a time per
// service; while one runs, only the latest transition waits (older ones are stale news).
#include <memory>
#include <optional>
#include <string>

#include "sidecar/config/config.hpp"
#include "sidecar/daemon/daemon_context.hpp"
#include "sidecar/policy/state_machine.hpp"

namespace sidecar {

class HookRunner {
 public:
  HookRunner(DaemonContext& ctx, std::string service, Hooks hooks,
             std::chrono::milliseconds timeout);
  // A reload's new hooks apply from the next hook started.
  void configure(Hooks hooks, std::chrono::milliseconds timeout);
  void on_transition(const Transition& transition);

 private:
  // Lives as long as its hook process, even when a reload drops the service meanwhile.
  struct State {
    std::string service;
    Hooks hooks;
    std::chrono::milliseconds timeout{5000};
    bool running = false;
    std::optional<Transition> pending;
  };
  static boost::asio::awaitable<void> run(std::shared_ptr<State> state, Transition t);

  DaemonContext& ctx_;
  std::shared_ptr<State> state_;
};

}  // namespace sidecar
