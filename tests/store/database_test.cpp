#include "store/database.hpp"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <stdexcept>
#include <thread>
#include <utility>

#include "store/prepared_statement.hpp"
#include "tests/store/run_awaitable.hpp"
#include "tests/support/test_postgres.hpp"

namespace stoa::store {
namespace {

using test::run_awaitable;

struct WorkRefused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int backend_pid(pqxx::work& tx) {
  return tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
}

// Ends the server process behind another session, as a server restart or an administrator
// would, and waits (bounded by the server) until it is gone.
void terminate_backend(const std::string& dsn, int pid) {
  pqxx::connection admin(dsn);
  pqxx::nontransaction tx(admin);
  ASSERT_TRUE(tx.exec_params1("SELECT pg_terminate_backend($1, 10000)", pid)[0].as<bool>());
}

// Work that loses its connection the first time it runs (counted in `runs`), then answers 5.
template <typename Transaction>
auto loses_connection_once(int& runs) {
  return [&runs](Transaction& tx) {
    if (++runs == 1) {
      tx.exec("SELECT pg_terminate_backend(pg_backend_pid())");
    }
    return tx.exec1("SELECT 5")[0].template as<int>();
  };
}

class DatabaseTest : public testing::Test {
 protected:
  Logger log_{LogLevel::warn};
  std::string dsn_ = test::create_test_database();
};

TEST_F(DatabaseTest, Transact_FromCoroutine_RunsOnStoreThreadAndResumesOnCaller) {
  Database db(dsn_, 2, log_);
  asio::io_context io;
  std::thread::id io_thread;
  std::thread::id work_thread;
  std::thread::id resumed_on;
  auto done = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<int> {
        int value = co_await db.transact([&](pqxx::work& tx) {
          work_thread = std::this_thread::get_id();
          return tx.exec1("SELECT 41 + 1")[0].as<int>();
        });
        resumed_on = std::this_thread::get_id();
        co_return value;
      },
      asio::use_future);
  std::thread runner([&] {
    io_thread = std::this_thread::get_id();
    io.run();
  });
  runner.join();
  EXPECT_EQ(done.get(), 42);
  EXPECT_EQ(resumed_on, io_thread);
  EXPECT_NE(work_thread, io_thread);
  EXPECT_NE(work_thread, std::this_thread::get_id());
}

TEST_F(DatabaseTest, Transact_VoidWork_Commits) {
  Database db(dsn_, 1, log_);
  run_awaitable(db.transact([](pqxx::work& tx) { tx.exec("CREATE TABLE t (v int)"); }));
  run_awaitable(db.transact([](pqxx::work& tx) { tx.exec("INSERT INTO t VALUES (7)"); }));
  EXPECT_EQ(db.transact_blocking(
                [](pqxx::work& tx) { return tx.exec1("SELECT sum(v) FROM t")[0].as<int>(); }),
            7);
}

TEST_F(DatabaseTest, Transact_ManyConcurrentCoroutines_AllComplete) {
  Database db(dsn_, 2, log_);
  asio::io_context io;
  std::vector<std::future<int>> results;
  for (int i = 0; i < 50; ++i) {
    results.push_back(asio::co_spawn(
        io,
        [&db, i]() -> asio::awaitable<int> {
          co_return co_await db.transact(
              [i](pqxx::work& tx) { return tx.exec_params1("SELECT $1 * 2", i)[0].as<int>(); });
        },
        asio::use_future));
  }
  io.run();
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(results[i].get(), i * 2);
  }
}

TEST_F(DatabaseTest, Transact_BackendTerminated_RetriesOnAFreshConnection) {
  Database db(dsn_, 1, log_);
  int before = run_awaitable(db.transact(backend_pid));
  terminate_backend(dsn_, before);
  int after = run_awaitable(db.transact(backend_pid));
  EXPECT_NE(after, before);
  // The fresh connection stays in use.
  EXPECT_EQ(run_awaitable(db.transact(backend_pid)), after);
}

TEST_F(DatabaseTest, TransactBlocking_BackendTerminated_RetriesOnAFreshConnection) {
  Database db(dsn_, 1, log_);
  int before = db.transact_blocking(backend_pid);
  terminate_backend(dsn_, before);
  int after = db.transact_blocking(backend_pid);
  EXPECT_NE(after, before);
}

