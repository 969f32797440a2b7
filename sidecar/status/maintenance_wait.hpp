#pragma once
// `maintenance on --wait`: returns once the daemon has applied when_disabled to every route of
// the selected services and ExaBGP has acknowledged it, so that what comes next (stopping the
// resolver for an upgrade) costs no query. The judgement is pure; the wait polls the status file.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sidecar/config/config.hpp"

namespace sidecar {

struct DrainProgress {
  bool done = false;
  std::string waiting_for;  // what is not there yet, for the timeout message
};

// When and by whom the file must have been written to be believed: after the request, by a
// live daemon, with a heartbeat that `status` would call fresh (not older than max_age_s, not in
// the future). A dead daemon's last file, or one dated ahead by a clock stepped back, says
// nothing about what the router holds now.
struct DrainClock {
  double since_unix = 0;  // the maintenance file appeared then
  double now_unix = 0;
  double max_age_s = 5;
  std::function<bool(long pid)> pid_alive;  // kill(pid, 0) in the command; a fake in tests
};

// Whether `status` (from read_status_file) shows every service named in `services` disabled,
// with its when_disabled state acknowledged by ExaBGP, in a believable file (DrainClock) whose
// bridge is ok.
DrainProgress drain_progress(const nlohmann::json& status, const std::vector<std::string>& services,
                             const DrainClock& clock);

// `maintenance off --verify`, after the maintenance file is gone: whether every service named is
// in service again (not disabled, down or rising) with its announcement acknowledged by ExaBGP,
// in a believable file (DrainClock) whose bridge is ok.
DrainProgress return_progress(const nlohmann::json& status,
                              const std::vector<std::string>& services, const DrainClock& clock);

// Polls the configured status file every 50 ms until drain_progress is done (returns 0) or the
// timeout passes (prints what it waited for, returns 2).
int wait_for_drain(const Config& config, const std::vector<std::string>& services,
                   double since_unix, std::chrono::milliseconds timeout);
// The same for return_progress.
int wait_for_return(const Config& config, const std::vector<std::string>& services,
                    double since_unix, std::chrono::milliseconds timeout);

}  // namespace sidecar
