#pragma once

#include <string>

#include "bench/coordinator.hpp"
#include "bench/options.hpp"
#include "bench/room_plan.hpp"
#include "bench/scenario.hpp"

namespace stoa::bench {

/// The run's figures as one JSON object (the keys are listed in bench/README.md).
std::string json_report(const Options& options, const Scenario& scenario, const RoomPlan& plan,
                        const RunOutcome& outcome);
/// The same figures as a table for people.
std::string table_report(const Options& options, const Scenario& scenario, const RoomPlan& plan,
                         const RunOutcome& outcome);

}  // namespace stoa::bench
