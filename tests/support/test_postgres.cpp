#include "tests/support/test_postgres.hpp"

#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <pqxx/pqxx>
#include <stdexcept>
#include <vector>

#include "store/subprocess.hpp"

namespace stoa::test {

namespace {

std::filesystem::path make_root() {
  char pattern[] = "/tmp/stoa-test-pg-XXXXXX";
  if (mkdtemp(pattern) == nullptr) {
    throw std::runtime_error(std::string("mkdtemp failed: ") + std::strerror(errno));
  }
  std::filesystem::path root(pattern);
  // As root, the cluster runs as postgres, which must be able to enter the directory.
  if (geteuid() == 0) {
    auto postgres = store::lookup_identity("postgres");
    if (!postgres) {
      throw std::runtime_error("tests run as root need the postgres system account");
    }
    if (chown(root.c_str(), postgres->uid, postgres->gid) != 0) {
      throw std::runtime_error("cannot hand " + root.string() +
                               " to postgres: " + std::strerror(errno));
    }
  }
  return root;
}

// Destructors do not run when a test crashes or is killed, and a cluster left behind keeps
// running for good. So a watchdog child waits for end-of-file on a pipe whose write end only
// this process holds (close-on-exec, so no other child inherits it); the kernel closes it when
// the process ends, however it ends, and the watchdog then stops the cluster and removes its
// directory. After a normal exit the destructor has done both, and the watchdog finds nothing.
// Its own session keeps a terminal's Ctrl-C from killing it along with the tests.
int start_watchdog(const std::filesystem::path& pg_ctl, const std::filesystem::path& data_dir,
                   const std::filesystem::path& root,
                   const std::optional<store::ProcessIdentity>& identity) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe failed: ") + std::strerror(errno));
  }
  // Paths reach the script as positional parameters, never as script text.
  std::vector<std::string> args = {
      "/bin/sh",
      "-c",
      "cat >/dev/null; \"$1\" stop -D \"$2\" -m immediate -w >/dev/null 2>&1; rm -rf -- \"$3\"",
      "stoa-test-pg-watchdog",
      pg_ctl.string(),
      data_dir.string(),
      root.string()};
  std::vector<char*> argv;
  for (auto& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    int saved = errno;
    close(fds[0]);
    close(fds[1]);
    throw std::runtime_error(std::string("fork failed: ") + std::strerror(saved));
  }
  if (pid == 0) {
    // Only async-signal-safe calls until exec.
    setsid();
    int null_fd = open("/dev/null", O_RDWR);
    if (dup2(fds[0], STDIN_FILENO) < 0 || dup2(null_fd, STDOUT_FILENO) < 0 ||
        dup2(null_fd, STDERR_FILENO) < 0) {
      _exit(127);
    }
    close_range(3, ~0U, 0);
    // The cluster's account owns everything the watchdog touches.
    if (identity && (setgroups(identity->groups.size(), identity->groups.data()) != 0 ||
                     setgid(identity->gid) != 0 || setuid(identity->uid) != 0)) {
      _exit(127);
    }
    if (chdir("/") != 0) {
      _exit(127);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[0]);
  return fds[1];
}

}  // namespace

TestPostgres::TestPostgres() : log_(LogLevel::warn), root_(make_root()), owner_pid_(getpid()) {
  try {
    // Nothing here needs to survive a machine crash, and fsync dominates the tests' run time.
    cluster_ = std::make_unique<store::ManagedPostgres>(root_ / "data", "", log_,
                                                        store::ManagedPostgres::Durability::none);
    std::optional<store::ProcessIdentity> identity;
    if (geteuid() == 0) {
      identity = store::lookup_identity("postgres");
    }
    watchdog_fd_ =
        start_watchdog(cluster_->bin_dir() / "pg_ctl", cluster_->data_dir(), root_, identity);
  } catch (...) {
    cluster_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
    throw;
  }
}

TestPostgres::~TestPostgres() {
  // A forked child (a death test, say) that exits must not stop its parent's cluster.
  if (getpid() != owner_pid_) {
    [[maybe_unused]] auto* leaked = cluster_.release();
    return;
  }
  cluster_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(root_, ignored);
  close(watchdog_fd_);
}

std::string TestPostgres::create_database() {
  std::string name;
  {
    std::lock_guard lock(mutex_);
    name = "test_" + std::to_string(++databases_);
  }
  pqxx::connection admin(cluster_->dsn_for("postgres"));
  pqxx::nontransaction tx(admin);
  tx.exec("CREATE DATABASE " + tx.quote_name(name));
  return cluster_->dsn_for(name);
}

TestPostgres& test_postgres() {
  static TestPostgres instance;
  return instance;
}

std::string create_test_database() {
  return test_postgres().create_database();
}

}  // namespace stoa::test
