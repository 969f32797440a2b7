#pragma once
// What ExaBGP last said about each BGP neighbor, and whether a message changes it. Only a change
// to "up" re-sends the routes: ExaBGP repeats a neighbor's state (on reconnects of the API, on
// `show neighbor`, by a hostile writer), and re-sending every route each time made a repeated
// "up" cost one full table per line. Pure; the bridge core owns one.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bridge {

struct NeighborState {
  std::string peer;   // printable, at most kMaxPeerText bytes
  std::string state;  // "up" | "down" | "connected" | ... (printable, bounded)
  std::chrono::steady_clock::time_point since;
};

struct NeighborUpdate {
  bool changed = false;  // the table changed (a new neighbor, or a new state): publish it
  bool resend = false;   // the neighbor just came up: give it the current state of every route
};

class NeighborTable {
 public:
  static constexpr std::size_t kMaxPeerText = 128;
  static constexpr std::size_t kMaxStateText = 64;

  explicit NeighborTable(std::size_t max_neighbors = 256) : max_(max_neighbors) {}

  // Records what ExaBGP said. A neighbor beyond max_neighbors is not remembered, but its coming
  // "up" still re-sends (its session starts with an empty Adj-RIB-Out all the same).
  NeighborUpdate update(std::string_view peer, std::string_view state,
                        std::chrono::steady_clock::time_point now);
  const std::vector<NeighborState>& neighbors() const { return neighbors_; }

 private:
  std::size_t max_;
  std::vector<NeighborState> neighbors_;
};

}  // namespace bridge
