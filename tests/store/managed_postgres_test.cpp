#include "store/managed_postgres.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <pqxx/pqxx>
#include <stdexcept>

namespace stoa::store {
namespace {

namespace fs = std::filesystem;

long postmaster_pid(const fs::path& data_dir) {
  std::ifstream in(data_dir / "postmaster.pid");
  long pid = 0;
  in >> pid;
  return pid;
}

std::string query_text(const std::string& dsn, const std::string& sql) {
  pqxx::connection conn(dsn);
  pqxx::nontransaction tx(conn);
  return tx.exec1(sql)[0].as<std::string>();
}

// Each test gets its own cluster in its own directory, reachable by the postgres account
// when the tests run as root.
class ManagedPostgresTest : public testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/stoa-mpg-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    if (geteuid() == 0) {
      auto postgres = lookup_identity("postgres");
      ASSERT_TRUE(postgres.has_value());
      ASSERT_EQ(chown(root_.c_str(), postgres->uid, postgres->gid), 0);
    }
    data_dir_ = root_ / "cluster";
  }

  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  // Durability::none except where the default itself is under test: fsync is slow and these
  // clusters are thrown away.
  static constexpr auto kFast = ManagedPostgres::Durability::none;
  Logger log_{LogLevel::warn};
  fs::path root_;
  fs::path data_dir_;
};

TEST_F(ManagedPostgresTest, Start_FreshDirectory_ServesTheStoaDatabaseOnItsSocketOnly) {
  ManagedPostgres pg(data_dir_, "", log_);
  EXPECT_TRUE(fs::exists(data_dir_ / "PG_VERSION"));
  EXPECT_EQ(query_text(pg.dsn(), "SELECT current_database()"), "stoa");
  EXPECT_EQ(query_text(pg.dsn(), "SHOW listen_addresses"), "");
  EXPECT_EQ(query_text(pg.dsn(), "SHOW unix_socket_directories"), data_dir_.string());
  struct stat info {};
  ASSERT_EQ(stat(data_dir_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  if (geteuid() == 0) {
    EXPECT_EQ(pg.owner(), "postgres");
    EXPECT_EQ(info.st_uid, lookup_identity("postgres")->uid);
  } else {
    EXPECT_EQ(info.st_uid, geteuid());
  }
  EXPECT_EQ(query_text(pg.dsn(), "SELECT current_user"), pg.owner());
}

TEST_F(ManagedPostgresTest, Start_ExistingCluster_KeepsItsData) {
  {
    ManagedPostgres pg(data_dir_, "", log_, kFast);
    pqxx::connection conn(pg.dsn());
    pqxx::work tx(conn);
    tx.exec("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
    tx.commit();
  }
  EXPECT_EQ(postmaster_pid(data_dir_), 0) << "the server should have stopped";
  ManagedPostgres pg(data_dir_, "", log_, kFast);
  EXPECT_EQ(query_text(pg.dsn(), "SELECT v FROM kept"), "still here");
}

TEST_F(ManagedPostgresTest, Stop_Twice_IsHarmless) {
  ManagedPostgres pg(data_dir_, "", log_, kFast);
  pg.stop();
  EXPECT_EQ(postmaster_pid(data_dir_), 0);
  pg.stop();
}

TEST_F(ManagedPostgresTest, Start_SameDirectoryTwice_SecondThrows) {
  ManagedPostgres first(data_dir_, "", log_, kFast);
  try {
    ManagedPostgres second(data_dir_, "", log_, kFast);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("another process"), std::string::npos) << e.what();
  }
  // The first keeps running.
  EXPECT_EQ(query_text(first.dsn(), "SELECT 1"), "1");
}

TEST_F(ManagedPostgresTest, Start_ServerLeftByACrashedOwner_IsRestarted) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // A stoad that dies without stopping its cluster: no destructors run.
    try {
      ManagedPostgres crashed(data_dir_, "", log_, kFast);
      _exit(0);
    } catch (...) {
      _exit(1);
    }
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  long leftover = postmaster_pid(data_dir_);
  ASSERT_GT(leftover, 0);
  ASSERT_EQ(kill(static_cast<pid_t>(leftover), 0), 0) << "the leftover server should be alive";

  ManagedPostgres pg(data_dir_, "", log_, kFast);
  EXPECT_NE(postmaster_pid(data_dir_), leftover);
  EXPECT_EQ(query_text(pg.dsn(), "SHOW listen_addresses"), "");
}

TEST_F(ManagedPostgresTest, Start_StalePidFileNamingAnUnrelatedProcess_Starts) {
  { ManagedPostgres pg(data_dir_, "", log_, kFast); }
  // After a power loss the PID in the lock file may belong to anything; PID 1 always lives.
  std::ofstream(data_dir_ / "postmaster.pid") << "1\n" << data_dir_.string() << "\n";
  ManagedPostgres pg(data_dir_, "", log_, kFast);
  EXPECT_EQ(query_text(pg.dsn(), "SELECT 1"), "1");
  EXPECT_NE(postmaster_pid(data_dir_), 1);
}

TEST_F(ManagedPostgresTest, Start_NonEmptyDirectoryWithoutCluster_ThrowsAndTouchesNothing) {
  fs::create_directory(data_dir_);
  std::ofstream(data_dir_ / "precious.txt") << "do not delete";
  EXPECT_THROW(ManagedPostgres(data_dir_, "", log_, kFast), std::runtime_error);
  EXPECT_TRUE(fs::exists(data_dir_ / "precious.txt"));
  EXPECT_FALSE(fs::exists(data_dir_ / "PG_VERSION"));
}

TEST_F(ManagedPostgresTest, Start_ServerRefusesToStart_ThrowsWithItsLogAndReleasesTheDirectory) {
  { ManagedPostgres pg(data_dir_, "", log_, kFast); }
  std::ofstream(data_dir_ / "postgresql.conf", std::ios::app) << "this is not a setting\n";
  try {
    ManagedPostgres pg(data_dir_, "", log_, kFast);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("pg_ctl"), std::string::npos) << message;
    EXPECT_NE(message.find("postgresql.conf"), std::string::npos) << message;
  }
  // Repaired, the cluster starts again: the failed attempt left no lock or server behind.
  fs::resize_file(data_dir_ / "postgresql.conf", fs::file_size(data_dir_ / "postgresql.conf") -
                                                     std::string("this is not a setting\n").size());
  ManagedPostgres pg(data_dir_, "", log_, kFast);
  EXPECT_EQ(query_text(pg.dsn(), "SELECT 1"), "1");
}

