// `ReadWritePaths=` in a unit grants no Unix permission, and root can write anywhere: a folder
// check run as root said OK on nodes where the daemon's user could not write its metrics. The
// check therefore runs as that user, in a forked child that drops to its uid, gid and groups.
#include "sidecar/cli/as_user.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "sidecar/config/config_sections.hpp"
#include "sidecar/lib/printable.hpp"

namespace sidecar {
namespace {

struct Folder {
  std::string field;
  std::string path;
};

std::vector<Folder> folders_written(const Config& config) {
  std::vector<Folder> out{{"status_file", config_detail::folder_of(config.status_file)}};
  if (!config.metrics_file.empty()) {
    out.push_back({"metrics_file", config_detail::folder_of(config.metrics_file)});
  }
  for (std::size_t i = 0; i < config.services.size(); ++i) {
    out.push_back({"services[" + std::to_string(i) + "].maintenance_file",
                   config_detail::folder_of(config.services[i].maintenance_file)});
  }
  return out;
}

// errno of access(W_OK | X_OK) for each folder, 0 when writable, as the current process.
std::vector<int> access_errors(const std::vector<Folder>& folders) {
  std::vector<int> out;
  for (const auto& f : folders) {
    out.push_back(::access(f.path.c_str(), W_OK | X_OK) == 0 ? 0 : errno);
  }
  return out;
}

// The same from a child running as `pw`; nullopt when the child could not become that user.
std::optional<std::vector<int>> access_errors_as(const passwd& pw,
                                                 const std::vector<Folder>& folders) {
  int fds[2];
  if (::pipe(fds) != 0) return std::nullopt;
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    ::close(fds[0]);
    if (::initgroups(pw.pw_name, pw.pw_gid) != 0 || ::setgid(pw.pw_gid) != 0 ||
        ::setuid(pw.pw_uid) != 0) {
      ::_exit(1);
    }
    for (int e : access_errors(folders)) {
      if (::write(fds[1], &e, sizeof e) != static_cast<ssize_t>(sizeof e)) ::_exit(1);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::vector<int> out;
  int e = 0;
  while (out.size() < folders.size() && ::read(fds[0], &e, sizeof e) == sizeof e) out.push_back(e);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || out.size() != folders.size()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::string current_user() {
  if (const passwd* pw = ::getpwuid(::geteuid())) return pw->pw_name;
  return "uid " + std::to_string(::geteuid());
}

std::vector<std::string> unwritable_folders(const Config& config, const std::string& user,
                                            std::string* note) {
  const passwd* found = ::getpwnam(user.c_str());
  if (!found) {
    return {"--as-user " + text::printable(user, 64) +
            ": no such user (install exabgp, which creates it, or name the user the daemon runs "
            "as)"};
  }
  passwd pw = *found;
  std::string name = pw.pw_name;  // getpwnam's buffer is reused by later calls
  pw.pw_name = name.data();
  auto folders = folders_written(config);
  std::optional<std::vector<int>> errors;
  if (pw.pw_uid == ::geteuid()) {
    errors = access_errors(folders);
  } else if (::geteuid() == 0) {
    errors = access_errors_as(pw, folders);
  } else {
    *note = "not checked whether " + name + " can write the folders: that needs root (run as " +
            current_user() + ")";
    return {};
  }
  if (!errors) return {"--as-user " + name + ": could not take that user's identity to check"};
  std::vector<std::string> out;
  for (std::size_t i = 0; i < folders.size(); ++i) {
    int e = (*errors)[i];
    if (e == 0) continue;
    // host_problems reports a missing status or metrics folder; nothing else checks the
    // maintenance folders.
    if (e == ENOENT && folders[i].field.find("maintenance_file") == std::string::npos) continue;
    if (e == ENOENT) {
      out.push_back(folders[i].field + ": the folder \"" + text::printable(folders[i].path, 200) +
                    "\" does not exist (create it, owned by " + name + ")");
      continue;
    }
    out.push_back(folders[i].field + ": " + name + " cannot write into \"" +
                  text::printable(folders[i].path, 200) + "\": " + std::strerror(e) +
                  " (/usr/libexec/anycast-sidecar/install-node sets the packaged folders up; or "
                  "chgrp " +
                  name + " and chmod g+w the folder)");
  }
  return out;
}

}  // namespace sidecar
