#pragma once

#include <csignal>
#include <memory>
#include <optional>

#include "common/log.hpp"
#include "compliance/config.hpp"
#include "store/database.hpp"
#include "store/managed_postgres.hpp"

namespace stoa::compliance {

/// The compliance database as the configuration names it: an external PostgreSQL
/// (database.dsn), or the managed cluster in component.data_dir/postgresql, as stoad does.
class ComplianceDatabase {
 public:
  /// Who is opening it.
  enum class Role {
    service,  ///< `run`: owns the managed cluster, starting it if needed
    reader,   ///< `export`: uses the cluster the running service owns, or starts it itself
  };

  /// Opens (and for a managed cluster, starts) it; nothing is connected yet. Throws
  /// std::runtime_error when the managed cluster cannot start.
  ComplianceDatabase(const Config& config, Role role, Logger& log);
  ~ComplianceDatabase();
  ComplianceDatabase(const ComplianceDatabase&) = delete;
  ComplianceDatabase& operator=(const ComplianceDatabase&) = delete;

  store::Database& db() { return *db_; }

  /// Applies the compliance migrations. When the database is unreachable, retries with
  /// backoff until it answers or `stop` is set (returns false then); other failures throw.
  bool migrate_with_retry(const volatile std::sig_atomic_t& stop, unsigned retry_max_seconds);
  /// Applies the compliance migrations once; throws when the database is unreachable.
  void migrate();

 private:
  Logger& log_;
  std::optional<store::ManagedPostgres> managed_;
  std::unique_ptr<store::Database> db_;
};

}  // namespace stoa::compliance
