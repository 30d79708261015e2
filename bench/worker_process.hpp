#pragma once

#include <asio/ip/tcp.hpp>
#include <cstdint>

#include "bench/options.hpp"
#include "bench/room_plan.hpp"
#include "bench/scenario.hpp"

namespace stoa::bench {

/// The body of a forked worker: its own io_context and TLS context, the users [first, end),
/// the pipes to the parent. Returns the process's exit status.
int run_worker_process(const Options& options, const Scenario& scenario, const RoomPlan& plan,
                       const asio::ip::tcp::endpoint& endpoint, std::uint32_t first,
                       std::uint32_t end, unsigned index, int to_parent, int from_parent);

}  // namespace stoa::bench
