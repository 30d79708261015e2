#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/child_process.hpp"

namespace stoa::test {

/// Configuration overrides: "section.key" → the TOML value as written in the file, e.g.
/// {"limits.max_stanza_bytes", "4096"}, {"c2s.require_tls", "false"},
/// {"c2s.resource_conflict", toml_string("refuse")}.
using StoadSettings = std::map<std::string, std::string>;

/// `text` as a TOML basic string literal, quotes included.
std::string toml_string(std::string_view text);

/// A real stoad for one test: its own temporary data directory, a fresh database, listeners on
/// free loopback ports, two workers so that sessions land on different threads. It is stopped
/// when destroyed, never left running; when the test failed, the tail of its log is printed and
/// its directory kept.
class StoadProcess {
 public:
  StoadProcess() = default;
  ~StoadProcess();
  StoadProcess(const StoadProcess&) = delete;
  StoadProcess& operator=(const StoadProcess&) = delete;

  /// Writes the configuration (the test defaults with `overrides` applied) and starts stoad;
  /// succeeds once its ready file lists the listening ports.
  testing::AssertionResult start(const StoadSettings& overrides = {});
  /// TOML appended to the configuration after the sections: arrays of tables such as
  /// [[component]], which overrides cannot express. Call before start().
  void append_config(std::string toml) { extra_config_ += toml; }
  /// SIGTERM, then SIGKILL after a grace period; succeeds when stoad exited by itself with 0.
  testing::AssertionResult stop();
  /// SIGKILL, as a crash or a power cut would.
  void kill9();
  /// Stops, then starts again with the same configuration, data directory and database.
  testing::AssertionResult restart();
  /// Whether the process is still alive.
  bool running();

  /// The port of a listener named in the ready file ("c2s", "c2s_tls").
  std::optional<std::uint16_t> port(std::string_view listener) const;
  /// The STARTTLS client port (0 when not listening).
  std::uint16_t c2s_port() const { return port("c2s").value_or(0); }
  /// The direct TLS (XEP-0368) client port (0 when not listening).
  std::uint16_t c2s_tls_port() const { return port("c2s_tls").value_or(0); }
  const std::string& domain() const { return domain_; }
  const std::filesystem::path& data_dir() const { return dir_; }
  std::filesystem::path admin_socket() const { return dir_ / "stoad.sock"; }
  std::filesystem::path config_path() const { return dir_ / "stoad.toml"; }
  std::filesystem::path log_path() const { return dir_ / "stoad.log"; }
  /// The last `lines` lines stoad logged.
  std::string log_tail(std::size_t lines = 80) const;

  /// Runs stoactl against this server's admin socket with `input` on its stdin.
  CommandResult stoactl(const std::vector<std::string>& args, std::string_view input = {}) const;
  /// Creates an account through `stoactl user add`.
  testing::AssertionResult add_user(const std::string& jid, const std::string& password) const;

 private:
  testing::AssertionResult prepare(const StoadSettings& overrides);
  testing::AssertionResult launch();
  testing::AssertionResult read_ready_file();
  testing::AssertionResult failure(const std::string& what) const;

  std::string domain_ = "localhost";
  std::string extra_config_;
  std::filesystem::path dir_;
  std::map<std::string, std::uint16_t, std::less<>> ports_;
  std::unique_ptr<ChildProcess> process_;
  bool stopped_on_purpose_ = false;
};

}  // namespace stoa::test
