#include "sidecar/cli/cli_fleet.hpp"

#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <syslog.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "sidecar/cli/cli_util.hpp"
#include "sidecar/fleet/fleet_table.hpp"
#include "sidecar/lib/clock.hpp"
#include "sidecar/lib/json_text.hpp"
#include "sidecar/lib/log.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/status/fleet_hint.hpp"

namespace sidecar {

namespace asio = boost::asio;

namespace {

constexpr const char* kUsage =
    "usage: anycast-sidecar fleet [--config FILE] [--json]\n"
    "       anycast-sidecar fleet release NODE --reason TEXT [--config FILE]\n"
    "       anycast-sidecar fleet forget NODE --reason TEXT [--config FILE]\n"
    "The fleet as etcd holds it: every node, its services' state, who is out of service and who\n"
    "holds a maintenance slot. Exit 0 every node in service; 1 some out, within max_unavailable;\n"
    "2 the fleet unreachable, a verification failed or more out than the budget; 3 unknown.\n"
    "release frees the slot NODE holds (a node that died holding it keeps it until then);\n"
    "forget removes a node for good (until then a node whose presence expired counts as out).\n"
    "Both are logged with the reason; exit 0 done, 1 nothing to do, 2 refused, 75 etcd\n"
    "unreachable (nothing changed).\n";

// Runs one fleet operation on a client of its own; a configuration that cannot make a client
// (an unreadable password file) is an error outcome like an unreachable etcd.
FleetOutcome run_op(const FleetConfig& fleet,
                    std::function<asio::awaitable<FleetOutcome>(etcd::Client&)> op) {
  auto options = etcd::client_options(fleet);
  if (auto e = etcd::error_of(options)) return {FleetOutcome::Kind::error, *e};
  asio::io_context io(1);
  etcd::Client client(io, std::get<etcd::ClientOptions>(options));
  return run_to_end(io, op(client));
}

FleetRead read_once(const FleetConfig& fleet) {
  auto options = etcd::client_options(fleet);
  if (auto e = etcd::error_of(options)) return FleetRead{std::nullopt, 0, *e};
  asio::io_context io(1);
  etcd::Client client(io, std::get<etcd::ClientOptions>(options));
  return run_to_end(io, read_fleet(client, fleet.prefix));
}

std::string who_am_i() {
  if (const char* sudo = std::getenv("SUDO_USER")) return text::printable(sudo, 64);
  if (const char* user = std::getenv("USER")) return text::printable(user, 64);
  return "uid " + std::to_string(::getuid());
}

// An operator's override goes to the journal too: who, what, why, whatever the terminal keeps.
void audit(const std::string& action, const std::string& node, const std::string& reason,
           const FleetOutcome& outcome) {
  log::notice(
      "fleet_" + action,
      {{"node", node}, {"reason", reason}, {"by", who_am_i()}, {"detail", outcome.message}});
  ::openlog("anycast-sidecar", LOG_PID, LOG_DAEMON);
  ::syslog(LOG_NOTICE, "fleet %s %s by %s, reason: %s: %s", action.c_str(), node.c_str(),
           who_am_i().c_str(), text::printable(reason, 300).c_str(), outcome.message.c_str());
  ::closelog();
}

int show_fleet(const Config& config, bool as_json) {
  const auto& fleet = *config.fleet;
  auto read = read_once(fleet);
  fleet::TableInput input{fleet.prefix, fleet.max_unavailable, unix_now()};
  auto table = read.view ? fleet::fleet_table(*read.view, input)
                         : fleet::unreachable_table(input, read.error);
  if (as_json) {
    std::printf("%s\n", dump_json(table.json, 2).c_str());
  } else {
    for (const auto& line : table.lines) std::printf("%s\n", line.c_str());
  }
  return table.exit_code;
}

int release_or_forget(const Config& config, const std::string& action, const std::string& node,
                      const std::string& reason) {
  const auto& fleet = *config.fleet;
  auto outcome = run_op(fleet, [&](etcd::Client& c) -> asio::awaitable<FleetOutcome> {
    if (action == "release") co_return co_await release_slot(c, fleet.prefix, node);
    co_return co_await forget_member(c, fleet.prefix, node);
  });
  switch (outcome.kind) {
    case FleetOutcome::Kind::done:
    case FleetOutcome::Kind::already:
      audit(action, node, reason, outcome);
      std::printf("%s\n", outcome.message.c_str());
      return 0;
    case FleetOutcome::Kind::not_found:
      std::printf("%s\n", outcome.message.c_str());
      return 1;
    case FleetOutcome::Kind::refused:
      std::fprintf(stderr, "anycast-sidecar fleet %s: %s\n", action.c_str(),
                   outcome.message.c_str());
      return 2;
    case FleetOutcome::Kind::error:
      break;
  }
  std::fprintf(
      stderr, "anycast-sidecar fleet %s: the fleet is unreachable (%s); nothing changed; %s\n",
      action.c_str(), outcome.message.c_str(), sidecar::fleet_next_step(outcome.message).c_str());
  return kExitTempFail;
}

}  // namespace

FleetOutcome fleet_take_slot(const FleetConfig& fleet, const std::string& reason) {
  return run_op(fleet, [&](etcd::Client& c) { return take_slot(c, fleet, reason); });
}

FleetOutcome fleet_release_slot(const FleetConfig& fleet, const std::string& node) {
  return run_op(fleet, [&](etcd::Client& c) { return release_slot(c, fleet.prefix, node); });
}

int run_fleet_command(const std::vector<std::string>& args) {
  auto a = parse_args(args, {"--config", "--reason"}, {"--help", "--json"});
  if (a.has("--help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!a.error.empty()) return usage_error("fleet", a.error, kUsage);
  const bool show = a.positional.empty();
  if (!show && !((a.positional[0] == "release" || a.positional[0] == "forget") &&
                 a.positional.size() == 2)) {
    return usage_error("fleet", "say nothing, or release NODE, or forget NODE", kUsage);
  }
  if (!show && (!a.value("--reason") || a.value("--reason")->empty())) {
    return usage_error("fleet", a.positional[0] + " needs --reason TEXT (it is logged)", kUsage);
  }
  auto path = a.value("--config").value_or(kDefaultConfigPath);
  auto loaded = load_config_file(path);
  if (!loaded.config) {
    std::printf("UNKNOWN: %s is invalid (%s); run check-config\n", path.c_str(),
                loaded.problems.empty() ? "" : loaded.problems[0].c_str());
    return 3;
  }
  if (!loaded.config->fleet) {
    std::printf("UNKNOWN: %s has no fleet block: this node is not part of a fleet\n", path.c_str());
    return 3;
  }
  if (show) return show_fleet(*loaded.config, a.has("--json"));
  return release_or_forget(*loaded.config, a.positional[0], a.positional[1], *a.value("--reason"));
}

}  // namespace sidecar
