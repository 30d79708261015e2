#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "bench/histogram.hpp"

namespace stoa::bench {

/// Rooms this large dominate a reconnect storm's work (each join sends the newcomer every
/// occupant's presence and everyone the newcomer's), so their joins are reported apart too.
inline constexpr std::uint32_t kLargeRoom = 1000;

/// What one worker counted; workers' results add up into the run's.
struct Results {
  std::uint64_t sessions_established = 0;  ///< initial logins that reached a bound session
  std::uint64_t sessions_held = 0;         ///< bound at the end of the steady phase
  std::uint64_t joins = 0;                 ///< initial joins confirmed (create and join phases)
  std::uint64_t churn_joins = 0;           ///< rejoins during the steady phase
  std::uint64_t posts = 0;
  std::uint64_t deliveries = 0;           ///< own posts seen by another occupant
  std::uint64_t deliveries_expected = 0;  ///< posts × (planned occupants − 1)
  std::uint64_t stanzas_received = 0;     ///< every stanza, in the steady and drain phases
  std::uint64_t presence_changes = 0;
  std::uint64_t mam_queries = 0;
  std::uint64_t storm_sessions = 0;  ///< sessions bound again in the reconnect storm
  std::uint64_t storm_joins = 0;
  Histogram join_latency;         ///< initial and churn joins
  Histogram storm_login_latency;  ///< reconnect storm: connect to bound resource
  Histogram storm_join_latency;
  Histogram storm_large_join_latency;  ///< the storm's joins to rooms of kLargeRoom or more
  /// How late the generator's own 10 ms timer fires during the storm: its event loop's delay,
  /// which every latency it measures in that phase includes.
  Histogram storm_generator_lag;
  Histogram latency;
  Histogram mam_latency;
  std::map<std::string, std::uint64_t, std::less<>> errors;

  void error(std::string_view kind);
  void merge(const Results& other);

  /// One line of "key=value" fields for the pipe to the parent.
  std::string serialize() const;
  /// Reads serialize()'s format; false when it is malformed.
  bool parse(std::string_view line);
};

}  // namespace stoa::bench
