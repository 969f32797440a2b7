#include "exabgp-bridge/neighbor_table.hpp"

#include <algorithm>

#include "sidecar/lib/printable.hpp"

namespace bridge {

NeighborUpdate NeighborTable::update(std::string_view raw_peer, std::string_view raw_state,
                                     std::chrono::steady_clock::time_point now) {
  // ExaBGP text enters the status file from here: made printable and bounded once.
  auto peer = text::printable(raw_peer, kMaxPeerText);
  auto state = text::printable(raw_state, kMaxStateText);
  NeighborUpdate u;
  auto it = std::find_if(neighbors_.begin(), neighbors_.end(),
                         [&](const NeighborState& n) { return n.peer == peer; });
  if (it == neighbors_.end()) {
    if (neighbors_.size() < max_) {
      neighbors_.push_back({peer, state, now});
      u.changed = true;
    }
    u.resend = state == "up";  // unknown before: a session we have not given the routes yet
  } else if (it->state != state) {
    it->state = state;
    it->since = now;
    u.changed = true;
    u.resend = state == "up";
  }
  return u;
}

}  // namespace bridge
