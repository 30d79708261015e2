#include "conf/loader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <optional>
#include <system_error>

#include "conf/schema.hpp"

namespace stoa::conf {

namespace {

// A configuration file is a few kilobytes; anything this large is the wrong file.
constexpr std::size_t kMaxFileBytes = 1024 * 1024;

std::string_view describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Short names are all near each other ("s2s" is one edit from "c2s"), so the allowed distance
// grows with the length of the name.
bool is_near(std::string_view typed, std::string_view known) {
  return edit_distance(typed, known) <= std::min<std::size_t>(2, typed.size() / 4);
}

// The commonest mistakes are a typo and a key put in the wrong section; name the intended key.
std::string suggestion_for_key(std::string_view key) {
  std::string_view name = key.substr(key.find('.') + 1);
  for (const Option& option : options()) {
    if (option.name() == name) {
      return " (did you mean " + std::string(option.key) + "?)";
    }
  }
  for (const Option& option : options()) {
    if (is_near(key, option.key)) {
      return " (did you mean " + std::string(option.key) + "?)";
    }
  }
  return "";
}

std::string suggestion_for_section(std::string_view section) {
  for (const Option& option : options()) {
    if (is_near(section, option.section())) {
      return " (did you mean [" + std::string(option.section()) + "]?)";
    }
  }
  return "";
}

bool is_known_section(std::string_view section) {
  return std::ranges::any_of(options(),
                             [&](const Option& option) { return option.section() == section; });
}

std::string toml_string(std::string_view text) {
  return to_toml(std::string(text));
}

class Loader {
 public:
  explicit Loader(std::string_view source_name) : file_(source_name) {}

  LoadResult load(std::string_view toml_text) {
    toml::table root;
    try {
      root = toml::parse(toml_text, file_);
    } catch (const toml::parse_error& error) {
      add(error.source(), "", std::string(error.description()));
      return LoadResult(std::move(errors_));
    }
    root_ = &root;
    for (auto&& [key, node] : root) {
      read_section(key, node);
    }
    check_combinations();
    if (errors_.empty()) {
      return LoadResult(std::move(config_));
    }
    // Tables iterate in key order; people read errors in file order. Errors about keys absent
    // from the file have no line and come last.
    std::ranges::stable_sort(errors_, {}, [](const ConfigError& error) {
      return std::pair(error.line == 0 ? std::numeric_limits<std::uint32_t>::max() : error.line,
                       error.column);
    });
    return LoadResult(std::move(errors_));
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
    if (const TableArray* array = find_table_array(name)) {
      read_table_array(*array, node);
      return;
    }
    if (!is_known_section(name)) {
      if (node.is_table()) {
        add(section.source(), name, "unknown section" + suggestion_for_section(name));
      } else {
        add(section.source(), name,
            "unknown key; settings belong in a section" + suggestion_for_key(name));
      }
      return;
    }
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      add(node.source(), name,
          "expected a table ([" + name + "]), got " + std::string(describe(node)));
      return;
    }
    for (auto&& [key, value] : *table) {
      std::string full_key = name + "." + std::string(key.str());
      const Option* option = find_option(full_key);
      if (option == nullptr) {
        add(key.source(), full_key, "unknown key" + suggestion_for_key(full_key));
        continue;
      }
      if (auto parsed = read_value(*option, value)) {
        option->set(config_, *parsed);
      }
    }
  }

  void read_table_array(const TableArray& array, const toml::node& node) {
    std::string name(array.name);
    const toml::array* tables = node.as_array();
    if (tables == nullptr || !tables->is_array_of_tables()) {
      add(node.source(), name,
          "expected an array of tables ([[" + name + "]]), got " + std::string(describe(node)));
      return;
    }
    // Where each value of the unique field was first declared, for the duplicate's message.
    std::vector<std::pair<std::string, std::uint32_t>> unique_values;
    for (const toml::node& element : *tables) {
      const toml::table& table = *element.as_table();
      std::size_t index = array.size(config_);
      array.append(config_);
      for (auto&& [key, value] : table) {
        std::string full_key = name + "." + std::string(key.str());
        const TableField* field = array.find_field(key.str());
        if (field == nullptr) {
          add(key.source(), full_key, "unknown key" + suggestion_for_field(array, key.str()));
          continue;
        }
        Option as_option{.key = full_key,
                         .type = field->type,
                         .doc = field->doc,
                         .min = field->min,
                         .max = field->max,
                         .check = field->check};
        std::optional<OptionValue> parsed = read_value(as_option, value);
        if (!parsed) {
          continue;
        }
        if (field->name == array.unique_field) {
          field->set(config_, index, *parsed);
          std::string normalized = to_toml(field->get(config_, index));
          auto earlier = std::ranges::find(unique_values, normalized,
                                           &std::pair<std::string, std::uint32_t>::first);
          if (earlier != unique_values.end()) {
            add(value.source(), full_key,
                normalized + " is already declared by the [[" + name + "]] at line " +
                    std::to_string(earlier->second));
            continue;
          }
          unique_values.emplace_back(normalized, table.source().begin.line);
        }
        field->set(config_, index, *parsed);
      }
      for (const TableField& field : array.fields) {
        if (field.required && !table.contains(field.name)) {
          add(table.source(), name + "." + std::string(field.name),
              "missing; every [[" + name + "]] must set it");
        }
      }
    }
  }

