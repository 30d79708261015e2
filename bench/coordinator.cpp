#include "bench/coordinator.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>

#include "bench/worker_process.hpp"

namespace stoa::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Child {
  pid_t pid = -1;
  int from_child = -1;
  int to_child = -1;
  std::string buffer;
  std::string ready;  ///< the phase it waits to start; "end" once its results came
  bool gone = false;  ///< exited or closed its pipe without results
};

/// Reads what a child wrote; handles each complete line. False when the pipe closed.
bool read_child(Child& child, Results& merged) {
  char data[65536];
  const ssize_t size = ::read(child.from_child, data, sizeof data);
  if (size < 0 && errno == EINTR) {
    return true;
  }
  if (size <= 0) {
    return false;
  }
  child.buffer.append(data, static_cast<std::size_t>(size));
  for (std::size_t newline; (newline = child.buffer.find('\n')) != std::string::npos;) {
    const std::string line = child.buffer.substr(0, newline);
    child.buffer.erase(0, newline + 1);
    if (line.starts_with("ready ")) {
      child.ready = line.substr(6);
    } else if (line.starts_with("result ")) {
      Results results;
      if (!results.parse(std::string_view(line).substr(7))) {
        merged.error("worker-bad-results");
      }
      merged.merge(results);
      child.ready = "end";
    }
  }
  return true;
}

/// The load generator's own CPU time so far: what it costs is CPU the server did not get.
double workers_cpu_seconds(const std::vector<Child>& children) {
  double seconds = 0;
  for (const Child& child : children) {
    if (const std::optional<ServerSample> sample = sample_server(child.pid)) {
      seconds += sample->cpu_seconds;
    }
  }
  return seconds;
}

void write_go(const Child& child) {
  constexpr char kGo[] = "go\n";
  while (::write(child.to_child, kGo, sizeof kGo - 1) < 0 && errno == EINTR) {
  }
}

}  // namespace

double RunOutcome::phase_seconds(const std::string& name) const {
  for (const PhaseTime& phase : phases) {
    if (phase.name == name) {
      return phase.seconds;
    }
  }
  return 0;
}

double RunOutcome::phase_generator_cpu_seconds(const std::string& name) const {
  for (const PhaseTime& phase : phases) {
    if (phase.name == name) {
      return phase.generator_cpu_seconds;
    }
  }
  return 0;
}

RunOutcome run_workers(const Options& options, const Scenario& scenario, const RoomPlan& plan,
                       const asio::ip::tcp::endpoint& endpoint) {
  RunOutcome outcome;
  if (options.server_pid) {
    outcome.server_before = sample_server(*options.server_pid);
  }
  const unsigned processes = options.processes;
  std::vector<Child> children(processes);
  std::fflush(nullptr);
  for (unsigned index = 0; index < processes; ++index) {
    int up[2];
    int down[2];
    if (::pipe(up) != 0 || ::pipe(down) != 0) {
      throw std::runtime_error("cannot create the pipes to a worker");
    }
    const auto first =
        static_cast<std::uint32_t>(std::uint64_t{scenario.users} * index / processes);
    const auto end =
        static_cast<std::uint32_t>(std::uint64_t{scenario.users} * (index + 1) / processes);
    const pid_t pid = ::fork();
    if (pid < 0) {
      throw std::runtime_error("cannot fork a worker");
    }
    if (pid == 0) {
      ::close(up[0]);
      ::close(down[1]);
      for (unsigned other = 0; other < index; ++other) {
        ::close(children[other].from_child);
        ::close(children[other].to_child);
      }
      const int status =
          run_worker_process(options, scenario, plan, endpoint, first, end, index, up[1], down[0]);
      std::fflush(nullptr);
      ::_exit(status);
    }
    ::close(up[1]);
    ::close(down[0]);
    children[index].pid = pid;
    children[index].from_child = up[0];
    children[index].to_child = down[1];
  }

  const Clock::time_point run_start = Clock::now();
  std::string current;
  Clock::time_point phase_start = run_start;
  double phase_start_cpu = 0;
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<Child*> polled;
    for (Child& child : children) {
      if (!child.gone && child.ready != "end") {
        fds.push_back(pollfd{child.from_child, POLLIN, 0});
        polled.push_back(&child);
      }
    }
    // Every live child is waiting for the same phase: record the last one and start it.
    std::string next;
    bool agreed = true;
    for (const Child& child : children) {
      if (child.gone) {
        continue;
      }
      if (child.ready.empty() || (!next.empty() && child.ready != next)) {
        agreed = false;
      }
      next = child.ready;
    }
    if (agreed) {
      const Clock::time_point now = Clock::now();
      const double cpu = workers_cpu_seconds(children);
      if (!current.empty()) {
        outcome.phases.push_back({current, std::chrono::duration<double>(now - phase_start).count(),
                                  cpu - phase_start_cpu});
      }
      phase_start_cpu = cpu;
      if (options.server_pid) {
        if (auto sample = sample_server(*options.server_pid)) {
          outcome.server_at[next.empty() ? std::string("end") : next] = *sample;
        }
      }
      if (next.empty() || next == "end") {
        break;
      }
      current = next;
      phase_start = now;
      for (Child& child : children) {
        if (!child.gone) {
          child.ready.clear();
          write_go(child);
        }
      }
      continue;
    }
    if (::poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) {
      break;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents != 0 && !read_child(*polled[i], outcome.results)) {
        polled[i]->gone = true;
        outcome.results.error("worker-lost");
      }
    }
  }
  outcome.duration_s = std::chrono::duration<double>(Clock::now() - run_start).count();
  for (Child& child : children) {
    ::close(child.from_child);
    ::close(child.to_child);
    int status = 0;
    ::waitpid(child.pid, &status, 0);
  }
  return outcome;
}

}  // namespace stoa::bench
