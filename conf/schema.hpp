#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "conf/config.hpp"

namespace stoa::conf {

/// The TOML type an option accepts.
enum class OptionType { boolean, integer, string, string_array };

/// One option's value. TOML integers are 64-bit whatever the width of the field they land in;
/// the option's bounds keep them inside it.
using OptionValue = std::variant<bool, std::int64_t, std::string, std::vector<std::string>>;

/// Declaration of one option: where it lives in the file, what it accepts, where it is stored.
struct Option {
  std::string_view key;  ///< "section.name"
  OptionType type;
  std::string_view doc;  ///< one line, repeated in conf/stoa.toml and docs/configuration.md
  std::int64_t min = 0;  ///< inclusive bounds, integer options only
  std::int64_t max = 0;
  std::span<const std::string_view> allowed = {};  ///< the only accepted strings; empty: any string
  /// Extra test of a string, or of each element of a string array; returns "" when acceptable.
  std::string (*check)(std::string_view value) = nullptr;
  /// Reads the option's field; on a default-constructed ServerConfig this is the default.
  OptionValue (*get)(const ServerConfig& config) = nullptr;
  /// Stores a value that passed the type, bounds, allowed-values and check tests.
  void (*set)(ServerConfig& config, const OptionValue& value) = nullptr;

  /// "limits" for "limits.max_stanza_bytes".
  std::string_view section() const;
  /// "max_stanza_bytes" for "limits.max_stanza_bytes".
  std::string_view name() const;
};

/// Every option, grouped by section in the order of conf/stoa.toml.
std::span<const Option> options();

/// The option with this "section.name" key, or nullptr.
const Option* find_option(std::string_view key);

/// "a boolean", "an integer", "a string", "an array of strings": for "expected ..." messages.
std::string_view describe(OptionType type);

/// The TOML spelling of a value: true, 5222, "info", ["admin@example.org"].
std::string to_toml(const OptionValue& value);

}  // namespace stoa::conf
