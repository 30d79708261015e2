#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.hpp"
#include "store/subprocess.hpp"

namespace stoa::store {

/// The zero-configuration store: a private PostgreSQL cluster in a data directory of stoad's,
/// created on first start (initdb), started on construction and stopped on destruction.
/// It listens on a Unix socket inside that directory only, never on TCP. When the process
/// runs as root the cluster runs as the `postgres` system account, since PostgreSQL refuses
/// to run as root.
class ManagedPostgres {
 public:
  /// What a crash of the machine may cost.
  enum class Durability {
    full,  ///< every acknowledged commit is on disk: the only choice for real data
    none,  ///< no fsync at all, for throwaway clusters (tests): a machine crash can ruin it
  };

  /// The port number only names the socket file (.s.PGSQL.5432); there is no TCP listener.
  static constexpr unsigned kPort = 5432;
  /// The database created for stoad and named by dsn().
  static constexpr std::string_view kDatabase = "stoa";

  /// Creates the cluster in `data_dir` if it has none, starts it and creates the database.
  /// `bin_dir` holds initdb and pg_ctl; empty means /usr/lib/postgresql/<version>/bin, the
  /// cluster's version if it exists, else the newest installed. Throws std::runtime_error
  /// naming the step that failed; std::invalid_argument for an unusable `data_dir`.
  ManagedPostgres(std::filesystem::path data_dir, std::filesystem::path bin_dir, Logger& log,
                  Durability durability = Durability::full);
  /// Stops the server; failures are logged.
  ~ManagedPostgres();
  ManagedPostgres(const ManagedPostgres&) = delete;
  ManagedPostgres& operator=(const ManagedPostgres&) = delete;

  /// libpq DSN of the stoa database: "host=<data_dir> port=5432 dbname=stoa user=<owner>".
  const std::string& dsn() const { return dsn_; }
  /// libpq DSN of another database of this cluster.
  std::string dsn_for(std::string_view database) const;
  const std::filesystem::path& data_dir() const { return data_dir_; }
  /// Where initdb and pg_ctl were found.
  const std::filesystem::path& bin_dir() const { return bin_dir_; }
  /// The PostgreSQL superuser stoad connects as: the account the server runs as.
  const std::string& owner() const { return owner_; }
  /// Stops the server (fast shutdown: sessions end, committed work is kept) and releases the
  /// data directory. Does nothing the second time.
  void stop();

 private:
  void start_cluster();
  void prepare_parent_directory();
  void lock_data_directory();
  void initialize();
  void stop_leftover_server();
  void start_server();
  void create_database();
  void stop_server();
  void release_lock();
  /// Runs a PostgreSQL tool as the cluster's account; throws, with its output, unless it
  /// exits 0.
  void run_tool(const std::vector<std::string>& argv, std::string_view step);
  std::string tool(std::string_view name) const;

  std::filesystem::path data_dir_;
  std::filesystem::path bin_dir_;
  Logger& log_;
  Durability durability_;
  /// Set when running as root: the account the cluster runs as.
  std::optional<ProcessIdentity> service_account_;
  std::string owner_;
  std::string dsn_;
  int lock_fd_ = -1;
  bool running_ = false;
};

}  // namespace stoa::store
