#include "sidecar/daemon/hook_runner.hpp"

#include "probes/exec_check.hpp"
#include "sidecar/lib/log.hpp"
#include "sidecar/policy/hook_choice.hpp"
#include "sidecar/policy/service_view.hpp"

namespace sidecar {

HookRunner::HookRunner(DaemonContext& ctx, std::string service, Hooks hooks,
                       std::chrono::milliseconds timeout)
    : ctx_(ctx), state_(std::make_shared<State>()) {
  state_->service = std::move(service);
  configure(std::move(hooks), timeout);
}

void HookRunner::configure(Hooks hooks, std::chrono::milliseconds timeout) {
  state_->hooks = std::move(hooks);
  state_->timeout = timeout;
}

void HookRunner::on_transition(const Transition& t) {
  if (hook_for(state_->hooks, t.to).empty()) return;
  if (state_->running) {
    state_->pending = t;
    return;
  }
  state_->running = true;
  ctx_.spawn("hook", run(state_, t));
}

boost::asio::awaitable<void> HookRunner::run(std::shared_ptr<State> state, Transition t) {
  for (;;) {
    auto argv = hook_for(state->hooks, t.to);
    if (argv.empty()) break;
    std::vector<std::pair<std::string, std::string>> env = {
        {"ANYCAST_SIDECAR_SERVICE", state->service},
        {"ANYCAST_SIDECAR_STATE", std::string(to_string(t.to))},
        {"ANYCAST_SIDECAR_PREVIOUS_STATE", std::string(to_string(t.from))},
        {"ANYCAST_SIDECAR_REASON", t.reason}};
    auto outcome = co_await probes::run_process(argv, state->timeout, env);
    bool ok = outcome.started && !outcome.timed_out && outcome.exit_status == 0;
    log::write(ok ? log::Level::info : log::Level::warning, "hook",
               {{"service", state->service},
                {"state", std::string(to_string(t.to))},
                {"program", argv.front()},
                {"ok", ok ? "true" : "false"},
                {"detail", outcome.detail}});
    if (!state->pending) break;
    t = *state->pending;
    state->pending.reset();
  }
  state->running = false;
}

}  // namespace sidecar
