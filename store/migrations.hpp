#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.hpp"
#include "store/database.hpp"

namespace stoa::store {

/// One forward-only schema change, compiled in from store/migrations/NNNN_name.sql.
struct Migration {
  unsigned version;
  std::string_view name;
  std::string_view sql;
};

/// A migration the database has not applied yet.
struct PendingMigration {
  unsigned version;
  std::string name;
};

/// The migrations compiled into this binary, numbered 1, 2, 3... in order.
std::span<const Migration> embedded_migrations();

/// The embedded migrations the database lacks, in the order they would be applied. Throws
/// std::runtime_error when the database was migrated by a newer or a different build.
std::vector<PendingMigration> pending_migrations(Database& db);
/// The same for another program's set of migrations (stoa-compliance has its own database).
std::vector<PendingMigration> pending_migrations(Database& db,
                                                 std::span<const Migration> migrations);

/// Applies the pending migrations, each in its own transaction together with its
/// schema_migrations row. Safe to run from several nodes at once: each step holds a PostgreSQL
/// advisory lock, and a node skips what another has applied meanwhile.
void apply_migrations(Database& db, Logger& log);
/// The same for another program's set of migrations, numbered 1, 2, 3... in order.
void apply_migrations(Database& db, std::span<const Migration> migrations, Logger& log);

}  // namespace stoa::store