  static std::string suggestion_for_field(const TableArray& array, std::string_view typed) {
    for (const TableField& field : array.fields) {
      if (is_near(typed, field.name)) {
        return " (did you mean " + std::string(array.name) + "." + std::string(field.name) + "?)";
      }
    }
    return "";
  }

  std::optional<OptionValue> read_value(const Option& option, const toml::node& node) {
    std::string key(option.key);
    switch (option.type) {
      case OptionType::boolean:
        if (const auto* flag = node.as_boolean()) {
          return flag->get();
        }
        break;
      case OptionType::integer:
        if (const auto* number = node.as_integer()) {
          std::int64_t value = number->get();
          if (value < option.min || value > option.max) {
            add(node.source(), key,
                "must be between " + std::to_string(option.min) + " and " +
                    std::to_string(option.max) + ", got " + std::to_string(value));
            return std::nullopt;
          }
          return value;
        }
        break;
      case OptionType::string:
        if (const auto* text = node.as_string()) {
          if (std::string problem = check_string(option, text->get()); !problem.empty()) {
            add(node.source(), key, std::move(problem));
            return std::nullopt;
          }
          return text->get();
        }
        break;
      case OptionType::string_array:
        if (const auto* array = node.as_array()) {
          return read_string_array(option, *array);
        }
        break;
    }
    add(node.source(), key,
        "expected " + std::string(conf::describe(option.type)) + ", got " +
            std::string(describe(node)));
    return std::nullopt;
  }

  std::optional<OptionValue> read_string_array(const Option& option, const toml::array& array) {
    std::vector<std::string> items;
    bool valid = true;
    for (std::size_t i = 0; i < array.size(); ++i) {
      const toml::node& element = *array.get(i);
      std::string position = "element " + std::to_string(i + 1) + ": ";
      const auto* text = element.as_string();
      if (text == nullptr) {
        add(element.source(), std::string(option.key),
            position + "expected a string, got " + std::string(describe(element)));
        valid = false;
      } else if (std::string problem = check_string(option, text->get()); !problem.empty()) {
        add(element.source(), std::string(option.key), position + problem);
        valid = false;
      } else {
        items.push_back(text->get());
      }
    }
    if (!valid) {
      return std::nullopt;
    }
    return items;
  }

  static std::string check_string(const Option& option, std::string_view value) {
    // Every string ends up in a C API (paths, addresses, libpq); an embedded NUL would
    // silently truncate it there.
    if (value.find('\0') != std::string_view::npos) {
      return "must not contain a NUL character";
    }
    if (!option.allowed.empty() &&
        std::ranges::find(option.allowed, value) == option.allowed.end()) {
      std::string message = "must be one of ";
      for (std::size_t i = 0; i < option.allowed.size(); ++i) {
        message += (i == 0 ? "" : ", ") + toml_string(option.allowed[i]);
      }
      return message + "; got " + toml_string(value);
    }
    return option.check == nullptr ? "" : option.check(value);
  }

  bool has_error(std::string_view key) const {
    return std::ranges::any_of(errors_, [&](const ConfigError& error) { return error.key == key; });
  }

  // Reports a problem involving several keys at the first of them present in the file.
  void add_combined(std::initializer_list<std::string_view> keys, std::string message) {
    for (std::string_view key : keys) {
      if (const toml::node* node = root_->at_path(key).node()) {
        add(node->source(), std::string(key), std::move(message));
        return;
      }
    }
    errors_.push_back(
        {.file = file_, .key = std::string(*keys.begin()), .message = std::move(message)});
  }

