#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace stoa::bench {

/// A group of rooms of one size. `count` 0 means "as many as it takes to give every user
/// rooms_per_user rooms" (at most one group may say so).
struct RoomGroup {
  unsigned occupants = 0;
  unsigned count = 0;
};

/// How posts are paced: "open" posts at post_rate whatever the server does; "closed" keeps
/// closed_window posts outstanding per room (the next goes when the poster sees its echo), to
/// find the rate the server sustains.
enum class PostMode { open, closed };

/// A benchmark scenario, read from a TOML file (see bench/README.md for every key).
struct Scenario {
  std::string name;
  unsigned users = 0;
  unsigned rooms_per_user = 1;
  std::vector<RoomGroup> rooms;
  bool persistent_rooms = true;

  unsigned connect_concurrency = 200;  ///< logins under way at once, over all processes
  double connect_rate = 0;             ///< logins started per second; 0: no pacing
  unsigned connect_retries = 5;        ///< attempts after a failed login
  double join_rate = 0;                ///< initial joins sent per second; 0: no pacing
  unsigned join_concurrency = 1000;    ///< joins awaiting the server's answer, over all processes

  double steady_seconds = 10;
  PostMode post_mode = PostMode::open;
  double post_rate = 1;            ///< posts per second over all users (open mode)
  unsigned closed_window = 1;      ///< posts outstanding per room (closed mode)
  double burst_every_seconds = 0;  ///< 0: no bursts
  unsigned burst_posts = 0;        ///< posts sent at once at each burst
  unsigned body_bytes = 64;
  double presence_changes_per_user_per_hour = 0;
  double churn_joins_per_s = 0;  ///< leave-and-rejoin of a room, per second over all users
  double mam_queries_per_s = 0;
  unsigned mam_page_size = 20;

  double drain_quiet_seconds = 2;  ///< after posting: wait until this long without a delivery
  double drain_max_seconds = 30;
  bool reconnect_storm = false;  ///< after the steady phase, everyone reconnects at once
  double phase_timeout_seconds = 600;
};

/// A scenario file that cannot be used; what() names the file, line and key.
class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Reads and checks a scenario file. Throws ScenarioError.
Scenario load_scenario(const std::filesystem::path& path);

}  // namespace stoa::bench
