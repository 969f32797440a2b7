#pragma once
// For the configuration tests: every problem parse_config reports for a text, one per line.
#include <string>

#include "sidecar/config/config.hpp"

namespace test_support {

inline std::string problems_of(const std::string& text) {
  auto r = sidecar::parse_config(text);
  std::string all;
  for (const auto& p : r.problems) all += p + "\n";
  return all;
}

}  // namespace test_support
