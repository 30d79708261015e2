#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/log.hpp"
#include "conf/loader.hpp"

namespace stoa::compliance {

/// stoa-compliance's settings (compliance/stoa-compliance.toml lists each with its default).
struct Config {
  // [server]: the stoad to connect to
  std::string server_domain = "localhost";  ///< stoad's XMPP domain, where IQs are addressed
  std::string server_host = "127.0.0.1";
  unsigned server_port = 5347;
  unsigned reconnect_max_seconds = 30;  ///< the longest wait between connection attempts

  // [component]
  std::string name = "compliance.localhost";  ///< as in stoad's [[component]] name
  std::string secret;                         ///< the XEP-0114 shared secret; required
  std::string data_dir = "/var/lib/stoa-compliance";
  LogLevel log_level = LogLevel::info;
  unsigned lag_log_seconds = 30;  ///< how often the lag is logged; 0: never

  // [database]
  /// libpq connection string; empty: a managed cluster in data_dir/postgresql.
  std::string database_dsn;
  std::string postgres_bin_dir;  ///< initdb/pg_ctl of the managed cluster; empty: found

  // [ack]
  unsigned ack_batch_size = 500;   ///< acknowledge once this many events are stored...
  unsigned ack_interval_ms = 200;  ///< ...or this long after the first unacknowledged one

  bool operator==(const Config&) const = default;
};

/// Either a valid configuration or every problem found, in file order.
using ConfigResult = std::variant<Config, std::vector<conf::ConfigError>>;

/// Parses TOML text; `source_name` is what errors call the file. Errors name file, line and key
/// as stoad's do (conf::format_error).
ConfigResult parse_config(std::string_view toml_text, std::string_view source_name);

/// Reads and parses the file; an unreadable file is one error naming the path and the cause.
ConfigResult load_config(const std::filesystem::path& path);

}  // namespace stoa::compliance
