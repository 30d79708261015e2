#include "tests/support/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <utility>

namespace stoa::test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// A file descriptor closed on scope exit.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

Pipe make_pipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  }
  return {Fd(fds[0]), Fd(fds[1])};
}

/// argv as execv wants it, built before fork so that the child only makes async-signal-safe
/// calls.
class Argv {
 public:
  explicit Argv(const std::vector<std::string>& args) : storage_(args) {
    for (std::string& arg : storage_) {
      pointers_.push_back(arg.data());
    }
    pointers_.push_back(nullptr);
  }
  char* const* get() { return pointers_.data(); }

 private:
  std::vector<std::string> storage_;
  std::vector<char*> pointers_;
};

/// Forks and execs `argv` with the given descriptors as its stdin, stdout and stderr. The child
/// gets `death_signal` when the calling thread dies. Throws when the program cannot be executed.
pid_t spawn(const std::vector<std::string>& args, int in, int out, int err, int death_signal) {
  if (args.empty()) {
    throw std::runtime_error("spawn: empty command line");
  }
  Argv argv(args);
  Pipe exec_status = make_pipe();
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw std::runtime_error("fork " + args[0] + ": " + std::strerror(errno));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, death_signal);
    if (::getppid() != parent) {
      ::_exit(127);
    }
    // The test process ignores SIGPIPE; the child starts with the default dispositions.
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &default_action, nullptr);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) {
      const int error = errno;
      (void)!::write(exec_status.write.get(), &error, sizeof error);
      ::_exit(127);
    }
    ::execv(argv.get()[0], argv.get());
    const int error = errno;
    (void)!::write(exec_status.write.get(), &error, sizeof error);
    ::_exit(127);
  }
  exec_status.write.reset();
  int error = 0;
  ssize_t n;
  do {
    n = ::read(exec_status.read.get(), &error, sizeof error);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    ::waitpid(pid, nullptr, 0);
    throw std::runtime_error("cannot execute " + args[0] + ": " + std::strerror(error));
  }
  return pid;
}

/// Waits for `pid` until `deadline`; the wait status, or nullopt when it still runs.
std::optional<int> wait_for_exit(pid_t pid, Clock::time_point deadline) {
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      return status;
    }
    if (r < 0 && errno != EINTR) {
      return std::nullopt;
    }
    if (Clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(10ms);
  }
}

void set_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

}  // namespace

void ignore_sigpipe() {
  static const bool done = [] {
    std::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)done;
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) {
    return "exited with " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
           ::strsignal(WTERMSIG(status)) + ")";
  }
  return "wait status " + std::to_string(status);
}

std::string CommandResult::describe() const {
  std::string text = timed_out ? "timed out" : "exit code " + std::to_string(exit_code);
  text += "; stdout: [" + out + "]; stderr: [" + err + "]";
  return text;
}

CommandResult run_command(const std::vector<std::string>& argv, std::string_view input,
                          std::chrono::milliseconds timeout) {
  ignore_sigpipe();
  const Clock::time_point deadline = Clock::now() + timeout;
  Pipe in = make_pipe();
  Pipe out = make_pipe();
  Pipe err = make_pipe();
  const pid_t pid = spawn(argv, in.read.get(), out.write.get(), err.write.get(), SIGKILL);
  in.read.reset();
  out.write.reset();
  err.write.reset();
  set_nonblocking(in.write.get());
  set_nonblocking(out.read.get());
  set_nonblocking(err.read.get());
  if (input.empty()) {
    in.write.reset();
  }

  CommandResult result;
  std::size_t written = 0;
  while (out.read.get() >= 0 || err.read.get() >= 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= 0ms) {
      result.timed_out = true;
      break;
    }
    std::array<pollfd, 3> fds{
        {{in.write.get(), POLLOUT, 0}, {out.read.get(), POLLIN, 0}, {err.read.get(), POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0 && errno != EINTR) {
      break;
    }
    if (fds[0].revents != 0) {
      const ssize_t n = ::write(in.write.get(), input.data() + written, input.size() - written);
      if (n > 0) {
        written += static_cast<std::size_t>(n);
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        in.write.reset();  // it closed stdin without reading everything
      } else if (written == input.size()) {
        in.write.reset();
      }
    }
    for (auto [index, fd, sink] :
         {std::tuple{1, &out.read, &result.out}, std::tuple{2, &err.read, &result.err}}) {
      if (fds[index].revents == 0) {
        continue;
      }
      std::array<char, 4096> buffer{};
      const ssize_t n = ::read(fd->get(), buffer.data(), buffer.size());
      if (n > 0) {
        sink->append(buffer.data(), static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        fd->reset();
      }
    }
  }
  std::optional<int> status =
      result.timed_out ? std::nullopt : wait_for_exit(pid, std::max(deadline, Clock::now()));
  if (!status) {
    result.timed_out = true;
    ::kill(pid, SIGKILL);
    int killed = 0;
    ::waitpid(pid, &killed, 0);
    return result;
  }
  result.exit_code = WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  return result;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_path) {
  ignore_sigpipe();
  Fd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (log.get() < 0) {
    throw std::runtime_error("cannot open " + log_path + ": " + std::strerror(errno));
  }
  Fd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (null.get() < 0) {
    throw std::runtime_error(std::string("cannot open /dev/null: ") + std::strerror(errno));
  }
  // With the test process gone nobody waits for a graceful shutdown, and a hung one would
  // leave the process behind.
  pid_ = spawn(argv, null.get(), log.get(), log.get(), SIGKILL);
}

ChildProcess::~ChildProcess() {
  if (running()) {
    stop(10s);
  }
}

bool ChildProcess::running() {
  if (status_ || pid_ < 0) {
    return false;
  }
  status_ = wait_for_exit(pid_, Clock::now());
  return !status_;
}

void ChildProcess::wait_until(Clock::time_point deadline) {
  if (!status_) {
    status_ = wait_for_exit(pid_, deadline);
  }
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
  if (!running()) {
    return status_.value_or(-1);
  }
  ::kill(pid_, SIGTERM);
  wait_until(Clock::now() + grace);
  if (!status_) {
    return kill();
  }
  return *status_;
}

int ChildProcess::kill() {
  if (!running()) {
    return status_.value_or(-1);
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = status;
  return status;
}

}  // namespace stoa::test
