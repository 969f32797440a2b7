#pragma once
// An exec check: a program and its arguments (no shell) run on the loop with Boost.Process,
// killed at its deadline; ok = exit status 0; the first line of its output is the detail.
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/awaitable.hpp>

#include "probes/check.hpp"

namespace probes {

boost::asio::awaitable<CheckResult> run_exec_check(const ExecCheck& check);

}  // namespace probes

namespace probes {

struct ProcessOutcome {
  bool started = false;    // false: could not start (detail says why: not found, permission)
  bool timed_out = false;  // killed at the deadline
  int exit_status = -1;    // when it exited
  int signal = 0;          // when killed by a signal
  std::string first_line;  // first line of stdout+stderr, trimmed, at most 200 bytes
  std::string detail;      // human summary
  double elapsed_ms = 0.0;
};

// Runs argv (no shell), with extra environment variables added to the inherited environment,
// reading at most a small bounded amount of output; kills it (SIGKILL) at the deadline.
// Shared by exec checks and by the daemon's on_up/on_down/on_disabled hooks.
boost::asio::awaitable<ProcessOutcome> run_process(
    const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
    const std::vector<std::pair<std::string, std::string>>& extra_env = {});

}  // namespace probes
