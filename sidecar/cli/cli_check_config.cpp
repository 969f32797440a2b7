#include "sidecar/cli/cli_check_config.hpp"

#include <cstdio>

#include "sidecar/cli/as_user.hpp"
#include "sidecar/cli/cli_util.hpp"
#include "sidecar/config/config.hpp"
#include "sidecar/lib/printable.hpp"

namespace sidecar {

namespace {
constexpr const char* kUsage =
    "usage: anycast-sidecar check-config [--config FILE] [--as-user USER]\n"
    "Validates a configuration: exit 0 valid, 1 invalid (one line per problem, naming the field),\n"
    "3 bad usage. Also checks this machine: the folders exist, the exec checks' programs, and\n"
    "that USER can write the status, metrics and maintenance folders (default: exabgp, the\n"
    "packaged unit's User=, for /etc/anycast-sidecar/sidecar.json; nobody for other files).\n"
    "--config defaults to /etc/anycast-sidecar/sidecar.json.\n"
    "Use it before deploying (e.g. ExecStartPre= in the unit): a sidecar that exits on a bad\n"
    "config makes ExaBGP respawn it, and ExaBGP gives up after 5 deaths in 64 s.\n";
}

int run_check_config_command(const std::vector<std::string>& args) {
  auto a = parse_args(args, {"--config", "--as-user"}, {"--help"});
  if (a.has("--help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!a.error.empty()) return usage_error("check-config", a.error, kUsage);
  if (!a.positional.empty())
    return usage_error("check-config", "unexpected " + a.positional[0], kUsage);
  const auto path = config_path_of(a);
  auto result = load_config_file(path);
  // A valid text can still fail on this machine (missing status folder, an exec check naming a
  // folder): check-config says so now rather than `run` under ExaBGP later.
  if (result.config) {
    result.problems = host_problems(*result.config);
    // The packaged configuration is the daemon's: its user must write the folders (root, who
    // usually runs this, always can). Another file is checked as a user only when asked.
    auto user = a.value("--as-user");
    if (!user && path == kDefaultConfigPath) user = kDaemonUser;
    if (user) {
      std::string note;
      for (auto& p : unwritable_folders(*result.config, *user, &note)) {
        result.problems.push_back(std::move(p));
      }
      if (!note.empty()) std::fprintf(stderr, "check-config: %s\n", note.c_str());
    }
    if (!result.problems.empty()) result.config.reset();
  }
  if (!result.config) {
    // The count goes to stderr so stdout stays exactly one line per problem (scripts grep it).
    std::fprintf(stderr, "%s: %zu problem%s\n", text::printable(path, 300).c_str(),
                 result.problems.size(), result.problems.size() == 1 ? "" : "s");
    for (const auto& p : result.problems) std::printf("%s\n", shown(p).c_str());
    return 1;
  }
  std::size_t checks = 0, routes = 0;
  for (const auto& s : result.config->services) {
    checks += s.checks.size();
    routes += s.routes.size();
  }
  std::printf("config OK: %zu service%s, %zu check%s, %zu route%s\n",
              result.config->services.size(), result.config->services.size() == 1 ? "" : "s",
              checks, checks == 1 ? "" : "s", routes, routes == 1 ? "" : "s");
  return 0;
}

}  // namespace sidecar
