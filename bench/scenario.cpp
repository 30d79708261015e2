#include "bench/scenario.hpp"

#include <toml++/toml.h>

#include <functional>
#include <limits>
#include <map>
#include <optional>

namespace stoa::bench {
namespace {

std::string where(const std::filesystem::path& path, const toml::node& node, std::string_view key) {
  return path.string() + ":" + std::to_string(node.source().begin.line) + ": " + std::string(key);
}

/// Reads the keys of one table into their fields, refusing unknown keys and wrong types.
class TableReader {
 public:
  TableReader(const std::filesystem::path& path, const toml::table& table, std::string prefix)
      : path_(path), table_(table), prefix_(std::move(prefix)) {}

  void count(std::string_view key, unsigned& field, unsigned low, unsigned high) {
    readers_.emplace(key, [this, key, &field, low, high](const toml::node& node) {
      const auto value = node.value_exact<std::int64_t>();
      if (!value || *value < std::int64_t{low} || *value > std::int64_t{high}) {
        fail(node, key,
             "must be a whole number from " + std::to_string(low) + " to " + std::to_string(high));
      }
      field = static_cast<unsigned>(*value);
    });
  }

  void number(std::string_view key, double& field, double low, double high) {
    readers_.emplace(key, [this, key, &field, low, high](const toml::node& node) {
      const std::optional<double> value = node.value<double>();  // integers too
      if (!value || *value < low || *value > high) {
        fail(node, key,
             "must be a number from " + std::to_string(low) + " to " + std::to_string(high));
      }
      field = *value;
    });
  }

  void boolean(std::string_view key, bool& field) {
    readers_.emplace(key, [this, key, &field](const toml::node& node) {
      const auto value = node.value_exact<bool>();
      if (!value) {
        fail(node, key, "must be true or false");
      }
      field = *value;
    });
  }

  void text(std::string_view key, std::string& field) {
    readers_.emplace(key, [this, key, &field](const toml::node& node) {
      const auto value = node.value_exact<std::string>();
      if (!value) {
        fail(node, key, "must be a string");
      }
      field = *value;
    });
  }

  void custom(std::string_view key, std::function<void(const toml::node&)> reader) {
    readers_.emplace(key, std::move(reader));
  }

  void read() {
    for (const auto& [key, node] : table_) {
      auto found = readers_.find(key.str());
      if (found == readers_.end()) {
        fail(node, key.str(), "is not a scenario key");
      }
      found->second(node);
    }
  }

  [[noreturn]] void fail(const toml::node& node, std::string_view key,
                         const std::string& problem) const {
    throw ScenarioError(where(path_, node, prefix_ + std::string(key)) + " " + problem);
  }

 private:
  const std::filesystem::path& path_;
  const toml::table& table_;
  std::string prefix_;
  std::map<std::string, std::function<void(const toml::node&)>, std::less<>> readers_;
};

constexpr unsigned kMaxUsers = 1'000'000;
constexpr unsigned kMaxCount = 1'000'000;
constexpr double kMaxRate = 1e6;
constexpr double kMaxSeconds = 86'400;

RoomGroup read_room_group(const std::filesystem::path& path, const toml::table& table,
                          std::size_t index) {
  RoomGroup group;
  TableReader reader(path, table, "rooms[" + std::to_string(index) + "].");
  reader.count("occupants", group.occupants, 1, kMaxUsers);
  reader.count("count", group.count, 0, kMaxCount);
  reader.read();
  if (group.occupants == 0) {
    throw ScenarioError(where(path, table, "rooms[" + std::to_string(index) + "].occupants") +
                        " is required");
  }
  return group;
}

void check(const std::filesystem::path& path, const toml::table& root, Scenario& scenario) {
  if (scenario.users == 0) {
    throw ScenarioError(where(path, root, "users") + " is required");
  }
  if (scenario.rooms.empty()) {
    throw ScenarioError(where(path, root, "rooms") + " needs at least one [[rooms]] group");
  }
  unsigned fill_groups = 0;
  for (const RoomGroup& group : scenario.rooms) {
    fill_groups += group.count == 0 ? 1 : 0;
  }
  if (fill_groups > 1) {
    throw ScenarioError(where(path, root, "rooms") + " only one group may leave count at 0 (fill)");
  }
}

}  // namespace

Scenario load_scenario(const std::filesystem::path& path) {
  toml::table root;
  try {
    root = toml::parse_file(path.string());
  } catch (const toml::parse_error& error) {
    throw ScenarioError(path.string() + ":" + std::to_string(error.source().begin.line) + ": " +
                        std::string(error.description()));
  }
  Scenario scenario;
  scenario.name = path.stem().string();
  TableReader reader(path, root, "");
  reader.text("name", scenario.name);
  reader.count("users", scenario.users, 1, kMaxUsers);
  reader.count("rooms_per_user", scenario.rooms_per_user, 1, 1000);
  reader.boolean("persistent_rooms", scenario.persistent_rooms);
  reader.count("connect_concurrency", scenario.connect_concurrency, 1, kMaxUsers);
  reader.number("connect_rate", scenario.connect_rate, 0, kMaxRate);
  reader.count("connect_retries", scenario.connect_retries, 0, 100);
  reader.number("join_rate", scenario.join_rate, 0, kMaxRate);
  reader.count("join_concurrency", scenario.join_concurrency, 1, kMaxCount);
  reader.number("steady_seconds", scenario.steady_seconds, 0, kMaxSeconds);
  reader.custom("post_mode", [&](const toml::node& node) {
    const auto value = node.value_exact<std::string>();
    if (value == "open") {
      scenario.post_mode = PostMode::open;
    } else if (value == "closed") {
      scenario.post_mode = PostMode::closed;
    } else {
      reader.fail(node, "post_mode", "must be \"open\" or \"closed\"");
    }
  });
  reader.number("post_rate", scenario.post_rate, 0, kMaxRate);
  reader.count("closed_window", scenario.closed_window, 1, 1000);
  reader.number("burst_every_seconds", scenario.burst_every_seconds, 0, kMaxSeconds);
  reader.count("burst_posts", scenario.burst_posts, 0, kMaxCount);
  reader.count("body_bytes", scenario.body_bytes, 32, 65536);
  reader.number("presence_changes_per_user_per_hour", scenario.presence_changes_per_user_per_hour,
                0, 3600);
  reader.number("churn_joins_per_s", scenario.churn_joins_per_s, 0, kMaxRate);
  reader.number("mam_queries_per_s", scenario.mam_queries_per_s, 0, kMaxRate);
  reader.count("mam_page_size", scenario.mam_page_size, 1, 1000);
  reader.number("drain_quiet_seconds", scenario.drain_quiet_seconds, 0.1, kMaxSeconds);
  reader.number("drain_max_seconds", scenario.drain_max_seconds, 0, kMaxSeconds);
  reader.boolean("reconnect_storm", scenario.reconnect_storm);
  reader.number("phase_timeout_seconds", scenario.phase_timeout_seconds, 1, kMaxSeconds);
  reader.custom("rooms", [&](const toml::node& node) {
    const toml::array* groups = node.as_array();
    if (groups == nullptr || !groups->is_array_of_tables()) {
      reader.fail(node, "rooms", "must be an array of tables ([[rooms]])");
    }
    std::size_t index = 0;
    for (const toml::node& group : *groups) {
      scenario.rooms.push_back(read_room_group(path, *group.as_table(), index++));
    }
  });
  reader.read();
  check(path, root, scenario);
  return scenario;
}

}  // namespace stoa::bench
