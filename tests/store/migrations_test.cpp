#include "store/migrations.hpp"

#include <gtest/gtest.h>

#include <latch>
#include <stdexcept>
#include <thread>

#include "tests/support/test_postgres.hpp"

namespace stoa::store {
namespace {

class MigrationsTest : public testing::Test {
 protected:
  MigrationsTest() : dsn_(test::create_test_database()), db_(dsn_, 1, log_) {}

  std::vector<std::pair<unsigned, std::string>> ledger() {
    return db_.transact_blocking([](pqxx::work& tx) {
      std::vector<std::pair<unsigned, std::string>> rows;
      for (const auto& row : tx.exec("SELECT version, name FROM schema_migrations ORDER BY 1")) {
        rows.emplace_back(row[0].as<unsigned>(), row[1].as<std::string>());
      }
      return rows;
    });
  }

  std::vector<std::pair<unsigned, std::string>> embedded() {
    std::vector<std::pair<unsigned, std::string>> rows;
    for (const auto& migration : embedded_migrations()) {
      rows.emplace_back(migration.version, std::string(migration.name));
    }
    return rows;
  }

  Logger log_{LogLevel::warn};
  std::string dsn_;
  Database db_;
};

TEST(EmbeddedMigrationsTest, Versions_CountFromOneWithoutGaps) {
  auto migrations = embedded_migrations();
  ASSERT_GE(migrations.size(), 2u);
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, i + 1);
    EXPECT_FALSE(migrations[i].name.empty());
    EXPECT_FALSE(migrations[i].sql.empty());
  }
  EXPECT_EQ(migrations[0].name, "accounts");
  EXPECT_EQ(migrations[1].name, "roster");
}

TEST_F(MigrationsTest, Pending_FreshDatabase_ListsEveryMigration) {
  auto pending = pending_migrations(db_);
  std::vector<std::pair<unsigned, std::string>> listed;
  for (const auto& migration : pending) {
    listed.emplace_back(migration.version, migration.name);
  }
  EXPECT_EQ(listed, embedded());
}

TEST_F(MigrationsTest, Pending_FreshDatabase_CreatesNothing) {
  pending_migrations(db_);
  EXPECT_TRUE(db_.transact_blocking([](pqxx::work& tx) {
    return tx.exec1("SELECT to_regclass('schema_migrations') IS NULL")[0].as<bool>();
  }));
}

TEST_F(MigrationsTest, Apply_FreshDatabase_AppliesAllAndRecordsThem) {
  apply_migrations(db_, log_);
  EXPECT_TRUE(pending_migrations(db_).empty());
  EXPECT_EQ(ledger(), embedded());
  // The tables of the migrations exist.
  db_.transact_blocking([](pqxx::work& tx) {
    for (const char* table :
         {"accounts", "credentials", "roster_items", "roster_versions", "roster_tombstones"}) {
      EXPECT_FALSE(tx.exec_params1("SELECT to_regclass($1) IS NULL", table)[0].as<bool>()) << table;
    }
  });
}

TEST_F(MigrationsTest, Apply_SecondRun_AppliesNothing) {
  apply_migrations(db_, log_);
  auto stamps = [this] {
    return db_.transact_blocking([](pqxx::work& tx) {
      return tx
          .exec1(
              "SELECT string_agg(applied_at::text, ',' ORDER BY version) "
              "FROM schema_migrations")[0]
          .as<std::string>();
    });
  };
  auto first = stamps();
  apply_migrations(db_, log_);
  EXPECT_EQ(stamps(), first);
  EXPECT_EQ(ledger(), embedded());
  EXPECT_TRUE(pending_migrations(db_).empty());
}

TEST_F(MigrationsTest, Apply_ConcurrentlyFromTwoDatabases_AppliesEachOnce) {
  Database other(dsn_, 1, log_);
  std::latch start(2);
  std::exception_ptr failures[2];
  auto apply = [&](Database& db, std::exception_ptr& failure) {
    start.arrive_and_wait();
    try {
      apply_migrations(db, log_);
    } catch (...) {
      failure = std::current_exception();
    }
  };
  std::thread first(apply, std::ref(db_), std::ref(failures[0]));
  std::thread second(apply, std::ref(other), std::ref(failures[1]));
  first.join();
  second.join();
  for (auto& failure : failures) {
    if (failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    }
  }
  EXPECT_EQ(ledger(), embedded());
}

TEST_F(MigrationsTest, Pending_DatabaseFromNewerBuild_Throws) {
  apply_migrations(db_, log_);
  auto future = static_cast<unsigned>(embedded_migrations().size() + 1);
  db_.transact_blocking([future](pqxx::work& tx) {
    tx.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, 'future')", future);
  });
  try {
    pending_migrations(db_);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
  EXPECT_THROW(apply_migrations(db_, log_), std::runtime_error);
}

TEST_F(MigrationsTest, Pending_MigrationNamedDifferently_Throws) {
  apply_migrations(db_, log_);
  db_.transact_blocking([](pqxx::work& tx) {
    tx.exec("UPDATE schema_migrations SET name = 'something_else' WHERE version = 1");
  });
  EXPECT_THROW(pending_migrations(db_), std::runtime_error);
}

TEST_F(MigrationsTest, RosterSchema_InvalidSubscription_IsRejected) {
  apply_migrations(db_, log_);
  db_.transact_blocking(
      [](pqxx::work& tx) { tx.exec("INSERT INTO accounts (username) VALUES ('juliet')"); });
  EXPECT_THROW(db_.transact_blocking([](pqxx::work& tx) {
    tx.exec(
        "INSERT INTO roster_items (owner, contact, subscription) VALUES ('juliet', "
        "'romeo@example.net', 'maybe')");
  }),
               StoreUnavailable);
  // "To" plus Pending Out is not a state of RFC 6121 Appendix A.
  EXPECT_THROW(db_.transact_blocking([](pqxx::work& tx) {
    tx.exec(
        "INSERT INTO roster_items (owner, contact, subscription, ask) VALUES ('juliet', "
        "'romeo@example.net', 'to', true)");
  }),
               StoreUnavailable);
}

TEST_F(MigrationsTest, RosterSchema_PendingRequestOutsideRoster_IsAccepted) {
  apply_migrations(db_, log_);
  db_.transact_blocking([](pqxx::work& tx) {
    tx.exec("INSERT INTO accounts (username) VALUES ('juliet')");
    tx.exec(
        "INSERT INTO roster_items (owner, contact, pending_in, pending_in_stanza, in_roster) "
        "VALUES ('juliet', 'nurse@example.net', true, '<presence type=\"subscribe\"/>', false)");
    tx.exec(
        "INSERT INTO roster_items (owner, contact, groups, name, version) VALUES ('juliet', "
        "'romeo@example.net', ARRAY['Friends', 'Montague'], 'Romeo', 1)");
  });
  auto groups = db_.transact_blocking([](pqxx::work& tx) {
    return tx
        .exec1(
            "SELECT array_to_string(groups, '|') FROM roster_items WHERE contact = "
            "'romeo@example.net'")[0]
        .as<std::string>();
  });
  EXPECT_EQ(groups, "Friends|Montague");
}

}  // namespace
}  // namespace stoa::store
