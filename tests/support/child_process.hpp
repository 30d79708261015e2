#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stoa::test {

/// What a finished command left behind.
struct CommandResult {
  int exit_code = -1;      ///< exit status; -1 when a signal ended it or it ran over time
  bool timed_out = false;  ///< it was still running at the deadline and was killed
  std::string out;         ///< everything it wrote to stdout
  std::string err;         ///< everything it wrote to stderr

  /// One line for failure messages: the status and both outputs.
  std::string describe() const;
};

/// Makes writes to a closed socket or pipe fail with EPIPE instead of killing the test process.
void ignore_sigpipe();

/// Runs `argv` (argv[0] is a path) with `input` on stdin and stdout/stderr captured. A command
/// still running after `timeout` is killed with SIGKILL.
CommandResult run_command(const std::vector<std::string>& argv, std::string_view input,
                          std::chrono::milliseconds timeout);

/// "exited with 3", "killed by signal 9": a wait status in words.
std::string describe_wait_status(int status);

/// A background process: stdin from /dev/null, stdout and stderr appended to a log file. It gets
/// SIGKILL when the thread that started it dies, so a crashed or killed test run leaves nothing
/// behind; the destructor stops it.
class ChildProcess {
 public:
  /// Starts `argv`; throws std::runtime_error naming the program when it cannot be started.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  /// Whether it still runs; reaps it and keeps its wait status once it has exited.
  bool running();
  /// The wait status once it has exited and been reaped.
  std::optional<int> wait_status() const { return status_; }
  /// SIGTERM, then up to `grace` for it to exit, then SIGKILL. Returns the wait status.
  int stop(std::chrono::milliseconds grace);
  /// SIGKILL at once. Returns the wait status.
  int kill();

 private:
  void wait_until(std::chrono::steady_clock::time_point deadline);

  pid_t pid_ = -1;
  std::optional<int> status_;
};

}  // namespace stoa::test
