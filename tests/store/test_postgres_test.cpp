#include "tests/support/test_postgres.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <pqxx/pqxx>
#include <thread>

#include "tests/support/wait.hpp"

namespace stoa::test {
namespace {

TEST(TestPostgresTest, CreateDatabase_TwoCalls_GiveSeparateEmptyDatabases) {
  auto first = create_test_database();
  auto second = create_test_database();
  EXPECT_NE(first, second);
  pqxx::connection conn(first);
  pqxx::work tx(conn);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")[0].as<int>(), 0);
}

TEST(TestPostgresTest, OwningProcessKilled_WatchdogStopsAndRemovesTheCluster) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // A test process that dies without running any destructor.
    close(fds[0]);
    try {
      auto* cluster = new TestPostgres();
      auto path = cluster->directory().string() + "\n";
      (void)!write(fds[1], path.data(), path.size());
    } catch (...) {
    }
    raise(SIGKILL);
  }
  close(fds[1]);
  std::string path;
  char c = 0;
  while (read(fds[0], &c, 1) == 1 && c != '\n') {
    path += c;
  }
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_FALSE(path.empty()) << "the child could not start its cluster";
  auto deadline = std::chrono::steady_clock::now() + kWaitTimeout;
  while (std::filesystem::exists(path) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_FALSE(std::filesystem::exists(path)) << path << " is still there";
}

}  // namespace
}  // namespace stoa::test
