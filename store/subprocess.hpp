#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace stoa::store {

/// A system account to run a child process as (the process itself must be root).
struct ProcessIdentity {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  ///< supplementary groups
  std::filesystem::path home;
};

/// The account `name` from the password database, or nullopt when there is none.
std::optional<ProcessIdentity> lookup_identity(const std::string& name);

/// How a child process ended.
struct ProcessResult {
  int exit_code = -1;  ///< -1 when it was killed by a signal
  int signal = 0;      ///< the signal that killed it, else 0
  std::string output;  ///< stdout and stderr interleaved; only the last 64 KiB are kept
  bool succeeded() const { return exit_code == 0; }
};

/// Runs argv[0] (an absolute path) with `argv`, without a shell: stdin from /dev/null, output
/// captured, no inherited descriptors, PG* environment variables removed, working directory
/// "/". As `identity` when given. Returns once the child has exited; throws
/// std::runtime_error when it cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::optional<ProcessIdentity>& identity);

/// The command line as text, for messages.
std::string describe_command(const std::vector<std::string>& argv);

/// The last `count` non-empty lines of `text`.
std::string last_lines(const std::string& text, std::size_t count);

/// Whether `identity` may access `path` with access(2) `mode` (R_OK, W_OK, X_OK), checked by
/// a child process running as that account, so that ACLs and groups count.
bool accessible_as(const ProcessIdentity& identity, const std::filesystem::path& path, int mode);

}  // namespace stoa::store
