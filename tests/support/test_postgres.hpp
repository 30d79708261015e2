#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "common/log.hpp"
#include "store/managed_postgres.hpp"

namespace stoa::test {

/// A throwaway PostgreSQL cluster for one test process, in a fresh /tmp/stoa-test-pg-XXXXXX
/// directory: started on first use, stopped and removed when the process exits, even when it
/// crashes or is killed (a watchdog process takes care of that).
class TestPostgres {
 public:
  TestPostgres();
  ~TestPostgres();
  TestPostgres(const TestPostgres&) = delete;
  TestPostgres& operator=(const TestPostgres&) = delete;

  store::ManagedPostgres& cluster() { return *cluster_; }
  /// The temporary directory holding the cluster.
  const std::filesystem::path& directory() const { return root_; }
  /// Creates an empty database with a name unique in this process and returns its DSN.
  std::string create_database();

 private:
  Logger log_;
  std::filesystem::path root_;
  std::unique_ptr<store::ManagedPostgres> cluster_;
  pid_t owner_pid_;
  /// The write end of the watchdog's pipe: closed only when this process ends.
  int watchdog_fd_ = -1;
  std::mutex mutex_;
  unsigned databases_ = 0;
};

/// The process's test cluster, started on the first call. Throws when it cannot start.
TestPostgres& test_postgres();

/// A fresh, empty database in the test cluster: its DSN. Each test takes its own, so tests
/// never see each other's rows.
std::string create_test_database();

}  // namespace stoa::test
