// `anycast-sidecar run --config FILE`: arguments, the standard descriptors, the configuration,
// then the daemon. An invalid configuration under ExaBGP does not end the process: ExaBGP shuts
// itself (and every BGP session of the node) down after 5 child deaths in 64 s, so a crash loop
// must never be how a node fails. The daemon then runs announcing nothing, shows the problems in
// the status file (`config_error`) and retries on SIGHUP. On a terminal it still exits 1.
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "sidecar/cli/cli_run.hpp"
#include "sidecar/cli/cli_util.hpp"
#include "sidecar/config/config.hpp"
#include "sidecar/daemon/daemon.hpp"
#include "sidecar/lib/limits.hpp"
#include "sidecar/lib/log.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/lib/regular_file.hpp"

namespace sidecar {
namespace {

constexpr const char* kRunHelp =
    "usage: anycast-sidecar run [--config FILE]   (default /etc/anycast-sidecar/sidecar.json)\n"
    "\n"
    "The daemon, started by ExaBGP's `process` directive. Reads ExaBGP's messages on stdin,\n"
    "writes API commands on stdout, logs on stderr, writes the status file.\n"
    "Signals: SIGTERM/SIGINT withdraw announced routes and exit 0; SIGHUP reloads the\n"
    "configuration (an invalid one is logged and the old one kept). EOF on stdin exits 0.\n";

// A closed stdin, stdout or stderr would be taken by the next file opened (a status file, a
// socket) and ExaBGP commands or logs would land in it: hold each closed one on /dev/null.
void hold_standard_descriptors() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1) continue;
    int null = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (null >= 0 && null != fd) {
      ::dup2(null, fd);
      ::close(null);
    }
  }
}

}  // namespace

int run_daemon_command(const std::vector<std::string>& args) {
  std::string config_path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::fputs(kRunHelp, stdout);  // only on request, never under ExaBGP
      return 0;
    }
    if (args[i] == "--config" && i + 1 < args.size()) {
      config_path = args[++i];
    } else if (args[i].rfind("--config=", 0) == 0) {
      config_path = args[i].substr(9);
    } else {
      std::fprintf(stderr, "anycast-sidecar run: unexpected argument '%s'\n%s",
                   shown(args[i]).c_str(), kRunHelp);
      return 3;
    }
  }
  if (config_path.empty()) config_path = kDefaultConfigPath;
  hold_standard_descriptors();
  auto result = load_config_file(config_path);
  if (!result.config && !::isatty(STDIN_FILENO)) {
    // Under ExaBGP: stay up, announce nothing, say why (contract: "A bad input never takes the
    // node's ExaBGP down").
    std::signal(SIGPIPE, SIG_IGN);
    log::init_nonblocking_stderr();
    Config fallback;
    auto file = read_regular_file(config_path, kMaxConfigBytes);
    fallback.status_file = best_effort_status_file(file.text.value_or(""));
    return run_daemon(config_path, std::move(fallback), std::move(result.problems));
  }
  if (!result.config) {
    // stdout belongs to ExaBGP: problems go to stderr only.
    std::fprintf(stderr, "anycast-sidecar: invalid configuration %s (%zu problem%s):\n",
                 shown(config_path).c_str(), result.problems.size(),
                 result.problems.size() == 1 ? "" : "s");
    for (const auto& p : result.problems) std::fprintf(stderr, "  %s\n", shown(p).c_str());
    std::fprintf(stderr, "fix it and check with: anycast-sidecar check-config --config %s\n",
                 shown(config_path).c_str());
    return 1;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe to ExaBGP is EPIPE (bridge gone), not death
  log::init_nonblocking_stderr();
  log::Level level;
  if (log::parse_level(result.config->log_level, &level)) log::set_level(level);
  return run_daemon(config_path, std::move(*result.config), {});
}

}  // namespace sidecar
