#pragma once
// Wall-clock helpers for what the status file shows; decisions use the steady clock (Clock).
#include <chrono>

#include "sidecar/state_machine.hpp"

namespace sidecar {

inline double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A steady-clock instant (what the pure cores use) as Unix time.
inline double to_unix(Clock::time_point t) {
  return unix_now() - std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace sidecar
