#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace stoa::bench {

enum class TlsMode { none, starttls, direct };
enum class AuthMode { plain, scram_sha1, scram_sha256 };

/// The command line (bench/README.md lists it).
struct Options {
  std::string scenario_path;
  std::string host = "127.0.0.1";
  std::uint16_t port = 5222;
  std::string domain = "localhost";
  std::string muc_domain;  ///< default: "conference." + domain
  TlsMode tls = TlsMode::none;
  AuthMode auth = AuthMode::scram_sha1;
  std::string user_prefix = "bench";
  std::string password = "bench-password";
  std::string room_prefix = "room";
  unsigned processes = 1;
  std::string json_path;
  std::optional<pid_t> server_pid;
  std::string label;
  std::optional<unsigned> users;  ///< overrides the scenario's user count
};

/// A command line that cannot be used (exit status 2).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

Options parse_options(int argc, char** argv);
std::string usage();

}  // namespace stoa::bench
