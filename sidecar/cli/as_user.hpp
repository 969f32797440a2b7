#pragma once
// What the daemon's user may do on this machine, checked from an operator's shell (often root,
// for whom every folder is writable): check-config --as-user, and probe's warning.
#include <optional>
#include <string>
#include <vector>

#include "sidecar/config/config.hpp"

namespace sidecar {

// The user the packaged unit runs ExaBGP and the sidecar as (anycast-exabgp.service, User=).
inline constexpr const char* kDaemonUser = "exabgp";

// One line per folder the daemon writes (status, metrics, maintenance) that `user` cannot write
// into, naming the field, the folder, errno's text and the fix. Checked by a child process that
// takes the user's uid, gid and groups (so ACLs and group membership count as they will for the
// daemon); without root only the calling user can be checked, and `note` says so.
std::vector<std::string> unwritable_folders(const Config& config, const std::string& user,
                                            std::string* note);

// The calling process's user name ("uid N" when it has none).
std::string current_user();

}  // namespace sidecar
