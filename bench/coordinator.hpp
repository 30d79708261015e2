#pragma once

#include <asio/ip/tcp.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bench/options.hpp"
#include "bench/results.hpp"
#include "bench/room_plan.hpp"
#include "bench/scenario.hpp"
#include "bench/server_probe.hpp"

namespace stoa::bench {

struct PhaseTime {
  std::string name;
  double seconds = 0;
  double generator_cpu_seconds = 0;  ///< user + system time the workers used in the phase
};

/// A whole run as the parent saw it: the workers' merged results, how long each phase took
/// (from "go" until the last worker was ready for the next), and the server at each phase's
/// start ("end" for the last sample).
struct RunOutcome {
  Results results;
  std::vector<PhaseTime> phases;
  double duration_s = 0;
  std::map<std::string, ServerSample> server_at;
  std::optional<ServerSample> server_before;

  double phase_seconds(const std::string& name) const;
  double phase_generator_cpu_seconds(const std::string& name) const;
};

/// Forks options.processes workers, each taking a contiguous slice of the users, steps them
/// through the phases together and merges what they report.
RunOutcome run_workers(const Options& options, const Scenario& scenario, const RoomPlan& plan,
                       const asio::ip::tcp::endpoint& endpoint);

}  // namespace stoa::bench
