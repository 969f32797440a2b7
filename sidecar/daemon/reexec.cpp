#include "sidecar/daemon/reexec.hpp"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "sidecar/lib/log.hpp"

namespace sidecar {

void reexec_self(const std::string& config_path) {
  // The new image starts with default dispositions for handled signals but inherits the mask:
  // make sure nothing we blocked stays blocked there.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  std::string arg0 = "anycast-sidecar", run = "run", flag = "--config";
  std::string path = config_path;
  char* argv[] = {arg0.data(), run.data(), flag.data(), path.data(), nullptr};
  ::execv("/proc/self/exe", argv);
  log::error("reexec_failed",
             {{"detail", std::string("exec of /proc/self/exe failed: ") + std::strerror(errno) +
                             "; still announcing nothing: restart the sidecar"}});
}

}  // namespace sidecar