  void check_combinations() {
    if (config_.tls_certificate.empty() != config_.tls_key.empty() &&
        !has_error("tls.certificate") && !has_error("tls.key")) {
      if (config_.tls_key.empty()) {
        add_combined({"tls.certificate"}, "is set but tls.key is not; set both or neither");
      } else {
        add_combined({"tls.key"}, "is set but tls.certificate is not; set both or neither");
      }
    }
    if (config_.c2s.port != 0 && config_.c2s.port == config_.c2s_direct_tls.port &&
        config_.c2s.address == config_.c2s_direct_tls.address && !has_error("c2s.port") &&
        !has_error("c2s.tls_port") && !has_error("c2s.address") && !has_error("c2s.tls_address")) {
      add_combined({"c2s.tls_port", "c2s.port"},
                   "the STARTTLS and direct TLS listeners cannot share address and port " +
                       toml_string(config_.c2s.address) + " " + std::to_string(config_.c2s.port));
    }
    check_component_names();
    // A queue smaller than one stanza would cut off every reader of a large stanza.
    if (config_.send_queue_bytes < config_.max_stanza_bytes &&
        !has_error("limits.send_queue_bytes") && !has_error("limits.max_stanza_bytes")) {
      add_combined({"limits.send_queue_bytes", "limits.max_stanza_bytes"},
                   "limits.send_queue_bytes (" + std::to_string(config_.send_queue_bytes) +
                       ") must be at least limits.max_stanza_bytes (" +
                       std::to_string(config_.max_stanza_bytes) + ")");
    }
  }

  // A component's domain is its own: stanzas to the server's or a MUC service's domain would
  // otherwise have two destinations.
  void check_component_names() {
    const toml::array* tables = root_->at_path("component").as_array();
    for (std::size_t i = 0; i < config_.components.size() && tables != nullptr; ++i) {
      const std::string& name = config_.components[i].name;
      bool muc_domain =
          config_.muc_enabled &&
          (config_.muc_domains.empty()
               ? name == "conference." + config_.domain
               : std::ranges::find(config_.muc_domains, name) != config_.muc_domains.end());
      if (name.empty() || (name != config_.domain && !muc_domain)) {
        continue;
      }
      const toml::node* where = tables->get(i)->as_table()->get("name");
      add(where->source(), "component.name",
          toml_string(name) + (muc_domain ? " is the domain of a MUC service"
                                          : " is server.domain; a component needs its own"));
    }
  }

  std::string file_;
  const toml::table* root_ = nullptr;
  ServerConfig config_;
  std::vector<ConfigError> errors_;
};

ConfigError file_error(const std::filesystem::path& path, std::string message) {
  return {.file = path.string(), .message = std::move(message)};
}

LoadResult failed(ConfigError error) {
  return LoadResult(std::vector<ConfigError>{std::move(error)});
}

std::string errno_text() {
  return std::error_code(errno, std::generic_category()).message();
}

}  // namespace

const std::vector<ConfigError>& LoadResult::errors() const {
  static const std::vector<ConfigError> kNone;
  const auto* errors = std::get_if<std::vector<ConfigError>>(&value_);
  return errors == nullptr ? kNone : *errors;
}

std::string format_error(const ConfigError& error) {
  std::string text = error.file;
  if (error.line != 0) {
    text += ":" + std::to_string(error.line);
    if (error.key.empty() && error.column != 0) {
      text += ":" + std::to_string(error.column);
    }
  }
  text += ": ";
  if (!error.key.empty()) {
    text += error.key + ": ";
  }
  return text + error.message;
}

LoadResult parse_config(std::string_view toml_text, std::string_view source_name) {
  return Loader(source_name).load(toml_text);
}

LoadResult load_config(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return failed(file_error(path, "cannot open: " + errno_text()));
  }
  std::string text;
  std::optional<ConfigError> failure;
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    failure = file_error(path, "cannot read: " + errno_text());
  } else if (!S_ISREG(status.st_mode)) {
    failure = file_error(path, "is not a regular file");
  } else {
    char buffer[16384];
    while (!failure) {
      ssize_t count = ::read(fd, buffer, sizeof buffer);
      if (count < 0 && errno == EINTR) {
        continue;
      }
      if (count < 0) {
        failure = file_error(path, "cannot read: " + errno_text());
      } else if (count == 0) {
        break;
      } else if (text.size() + static_cast<std::size_t>(count) > kMaxFileBytes) {
        failure = file_error(path, "is larger than 1 MiB; is it really the configuration?");
      } else {
        text.append(buffer, static_cast<std::size_t>(count));
      }
    }
  }
  ::close(fd);
  if (failure) {
    return failed(std::move(*failure));
  }
  return parse_config(text, path.string());
}

}  // namespace stoa::conf