TEST_F(DatabaseTest, Transact_ConnectionLostDuringWork_RunsTheWorkAgain) {
  Database db(dsn_, 1, log_);
  int runs = 0;
  EXPECT_EQ(run_awaitable(db.transact(loses_connection_once<pqxx::work>(runs))), 5);
  EXPECT_EQ(runs, 2);
}

TEST_F(DatabaseTest, Transact_ConnectionLostTwice_ThrowsStoreUnavailable) {
  Database db(dsn_, 1, log_);
  int runs = 0;
  EXPECT_THROW(run_awaitable(db.transact([&runs](pqxx::work& tx) {
                 ++runs;
                 tx.exec("SELECT pg_terminate_backend(pg_backend_pid())");
               })),
               StoreUnavailable);
  EXPECT_EQ(runs, 2);
  // The next call starts over on a fresh connection.
  EXPECT_GT(run_awaitable(db.transact(backend_pid)), 0);
}

TEST_F(DatabaseTest, Read_EachStatementIsItsOwnTransaction) {
  Database db(dsn_, 1, log_);
  auto two_transaction_ids = [](auto& tx) {
    const auto first = tx.exec1("SELECT txid_current()")[0].template as<long>();
    return std::pair(first, tx.exec1("SELECT txid_current()")[0].template as<long>());
  };
  const auto [read_first, read_second] = run_awaitable(db.read(two_transaction_ids));
  EXPECT_NE(read_first, read_second);
  const auto [transact_first, transact_second] = run_awaitable(db.transact(two_transaction_ids));
  EXPECT_EQ(transact_first, transact_second);
}

TEST_F(DatabaseTest, Read_ConnectionLostDuringWork_RunsTheWorkAgain) {
  Database db(dsn_, 1, log_);
  int runs = 0;
  EXPECT_EQ(run_awaitable(db.read(loses_connection_once<pqxx::nontransaction>(runs))), 5);
  EXPECT_EQ(runs, 2);
}

// The statement may have committed before the connection went: running it again could apply it
// twice.
TEST_F(DatabaseTest, AutocommitBlocking_ConnectionLostDuringWork_ThrowsWithoutRunningAgain) {
  Database db(dsn_, 1, log_);
  db.transact_blocking([](pqxx::work& tx) { tx.exec("CREATE TABLE t (v int)"); });
  int runs = 0;
  EXPECT_THROW(db.autocommit_blocking([&runs](pqxx::nontransaction& tx) {
    ++runs;
    tx.exec("INSERT INTO t VALUES (1)");
    tx.exec("SELECT pg_terminate_backend(pg_backend_pid())");
  }),
               StoreUnavailable);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(db.transact_blocking(
                [](pqxx::work& tx) { return tx.exec1("SELECT count(*) FROM t")[0].as<int>(); }),
            1);
}

TEST_F(DatabaseTest, AutocommitBlocking_ConnectionLostWhileIdle_RunsOnAFreshConnection) {
  Database db(dsn_, 1, log_);
  int before = db.transact_blocking(backend_pid);
  terminate_backend(dsn_, before);
  int after = db.autocommit_blocking(
      [](pqxx::nontransaction& tx) { return tx.exec1("SELECT pg_backend_pid()")[0].as<int>(); });
  EXPECT_NE(after, before);
}

TEST_F(DatabaseTest, ExecPrepared_AfterReconnection_PreparesAgain) {
  Database db(dsn_, 1, log_);
  auto doubled = [](pqxx::nontransaction& tx) {
    return exec_prepared(tx, "doubled", "SELECT $1::int * 2", 21)[0][0].as<int>();
  };
  EXPECT_EQ(run_awaitable(db.read(doubled)), 42);
  EXPECT_EQ(run_awaitable(db.read(doubled)), 42);
  terminate_backend(dsn_, db.transact_blocking(backend_pid));
  EXPECT_EQ(run_awaitable(db.read(doubled)), 42);
}

