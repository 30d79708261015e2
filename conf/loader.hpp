#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "conf/config.hpp"

namespace stoa::conf {

/// One problem found in a configuration file.
struct ConfigError {
  std::string file = {};     ///< the path or source name given to the loader
  std::uint32_t line = 0;    ///< 1-based; 0 when the problem has no place in the file
  std::uint32_t column = 0;  ///< 1-based; 0 when unknown
  std::string key = {};      ///< "section.name" or "section"; empty for syntax and I/O errors
  std::string message = {};
};

/// "stoa.toml:12: limits.max_stanza_bytes: must be between 1024 and 67108864, got 10"; errors
/// without a key (syntax errors) show the column too: "stoa.toml:3:9: <description>".
std::string format_error(const ConfigError& error);

/// Either a validated configuration or every error found, in file order.
class LoadResult {
 public:
  /// A valid configuration.
  explicit LoadResult(ServerConfig config) : value_(std::move(config)) {}
  /// A rejected one; errors must not be empty.
  explicit LoadResult(std::vector<ConfigError> errors) : value_(std::move(errors)) {}

  /// True when the file was valid and config() may be called.
  bool ok() const { return std::holds_alternative<ServerConfig>(value_); }
  /// The configuration; only when ok().
  const ServerConfig& config() const { return std::get<ServerConfig>(value_); }
  /// The errors; empty when ok().
  const std::vector<ConfigError>& errors() const;

 private:
  std::variant<ServerConfig, std::vector<ConfigError>> value_;
};

/// Parses and validates TOML text; source_name is what errors call the file.
LoadResult parse_config(std::string_view toml_text, std::string_view source_name);

/// Reads the file at path and parses it; an unreadable file is one error naming path and cause.
LoadResult load_config(const std::filesystem::path& path);

}  // namespace stoa::conf
