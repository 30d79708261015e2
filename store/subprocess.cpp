#include "store/subprocess.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <string_view>

extern char** environ;

namespace stoa::store {

namespace {

constexpr std::size_t kMaxOutput = 64 * 1024;

// Between fork() and exec() only async-signal-safe calls are allowed (other threads may hold
// the allocator's locks), so every string the child needs is prepared before forking.
struct ChildSetup {
  std::vector<char*> argv;
  std::vector<char*> envp;
  const ProcessIdentity* identity = nullptr;
};

[[noreturn]] void child_fail(const char* what) {
  const char* reason = strerrorname_np(errno);  // a table lookup: async-signal-safe
  if (reason == nullptr) {
    reason = "unknown error";
  }
  (void)!write(STDERR_FILENO, what, std::strlen(what));
  (void)!write(STDERR_FILENO, ": ", 2);
  (void)!write(STDERR_FILENO, reason, std::strlen(reason));
  (void)!write(STDERR_FILENO, "\n", 1);
  _exit(127);
}

void become(const ProcessIdentity& identity) {
  if (setgroups(identity.groups.size(), identity.groups.data()) != 0) {
    child_fail("setgroups");
  }
  if (setgid(identity.gid) != 0) {
    child_fail("setgid");
  }
  if (setuid(identity.uid) != 0) {
    child_fail("setuid");
  }
}

// The parent's signal mask and ignored signals survive exec; a server would inherit them.
void reset_signals() {
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
    std::signal(signal_number, SIG_DFL);
  }
}

[[noreturn]] void run_child(const ChildSetup& setup, int output_fd) {
  reset_signals();
  int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(output_fd, STDOUT_FILENO) < 0 ||
      dup2(output_fd, STDERR_FILENO) < 0) {
    child_fail("redirecting standard descriptors");
  }
  // Descriptors of the parent (client sockets, lock files) must not leak into a server that
  // outlives us.
  close_range(3, ~0U, 0);
  if (setup.identity != nullptr) {
    become(*setup.identity);
  }
  if (chdir("/") != 0) {
    child_fail("chdir /");
  }
  execve(setup.argv[0], setup.argv.data(), setup.envp.data());
  child_fail(setup.argv[0]);
}

ProcessResult wait_for(pid_t pid, ProcessResult result) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw std::runtime_error(std::string("waitpid failed: ") + std::strerror(errno));
    }
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = -1;
    result.signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace

std::optional<ProcessIdentity> lookup_identity(const std::string& name) {
  long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(hint > 0 ? static_cast<std::size_t>(hint) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  int rc = 0;
  while ((rc = getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) == ERANGE) {
    buffer.resize(buffer.size() * 2);
  }
  if (rc != 0 || found == nullptr) {
    return std::nullopt;
  }
  ProcessIdentity identity{name, entry.pw_uid, entry.pw_gid, {}, entry.pw_dir};
  int count = 16;
  identity.groups.resize(static_cast<std::size_t>(count));
  while (getgrouplist(name.c_str(), entry.pw_gid, identity.groups.data(), &count) < 0) {
    identity.groups.resize(static_cast<std::size_t>(count));
  }
  identity.groups.resize(static_cast<std::size_t>(count));
  return identity;
}

ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::optional<ProcessIdentity>& identity) {
  if (argv.empty() || !argv[0].starts_with('/')) {
    throw std::invalid_argument("run_process needs an absolute program path");
  }
  std::vector<std::string> args = argv;
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    // PGDATA, PGPORT, PGHOST... would silently redirect the PostgreSQL tools.
    if (!std::string_view(*entry).starts_with("PG")) {
      environment.emplace_back(*entry);
    }
  }
  ChildSetup setup;
  for (auto& arg : args) {
    setup.argv.push_back(arg.data());
  }
  setup.argv.push_back(nullptr);
  for (auto& variable : environment) {
    setup.envp.push_back(variable.data());
  }
  setup.envp.push_back(nullptr);
  setup.identity = identity ? &*identity : nullptr;

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  pid_t pid = fork();
  if (pid < 0) {
    int saved = errno;
    close(fds[0]);
    close(fds[1]);
    throw std::runtime_error("cannot start " + argv[0] + ": fork failed: " + std::strerror(saved));
  }
  if (pid == 0) {
    run_child(setup, fds[1]);
  }
  close(fds[1]);
  ProcessResult result;
  char chunk[4096];
  for (;;) {
    ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    result.output.append(chunk, static_cast<std::size_t>(n));
    if (result.output.size() > kMaxOutput) {
      result.output.erase(0, result.output.size() - kMaxOutput);
    }
  }
  close(fds[0]);
  return wait_for(pid, std::move(result));
}

std::string describe_command(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) {
    if (!text.empty()) {
      text += ' ';
    }
    bool plain = !arg.empty() && arg.find_first_of(" \t\n'\"\\") == std::string::npos;
    text += plain ? arg : "'" + arg + "'";
  }
  return text;
}

std::string last_lines(const std::string& text, std::size_t count) {
  std::vector<std::string_view> lines;
  std::string_view rest(text);
  while (!rest.empty()) {
    auto end = rest.find('\n');
    auto line = rest.substr(0, end);
    if (!line.empty()) {
      lines.push_back(line);
    }
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }
  std::string tail;
  for (std::size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i) {
    tail += lines[i];
    tail += '\n';
  }
  return tail;
}

bool accessible_as(const ProcessIdentity& identity, const std::filesystem::path& path, int mode) {
  std::string target = path.string();
  pid_t pid = fork();
  if (pid < 0) {
    throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) {
    if (setgroups(identity.groups.size(), identity.groups.data()) != 0 ||
        setgid(identity.gid) != 0 || setuid(identity.uid) != 0) {
      _exit(2);
    }
    _exit(access(target.c_str(), mode) == 0 ? 0 : 1);
  }
  return wait_for(pid, {}).exit_code == 0;
}

}  // namespace stoa::store
