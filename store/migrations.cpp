#include "store/migrations.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace stoa::store {

namespace {

// The pg_advisory_xact_lock key serialising schema changes: "stoa_mig" in ASCII, so that it is
// recognisable in pg_locks.
constexpr std::int64_t kMigrationLockKey = 0x73746f615f6d6967;

struct AppliedMigration {
  unsigned version;
  std::string name;
};

std::vector<AppliedMigration> applied_migrations(pqxx::work& tx) {
  // Read from pg_tables with this statement's snapshot, not with to_regclass(), which consults
  // the session's catalog cache: after waiting for the lock, that cache may not yet know of the
  // table another node just created.
  if (!tx.exec1("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = "
                "current_schema() AND tablename = 'schema_migrations')")[0]
           .as<bool>()) {
    return {};
  }
  std::vector<AppliedMigration> applied;
  for (const auto& row : tx.exec("SELECT version, name FROM schema_migrations ORDER BY version")) {
    applied.push_back({row[0].as<unsigned>(), row[1].as<std::string>()});
  }
  return applied;
}

// A database migrated by another build must not be touched: its schema is not the one this
// binary's queries expect, and forward-only migrations cannot take it back.
void check_compatible(const std::vector<AppliedMigration>& applied,
                      std::span<const Migration> known) {
  for (const auto& migration : applied) {
    if (migration.version == 0 || migration.version > known.size()) {
      throw std::runtime_error("the database has schema migration " +
                               std::to_string(migration.version) + " (" + migration.name +
                               "), which this build does not know: it was migrated by a newer "
                               "version of Stoa (this one knows up to " +
                               std::to_string(known.size()) + ")");
    }
    const auto& expected = known[migration.version - 1];
    if (expected.name != migration.name) {
      throw std::runtime_error("the database's schema migration " +
                               std::to_string(migration.version) + " is '" + migration.name +
                               "' but this build's is '" + std::string(expected.name) +
                               "': the database belongs to a different build of Stoa");
    }
  }
}

bool contains(const std::vector<AppliedMigration>& applied, unsigned version) {
  return std::any_of(applied.begin(), applied.end(),
                     [version](const auto& migration) { return migration.version == version; });
}

}  // namespace

std::vector<PendingMigration> pending_migrations(Database& db) {
  return pending_migrations(db, embedded_migrations());
}

std::vector<PendingMigration> pending_migrations(Database& db,
                                                 std::span<const Migration> migrations) {
  auto applied = db.transact_blocking([](pqxx::work& tx) { return applied_migrations(tx); });
  check_compatible(applied, migrations);
  std::vector<PendingMigration> pending;
  for (const auto& migration : migrations) {
    if (!contains(applied, migration.version)) {
      pending.push_back({migration.version, std::string(migration.name)});
    }
  }
  return pending;
}

void apply_migrations(Database& db, Logger& log) {
  apply_migrations(db, embedded_migrations(), log);
}

void apply_migrations(Database& db, std::span<const Migration> migrations, Logger& log) {
  auto pending = pending_migrations(db, migrations);
  if (pending.empty()) {
    log.debug("store", "database schema is up to date at version ", migrations.size());
    return;
  }
  log.info("store", "applying ", pending.size(), " database schema migration(s)");
  // Every embedded migration is considered, not just `pending`: another node may have applied
  // some in between, and each step re-reads the ledger under the lock.
  for (const auto& migration : migrations) {
    bool applied_now = false;
    try {
      applied_now = db.transact_blocking([&migration, migrations](pqxx::work& tx) {
        tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
        auto applied = applied_migrations(tx);
        if (applied.empty()) {
          // IF NOT EXISTS would log a notice on every start; the lock makes the check safe.
          tx.exec(
              "CREATE TABLE IF NOT EXISTS schema_migrations ("
              " version integer PRIMARY KEY,"
              " name text NOT NULL,"
              " applied_at timestamptz NOT NULL DEFAULT now())");
        }
        check_compatible(applied, migrations);
        if (contains(applied, migration.version)) {
          return false;
        }
        tx.exec(std::string(migration.sql));
        tx.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                       migration.version, std::string(migration.name));
        return true;
      });
    } catch (const StoreUnavailable& e) {
      throw StoreUnavailable("schema migration " + std::to_string(migration.version) + " (" +
                             std::string(migration.name) + ") failed: " + e.what());
    }
    if (applied_now) {
      log.info("store", "applied schema migration ", migration.version, " (", migration.name, ")");
    }
  }
}

}  // namespace stoa::store
