// stoa-bench: an XMPP load generator for group chat (bench/README.md).

#include <sys/resource.h>

#include <algorithm>
#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "bench/coordinator.hpp"
#include "bench/options.hpp"
#include "bench/report.hpp"
#include "bench/room_plan.hpp"
#include "bench/scenario.hpp"

namespace {

/// Each connection is a file descriptor: take every one the hard limit allows.
rlim_t raise_open_files_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace stoa::bench;
  Options options;
  Scenario scenario;
  try {
    options = parse_options(argc, argv);
    scenario = load_scenario(options.scenario_path);
  } catch (const UsageError& error) {
    if (*error.what() != '\0') {
      std::cerr << "stoa-bench: " << error.what() << "\n";
    }
    std::cerr << usage();
    return 2;
  } catch (const ScenarioError& error) {
    std::cerr << "stoa-bench: " << error.what() << "\n";
    return 2;
  }
  if (options.users && *options.users != scenario.users) {
    // Fixed-size room groups shrink or grow with the users, so a scaled run keeps the mix.
    for (RoomGroup& group : scenario.rooms) {
      if (group.count > 0) {
        group.count =
            std::max(1u, static_cast<unsigned>(std::lround(static_cast<double>(group.count) *
                                                           *options.users / scenario.users)));
      }
    }
    scenario.users = *options.users;
  }
  options.processes = std::min(options.processes, scenario.users);

  // A worker or parent that has gone away shows as a write error on its pipe, not a signal.
  std::signal(SIGPIPE, SIG_IGN);
  const rlim_t open_files = raise_open_files_limit();
  // A few descriptors per process go to pipes, stdio and the event loop.
  constexpr rlim_t kReserve = 64;
  const rlim_t per_process = (scenario.users + options.processes - 1) / options.processes;
  if (per_process + kReserve > open_files) {
    std::cerr << "stoa-bench: " << per_process << " connections per process exceed the limit of "
              << open_files << " open files; use more --processes\n";
    return 2;
  }

  asio::ip::tcp::endpoint endpoint;
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    auto endpoints = resolver.resolve(options.host, std::to_string(options.port));
    asio::ip::tcp::socket probe(io);
    endpoint = asio::connect(probe, endpoints);
  } catch (const std::exception& error) {
    std::cerr << "stoa-bench: cannot reach " << options.host << ":" << options.port << ": "
              << error.what() << "\n";
    return 1;
  }

  const RoomPlan plan(scenario);
  RunOutcome outcome;
  try {
    outcome = run_workers(options, scenario, plan, endpoint);
  } catch (const std::exception& error) {
    std::cerr << "stoa-bench: " << error.what() << "\n";
    return 1;
  }
  std::cout << table_report(options, scenario, plan, outcome) << std::flush;
  if (!options.json_path.empty()) {
    std::ofstream json(options.json_path);
    json << json_report(options, scenario, plan, outcome);
    if (!json) {
      std::cerr << "stoa-bench: cannot write " << options.json_path << "\n";
      return 1;
    }
  }
  if (outcome.results.sessions_established == 0) {
    std::cerr << "stoa-bench: no session could be established\n";
    return 1;
  }
  return 0;
}
