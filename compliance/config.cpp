#include "compliance/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>

namespace stoa::compliance {

namespace {

// A configuration file is a few hundred bytes; anything this large is the wrong file.
constexpr std::uintmax_t kMaxFileBytes = 1024 * 1024;

using Setter = std::string (*)(Config& config, const toml::node& value);

// One accepted key: where it lives and how its value is checked and stored. A setter returns
// "" or what is wrong with the value.
struct Option {
  std::string_view key;
  Setter set;
};

template <unsigned Config::*Field, std::int64_t Min, std::int64_t Max>
std::string set_unsigned(Config& config, const toml::node& node) {
  const auto* number = node.as_integer();
  if (number == nullptr) {
    return "expected an integer";
  }
  std::int64_t value = number->get();
  if (value < Min || value > Max) {
    return "must be between " + std::to_string(Min) + " and " + std::to_string(Max) + ", got " +
           std::to_string(value);
  }
  config.*Field = static_cast<unsigned>(value);
  return "";
}

template <std::string Config::*Field, bool Required>
std::string set_string(Config& config, const toml::node& node) {
  const auto* text = node.as_string();
  if (text == nullptr) {
    return "expected a string";
  }
  const std::string& value = text->get();
  // Every string ends up in a C API (libstrophe, libpq, paths), where a NUL would cut it.
  if (value.find('\0') != std::string::npos) {
    return "must not contain a NUL character";
  }
  if (Required && value.empty()) {
    return "must not be empty";
  }
  config.*Field = value;
  return "";
}

std::string set_log_level(Config& config, const toml::node& node) {
  const auto* text = node.as_string();
  auto level = text == nullptr ? std::nullopt : parse_log_level(text->get());
  if (!level) {
    return "must be one of \"debug\", \"info\", \"warn\", \"error\"";
  }
  config.log_level = *level;
  return "";
}

constexpr std::int64_t kMaxPort = 65535;
constexpr std::int64_t kMaxSeconds = 24 * 3600;

constexpr Option kOptions[] = {
    {"server.domain", set_string<&Config::server_domain, true>},
    {"server.host", set_string<&Config::server_host, true>},
    {"server.port", set_unsigned<&Config::server_port, 1, kMaxPort>},
    {"server.reconnect_max_seconds", set_unsigned<&Config::reconnect_max_seconds, 1, 3600>},
    {"component.name", set_string<&Config::name, true>},
    {"component.secret", set_string<&Config::secret, true>},
    {"component.data_dir", set_string<&Config::data_dir, true>},
    {"component.log_level", set_log_level},
    {"component.lag_log_seconds", set_unsigned<&Config::lag_log_seconds, 0, kMaxSeconds>},
    {"database.dsn", set_string<&Config::database_dsn, false>},
    {"database.postgres_bin_dir", set_string<&Config::postgres_bin_dir, false>},
    {"ack.batch_size", set_unsigned<&Config::ack_batch_size, 1, 100000>},
    {"ack.interval_ms", set_unsigned<&Config::ack_interval_ms, 1, 60000>},
};

const Option* find_option(std::string_view key) {
  auto it = std::ranges::find(kOptions, key, &Option::key);
  return it == std::end(kOptions) ? nullptr : &*it;
}

bool is_section(std::string_view section) {
  return std::ranges::any_of(kOptions, [&](const Option& option) {
    return option.key.substr(0, option.key.find('.')) == section;
  });
}

class Loader {
 public:
  explicit Loader(std::string_view file) : file_(file) {}

  ConfigResult load(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, file_);
    } catch (const toml::parse_error& error) {
      add(error.source(), "", std::string(error.description()));
      return errors_;
    }
    for (auto&& [section, node] : root) {
      read_section(section, node);
    }
    if (config_.secret.empty() && root.at_path("component.secret").node() == nullptr) {
      errors_.push_back({.file = file_,
                         .key = "component.secret",
                         .message = "is required: the secret stoad's [[component]] entry has"});
    }
    if (!errors_.empty()) {
      std::ranges::stable_sort(errors_, {}, [](const conf::ConfigError& error) {
        return std::pair(error.line == 0 ? std::numeric_limits<std::uint32_t>::max() : error.line,
                         error.column);
      });
      return errors_;
    }
    return config_;
  }

 private:
  void add(const toml::source_region& where, std::string key, std::string message) {
    errors_.push_back({.file = file_,
                       .line = where.begin.line,
                       .column = where.begin.column,
                       .key = std::move(key),
                       .message = std::move(message)});
  }

  void read_section(const toml::key& section, const toml::node& node) {
    std::string name(section.str());
    const toml::table* table = node.as_table();
    if (!is_section(name)) {
      add(section.source(), name, table == nullptr ? "unknown key" : "unknown section");
      return;
    }
    if (table == nullptr) {
      add(node.source(), name, "expected a table ([" + name + "])");
      return;
    }
    for (auto&& [key, value] : *table) {
      std::string full_key = name + "." + std::string(key.str());
      const Option* option = find_option(full_key);
      if (option == nullptr) {
        add(key.source(), full_key, "unknown key");
      } else if (std::string problem = option->set(config_, value); !problem.empty()) {
        add(value.source(), full_key, std::move(problem));
      }
    }
  }

  std::string file_;
  Config config_;
  std::vector<conf::ConfigError> errors_;
};

}  // namespace

ConfigResult parse_config(std::string_view toml_text, std::string_view source_name) {
  return Loader(source_name).load(toml_text);
}

ConfigResult load_config(const std::filesystem::path& path) {
  auto failed = [&](const std::string& message) {
    return ConfigResult(
        std::vector<conf::ConfigError>{{.file = path.string(), .message = message}});
  };
  std::error_code error;
  auto status = std::filesystem::status(path, error);
  if (!error && !std::filesystem::exists(status)) {
    error = std::make_error_code(std::errc::no_such_file_or_directory);
  }
  if (error) {
    return failed("cannot open: " + error.message());
  }
  if (!std::filesystem::is_regular_file(status)) {
    return failed("is not a regular file");
  }
  if (std::filesystem::file_size(path, error) > kMaxFileBytes) {
    return failed("is larger than 1 MiB; is it really the configuration?");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    return failed("cannot read");
  }
  return parse_config(text.str(), path.string());
}

}  // namespace stoa::compliance
