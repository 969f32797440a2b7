// anycast-sidecar: dispatches to the operator commands (anycast-sidecar(8) describes them).
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/cli/cli_check_config.hpp"
#include "sidecar/cli/cli_fleet.hpp"
#include "sidecar/cli/cli_maintenance.hpp"
#include "sidecar/cli/cli_run.hpp"
#include "sidecar/cli/cli_signal.hpp"
#include "sidecar/cli/cli_status.hpp"
#include "sidecar/cli/probe_cli.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/lib/version.hpp"

namespace {

constexpr const char* kHelp =
    "usage: anycast-sidecar COMMAND [OPTIONS]\n"
    "\n"
    "Health-checks the local DNS resolver with real queries and announces or withdraws its\n"
    "anycast routes through ExaBGP's process API.\n"
    "\n"
    "commands:\n"
    "  run [--config FILE]           the daemon (ExaBGP's `process` child)\n"
    "  probe @SERVER[:PORT] NAME [TYPE] [options]\n"
    "                                query a resolver like dig and name the failure's cause\n"
    "  probe [--config FILE] [--service NAME]\n"
    "                                run every configured check once, as the daemon judges it\n"
    "  status [--config FILE | --status-file FILE] [--json] [--max-age SECONDS]\n"
    "                                what the daemon sees, with a monitoring exit code\n"
    "  check-config [--config FILE] [--as-user USER]\n"
    "                                validate a configuration, and this machine for USER\n"
    "  maintenance on|off|show [--config FILE] [--service NAME] [--reason TEXT]\n"
    "                                take a service out of (or back into) anycast\n"
    "  reload [--config FILE]        SIGHUP the running daemon, report accepted or rejected\n"
    "  restart [--config FILE]       restart the daemon without withdrawing (SIGKILL by pid;\n"
    "                                ExaBGP respawns it)\n"
    "  fleet [--config FILE] [--json] | fleet release|forget NODE --reason TEXT\n"
    "                                the fleet in etcd: who is out, who holds slots\n"
    "  help                          this text; every command takes --help\n"
    "\n"
    "--config FILE defaults to /etc/anycast-sidecar/sidecar.json (the packaged unit's).\n"
    "exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (bad usage, unreadable input);\n"
    "            75 a fleet slot refused or etcd unreachable (maintenance on, fleet release)\n";

int dispatch(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] == "help" || argv[0] == "--help" || argv[0] == "-h") {
    std::fputs(kHelp, stdout);
    return argv.empty() ? 3 : 0;
  }
  if (argv[0] == "--version" || argv[0] == "version") {
    std::printf("anycast-sidecar %s\n", sidecar::kVersion);
    return 0;
  }
  std::vector<std::string> rest(argv.begin() + 1, argv.end());
  const std::string& cmd = argv[0];
  if (cmd == "run") return sidecar::run_daemon_command(rest);
  if (cmd == "probe") return sidecar::run_probe_command(rest);
  if (cmd == "status") return sidecar::run_status_command(rest);
  if (cmd == "check-config") return sidecar::run_check_config_command(rest);
  if (cmd == "maintenance") return sidecar::run_maintenance_command(rest);
  if (cmd == "fleet") return sidecar::run_fleet_command(rest);
  if (cmd == "reload") return sidecar::run_reload_command(rest);
  if (cmd == "restart") return sidecar::run_restart_command(rest);
  std::fprintf(stderr, "anycast-sidecar: unknown command '%s'\n\n%s",
               text::printable(cmd, 80).c_str(), kHelp);
  return 3;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return dispatch(args);
  } catch (const std::exception& e) {
    // Expected failures are handled where they happen; this is the last line of defence.
    std::fprintf(stderr, "anycast-sidecar: internal error: %s\n",
                 text::printable(e.what(), 2000).c_str());
    return 3;
  }
}
