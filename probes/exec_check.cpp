// exec checks and hooks: Boost.Process on the caller's io_context. The child's exit is noticed
// through Boost.Process' SIGCHLD handling on the loop (on_exit), never by a blocking wait; its
// output is read through a pipe, only the first line is kept; at the deadline it gets SIGKILL.
#include "probes/exec_check.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/process.hpp>
#include <boost/process/async.hpp>
#include <chrono>

namespace probes {
namespace asio = boost::asio;
namespace bp = boost::process;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kKeep = 200;  // bytes of output kept for the detail line

struct Run {
  explicit Run(asio::io_context& io) : pipe(io), done(io), deadline(io), grace(io), poll(io) {}
  bp::async_pipe pipe;
  asio::steady_timer done;      // cancelled when exited and output finished
  asio::steady_timer deadline;  // kills the child
  asio::steady_timer grace;     // a grandchild may keep the pipe open after the child exits
  asio::steady_timer poll;      // catches an exit whose SIGCHLD Boost.Process missed
  std::string output;
  bool exited = false, eof = false, timed_out = false;
  int native_status = 0;
  void maybe_done() {
    if (exited && eof) done.cancel();
  }
  // Called by on_exit or by the poll, whichever notices first (the other is then a no-op).
  static void on_exited(const std::shared_ptr<Run>& run) {
    if (run->exited) return;
    run->exited = true;
    run->deadline.cancel();
    run->poll.cancel();
    // Give the pipe a moment to drain, then stop waiting for grandchildren.
    run->grace.expires_after(std::chrono::milliseconds(100));
    run->grace.async_wait([run](const boost::system::error_code& ec) {
      if (ec) return;
      boost::system::error_code ignored;
      run->pipe.close(ignored);
    });
    run->maybe_done();
  }
};

// Boost.Process 1.74 registers its SIGCHLD handler lazily; a child that exits in that window
// is only noticed at the next SIGCHLD. child::running() is a WNOHANG wait that records the
// status, so polling it now and then bounds that delay without ever blocking.
asio::awaitable<void> poll_exit(std::shared_ptr<Run> run, bp::child* child) {
  while (!run->exited) {
    run->poll.expires_after(std::chrono::milliseconds(50));
    boost::system::error_code ec;
    co_await run->poll.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec || run->exited) co_return;  // child may be gone: touch it only while not exited
    std::error_code running_ec;
    if (!child->running(running_ec)) Run::on_exited(run);
  }
}

std::string first_line(const std::string& out) {
  auto end = out.find('\n');
  std::string line = out.substr(0, end);
  std::string clean;
  for (unsigned char c : line) clean.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  while (!clean.empty() && clean.back() == ' ') clean.pop_back();
  return clean.substr(0, kKeep);
}

asio::awaitable<void> read_output(std::shared_ptr<Run> run) {
  char buf[512];
  for (;;) {
    boost::system::error_code ec;
    auto n = co_await run->pipe.async_read_some(asio::buffer(buf),
                                                asio::redirect_error(asio::use_awaitable, ec));
    if (run->output.size() < kKeep)
      run->output.append(buf, std::min(n, kKeep - run->output.size()));
    if (ec) break;  // EOF (or closed by the grace timer)
  }
  run->eof = true;
  run->maybe_done();
}

}  // namespace

asio::awaitable<ProcessOutcome> run_process(
    const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
    const std::vector<std::pair<std::string, std::string>>& extra_env) {
  ProcessOutcome out;
  auto t0 = Clock::now();
  auto ex = co_await asio::this_coro::executor;
  auto& io = static_cast<asio::io_context&>(asio::query(ex, asio::execution::context));
  if (argv.empty()) {
    out.detail = "no program given";
    co_return out;
  }
  boost::filesystem::path exe = argv[0];
  if (argv[0].find('/') == std::string::npos) exe = bp::search_path(argv[0]);
  if (exe.empty()) {
    out.detail = "cannot run " + argv[0] + ": not found in PATH";
    co_return out;
  }
  auto run = std::make_shared<Run>(io);
  bp::environment env = boost::this_process::environment();
  // set(), not env[k] = v: operator[] looks the key up with std::equal over the key's length and
  // reads past shorter entries (Boost.Process 1.74, boostorg/process#246, found by ASan).
  for (const auto& [k, v] : extra_env) env.set(k, v);
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  std::unique_ptr<bp::child> child;
  try {
    child = std::make_unique<bp::child>(
        exe, bp::args(args), env, (bp::std_out & bp::std_err) > run->pipe, bp::std_in < bp::null,
        io, bp::on_exit([run](int, const std::error_code&) { Run::on_exited(run); }));
  } catch (const std::exception& e) {
    out.detail = "cannot run " + argv[0] + ": " + e.what();
    co_return out;
  }
  out.started = true;
  asio::co_spawn(io, read_output(run), asio::detached);
  asio::co_spawn(io, poll_exit(run, child.get()), asio::detached);
  auto pid = child->id();
  // on_exit may already have run inside the child's constructor (Boost.Process dispatches its
  // first waitpid inline); an armed deadline would then only keep the loop busy.
  if (!run->exited) {
    run->deadline.expires_after(timeout);
    run->deadline.async_wait([run, pid](const boost::system::error_code& ec) {
      if (ec || run->exited) return;
      run->timed_out = true;
      ::kill(pid, SIGKILL);  // on_exit reaps it
    });
  }
  run->done.expires_at(Clock::time_point::max());
  if (!(run->exited && run->eof)) {
    boost::system::error_code ec;
    co_await run->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  run->grace.cancel();
  // The raw wait status (on_exit's own argument folds signals and exit codes together).
  run->native_status = child->native_exit_code();
  child->detach();  // already reaped by on_exit: nothing must wait for it again
  out.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  out.first_line = first_line(run->output);
  out.timed_out = run->timed_out;
  int st = run->native_status;
  if (WIFEXITED(st)) {
    out.exit_status = WEXITSTATUS(st);
  } else if (WIFSIGNALED(st)) {
    out.signal = WTERMSIG(st);
  }
  if (out.timed_out) {
    out.detail = "killed after " + std::to_string(timeout.count()) + " ms (deadline)";
  } else if (out.signal) {
    out.detail = "killed by signal " + std::to_string(out.signal);
  } else {
    out.detail = "exit status " + std::to_string(out.exit_status);
  }
  if (!out.first_line.empty()) out.detail += ": " + out.first_line;
  co_return out;
}

asio::awaitable<CheckResult> run_exec_check(const ExecCheck& check) {
  // Named, not a defaulted temporary: g++ 12 mishandles temporaries inside co_await expressions.
  const std::vector<std::pair<std::string, std::string>> no_extra_env;
  auto o = co_await run_process(check.argv, check.timeout, no_extra_env);
  CheckResult r;
  r.rtt_ms = o.elapsed_ms;
  r.detail = o.detail;
  if (!o.started) {
    r.reason = Reason::exit_status;
  } else if (o.timed_out) {
    r.reason = Reason::timeout;
  } else if (o.signal == 0 && o.exit_status == 0) {
    r.ok = true;
    r.reason = Reason::ok;
  } else {
    r.reason = Reason::exit_status;
  }
  co_return r;
}

}  // namespace probes
