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

/// One key of the tables of an array of tables: `name` in each [[component]]. Its value lives
/// in element `index` of the array's vector in ServerConfig.
struct TableField {
  std::string_view name;
  OptionType type;  ///< boolean, integer or string
  std::string_view doc;
  bool required = false;  ///< every table must set it
  std::int64_t min = 0;   ///< inclusive bounds, integer fields only
  std::int64_t max = 0;
  std::string (*check)(std::string_view value) = nullptr;  ///< as Option::check
  /// Reads the field of element `index`; on a default-constructed element this is the default.
  OptionValue (*get)(const ServerConfig& config, std::size_t index) = nullptr;
  void (*set)(ServerConfig& config, std::size_t index, const OptionValue& value) = nullptr;
};

/// An array of tables ([[component]]): each table becomes one element of a vector of
/// ServerConfig, and each of its keys one TableField.
struct TableArray {
  std::string_view name;  ///< "component", written [[component]]
  std::span<const TableField> fields;
  /// A field whose value must differ from table to table (names); empty: none.
  std::string_view unique_field;
  std::size_t (*size)(const ServerConfig& config) = nullptr;
  /// Adds a default-constructed element at the end.
  void (*append)(ServerConfig& config) = nullptr;

  const TableField* find_field(std::string_view field) const;
};

/// Every array of tables.
std::span<const TableArray> table_arrays();

/// The array of tables written [[name]], or nullptr.
const TableArray* find_table_array(std::string_view name);

/// Every option, grouped by section in the order of conf/stoa.toml.
std::span<const Option> options();

/// The option with this "section.name" key, or nullptr.
const Option* find_option(std::string_view key);

/// "a boolean", "an integer", "a string", "an array of strings": for "expected ..." messages.
std::string_view describe(OptionType type);

/// The TOML spelling of a value: true, 5222, "info", ["admin@example.org"].
std::string to_toml(const OptionValue& value);

}  // namespace stoa::conf