TEST_F(ManagedPostgresTest, Start_MissingParents_CreatesThem) {
  auto nested = root_ / "a" / "b" / "cluster";
  ManagedPostgres pg(nested, "", log_, kFast);
  EXPECT_EQ(query_text(pg.dsn(), "SELECT 1"), "1");
  struct stat info {};
  ASSERT_EQ(stat((root_ / "a").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, geteuid() == 0 ? 0711u : 0700u);
}

TEST_F(ManagedPostgresTest, Start_BinDirWithoutTools_ThrowsNamingIt) {
  try {
    ManagedPostgres pg(data_dir_, root_, log_, kFast);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(root_.string()), std::string::npos) << e.what();
  }
}

TEST(ManagedPostgresPathTest, Construct_UnusableDataDirectory_ThrowsInvalidArgument) {
  Logger log(LogLevel::warn);
  EXPECT_THROW(ManagedPostgres("relative/dir", "", log), std::invalid_argument);
  EXPECT_THROW(ManagedPostgres("/tmp/with space", "", log), std::invalid_argument);
  EXPECT_THROW(ManagedPostgres("/tmp/quote'd", "", log), std::invalid_argument);
  EXPECT_THROW(ManagedPostgres("/tmp/$(reboot)", "", log), std::invalid_argument);
  EXPECT_THROW(ManagedPostgres("/", "", log), std::invalid_argument);
  EXPECT_THROW(ManagedPostgres("/tmp/" + std::string(100, 'x'), "", log), std::invalid_argument);
}

}  // namespace
}  // namespace stoa::store
