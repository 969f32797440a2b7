#pragma once
// The fleet as this node's status file, metrics and `status` see it: the "fleet" object of the
// contract, as plain values. The daemon's fleet agent fills it (sidecar/fleet turns the records
// into it); with no fleet block it stays off and nothing else of the file changes.
//   "fleet": {"state": "off" | "ok" | "unreachable", "since_unix", "node",
//             "slot": null | {"reason", "since_unix"},            this node's slot
//             "verify": null | {"ok", "service", "check", "reason", "at_unix"},
//             "floor_hold": ["prefix", ...],
//             extra detail: "prefix", "detail", "max_unavailable",
//             "members": {"known", "present", "out"}, "out_of_service": [...], "slots": [...]}
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sidecar {

enum class FleetState { off, ok, unreachable };
std::string_view to_string(FleetState state);  // "off" | "ok" | "unreachable"

struct FleetSlotView {
  std::string node;
  std::string reason;
  double since_unix = 0;
};

// The last `maintenance off --verify` of this node; ok false keeps the slot held.
struct FleetVerifyView {
  bool ok = false;
  std::string service;
  std::string check;
  std::string reason;
  double at_unix = 0;
};

// A node out of service, as the last fleet view showed it.
struct FleetOutView {
  std::string node;
  std::string status;  // maintenance | withdrawn | gone | unknown | in_service (holding a slot)
  std::string why;
  std::optional<double> since_unix;
};

struct FleetStatusView {
  FleetState state = FleetState::off;
  double since_unix = 0;              // when state last changed
  std::string node;                   // this node's name in the fleet
  std::string prefix;                 // the fleet's etcd prefix: its name for a person
  std::string detail;                 // why unreachable ("etcd 127.0.0.1:2379: connection refused")
  std::optional<FleetSlotView> slot;  // held by this node
  std::optional<FleetVerifyView> verify;
  std::vector<std::string> floor_hold;  // prefixes the fleet floor keeps announced
  // The fleet as last read (while unreachable: as it was before).
  int max_unavailable = 1;
  std::size_t members = 0;  // nodes known (member, present or holding a slot)
  std::size_t present = 0;  // nodes whose presence is alive
  std::vector<FleetOutView> out_of_service;
  std::vector<FleetSlotView> slots;  // every slot held in the fleet
};

}  // namespace sidecar
