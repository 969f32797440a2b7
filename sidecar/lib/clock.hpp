#pragma once
// The clocks. Decisions use the steady clock (Clock), passed in as values so the pure cores are
// tested with a fake time; the wall clock is only for what the status file shows.
#include <chrono>

namespace sidecar {

using Clock = std::chrono::steady_clock;

inline double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A steady-clock instant (what the pure cores use) as Unix time.
inline double to_unix(Clock::time_point t) {
  return unix_now() - std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace sidecar
