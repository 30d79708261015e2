#include "compliance/compliance_database.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "compliance/event_store.hpp"
#include "store/migrations.hpp"

namespace stoa::compliance {

namespace {

// Store threads: the writer and the exporter use transact_blocking() on their own threads, so
// the pool itself stays idle; one is the least Database accepts.
constexpr unsigned kPoolThreads = 1;

// Whether a process (the running service) owns the managed cluster in `cluster_dir`: it holds
// the flock ManagedPostgres takes on "<dir>.lock".
bool cluster_owned_by_another_process(const std::filesystem::path& cluster_dir) {
  std::string lock_path = cluster_dir.string() + ".lock";
  int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return false;
  }
  bool owned = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return owned;
}

// The DSN of a managed cluster another process runs (see store/managed_postgres.hpp): its
// socket is in the data directory; as root, the cluster's superuser is postgres.
std::string running_cluster_dsn(const std::filesystem::path& cluster_dir) {
  std::string dsn = "host=" + cluster_dir.string() +
                    " port=" + std::to_string(store::ManagedPostgres::kPort) +
                    " dbname=" + std::string(store::ManagedPostgres::kDatabase);
  if (::geteuid() == 0) {
    dsn += " user=postgres";
  }
  return dsn;
}

}  // namespace

ComplianceDatabase::ComplianceDatabase(const Config& config, Role role, Logger& log) : log_(log) {
  std::string dsn = config.database_dsn;
  if (dsn.empty()) {
    std::filesystem::path data_dir(config.data_dir);
    std::filesystem::path cluster_dir = data_dir / "postgresql";
    if (role == Role::reader && cluster_owned_by_another_process(cluster_dir)) {
      dsn = running_cluster_dsn(cluster_dir);
    } else {
      std::filesystem::create_directories(data_dir);
      // As stoad does: the postgres account must reach its cluster directory inside.
      ::chmod(data_dir.c_str(), 0711);
      managed_.emplace(cluster_dir, config.postgres_bin_dir, log);
      dsn = managed_->dsn();
    }
  }
  db_ = std::make_unique<store::Database>(dsn, kPoolThreads, log);
}

ComplianceDatabase::~ComplianceDatabase() {
  db_->stop();
  db_.reset();
  if (managed_) {
    managed_->stop();
  }
}

void ComplianceDatabase::migrate() {
  store::apply_migrations(*db_, compliance_migrations(), log_);
}

bool ComplianceDatabase::migrate_with_retry(const volatile std::sig_atomic_t& stop,
                                            unsigned retry_max_seconds) {
  using namespace std::chrono_literals;
  std::chrono::milliseconds delay = 500ms;
  const std::chrono::milliseconds limit = std::chrono::seconds(retry_max_seconds);
  while (stop == 0) {
    try {
      migrate();
      return true;
    } catch (const store::StoreUnavailable& e) {
      log_.warn("compliance", "the database ", db_->target(), " is unavailable, retrying in ",
                delay.count(), "ms: ", e.what());
    }
    // Sleep in slices so that a stop request is noticed promptly.
    for (auto slept = 0ms; slept < delay && stop == 0; slept += 100ms) {
      std::this_thread::sleep_for(100ms);
    }
    delay = std::min(delay * 2, limit);
  }
  return false;
}

}  // namespace stoa::compliance