TEST_F(DatabaseTest, TransactBlocking_CallerThreads_EachGetTheirOwnConnection) {
  Database db(dsn_, 1, log_);
  int here = db.transact_blocking(backend_pid);
  int there = 0;
  std::thread other([&] { there = db.transact_blocking(backend_pid); });
  other.join();
  EXPECT_NE(here, there);
  EXPECT_EQ(db.transact_blocking(backend_pid), here);
}

TEST_F(DatabaseTest, Transact_SqlError_ThrowsStoreUnavailableAndRollsBack) {
  Database db(dsn_, 1, log_);
  db.transact_blocking([](pqxx::work& tx) { tx.exec("CREATE TABLE t (v int)"); });
  try {
    run_awaitable(db.transact([](pqxx::work& tx) {
      tx.exec("INSERT INTO t VALUES (1)");
      tx.exec("SELECT * FROM no_such_table");
    }));
    ADD_FAILURE() << "no exception";
  } catch (const StoreUnavailable& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_table"), std::string::npos) << e.what();
  }
  EXPECT_EQ(db.transact_blocking(
                [](pqxx::work& tx) { return tx.exec1("SELECT count(*) FROM t")[0].as<int>(); }),
            0);
}

TEST_F(DatabaseTest, Transact_WorkThrowsItsOwnException_ReachesCallerUnchangedAndRollsBack) {
  Database db(dsn_, 1, log_);
  db.transact_blocking([](pqxx::work& tx) { tx.exec("CREATE TABLE t (v int)"); });
  EXPECT_THROW(run_awaitable(db.transact([](pqxx::work& tx) {
                 tx.exec("INSERT INTO t VALUES (1)");
                 throw WorkRefused("no");
               })),
               WorkRefused);
  EXPECT_EQ(db.transact_blocking(
                [](pqxx::work& tx) { return tx.exec1("SELECT count(*) FROM t")[0].as<int>(); }),
            0);
}

TEST_F(DatabaseTest, Transact_ServerUnreachable_ThrowsStoreUnavailableWithoutThePassword) {
  Database db("host=/nonexistent/stoa-socket-dir dbname=stoa user=stoa password=hunter2", 1, log_);
  try {
    run_awaitable(db.transact(backend_pid));
    ADD_FAILURE() << "no exception";
  } catch (const StoreUnavailable& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("/nonexistent/stoa-socket-dir"), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  }
  EXPECT_THROW(db.transact_blocking(backend_pid), StoreUnavailable);
}

TEST_F(DatabaseTest, Transact_AfterStop_ThrowsStoreUnavailable) {
  Database db(dsn_, 1, log_);
  db.stop();
  EXPECT_THROW(run_awaitable(db.transact(backend_pid)), StoreUnavailable);
}

TEST_F(DatabaseTest, Construct_MalformedDsn_ThrowsWithoutEchoingIt) {
  try {
    Database db("host=/tmp password='hunter2", 1, log_);
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
  }
}

TEST_F(DatabaseTest, Construct_KeywordDsn_AddsTimeoutsAndDescribesTargetWithoutPassword) {
  Database db("host=/x dbname=d user=u password=hunter2", 1, log_);
  EXPECT_NE(db.dsn().find(" connect_timeout=10"), std::string::npos) << db.dsn();
  EXPECT_EQ(db.target(), "host=/x dbname=d user=u");
}

TEST_F(DatabaseTest, Construct_UriDsn_AddsTimeoutsAsQueryParameters) {
  Database with_query("postgresql://u:hunter2@db.example/d?sslmode=require", 1, log_);
  EXPECT_NE(with_query.dsn().find("?sslmode=require&connect_timeout=10"), std::string::npos)
      << with_query.dsn();
  EXPECT_EQ(with_query.target(), "host=db.example dbname=d user=u");
  Database bare("postgresql://db.example/d", 1, log_);
  EXPECT_NE(bare.dsn().find("/d?connect_timeout=10&"), std::string::npos) << bare.dsn();
}

TEST_F(DatabaseTest, Construct_DsnWithOwnTimeout_KeepsIt) {
  Database db("host=/x connect_timeout=3", 1, log_);
  EXPECT_EQ(db.dsn().find("connect_timeout=10"), std::string::npos) << db.dsn();
}

}  // namespace
}  // namespace stoa::store
