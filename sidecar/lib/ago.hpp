#pragma once
// A duration as an on-call reads it: "42s", "4m12s", "3h05m", "2d04h". Total: any double in,
// clamped to 0 .. 1e12 s before the cast (a time of -1e300 from a hostile file is UB to cast).
#include <cstdio>
#include <string>

namespace text {

inline std::string ago(double seconds) {
  if (!(seconds > 0)) seconds = 0;
  if (seconds > 1e12) seconds = 1e12;
  long s = static_cast<long>(seconds);
  char buf[48];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%lds", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  } else if (s < 86400) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ldd%02ldh", s / 86400, (s % 86400) / 3600);
  }
  return buf;
}

}  // namespace text
