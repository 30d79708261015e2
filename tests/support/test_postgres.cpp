#include "tests/support/test_postgres.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <pqxx/pqxx>
#include <stdexcept>

#include "store/subprocess.hpp"

namespace stoa::test {

namespace {

std::filesystem::path make_root() {
  char pattern[] = "/tmp/stoa-test-pg-XXXXXX";
  if (mkdtemp(pattern) == nullptr) {
    throw std::runtime_error(std::string("mkdtemp failed: ") + std::strerror(errno));
  }
  std::filesystem::path root(pattern);
  // As root, the cluster runs as postgres, which must be able to enter the directory.
  if (geteuid() == 0) {
    auto postgres = store::lookup_identity("postgres");
    if (!postgres) {
      throw std::runtime_error("tests run as root need the postgres system account");
    }
    if (chown(root.c_str(), postgres->uid, postgres->gid) != 0) {
      throw std::runtime_error("cannot hand " + root.string() +
                               " to postgres: " + std::strerror(errno));
    }
  }
  return root;
}

}  // namespace

TestPostgres::TestPostgres() : log_(LogLevel::warn), root_(make_root()), owner_pid_(getpid()) {
  try {
    // Nothing here needs to survive a machine crash, and fsync dominates the tests' run time.
    cluster_ = std::make_unique<store::ManagedPostgres>(root_ / "data", "", log_,
                                                        store::ManagedPostgres::Durability::none);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
    throw;
  }
}

TestPostgres::~TestPostgres() {
  // A forked child (a death test, say) that exits must not stop its parent's cluster.
  if (getpid() != owner_pid_) {
    [[maybe_unused]] auto* leaked = cluster_.release();
    return;
  }
  cluster_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(root_, ignored);
}

std::string TestPostgres::create_database() {
  std::string name;
  {
    std::lock_guard lock(mutex_);
    name = "test_" + std::to_string(++databases_);
  }
  pqxx::connection admin(cluster_->dsn_for("postgres"));
  pqxx::nontransaction tx(admin);
  tx.exec("CREATE DATABASE " + tx.quote_name(name));
  return cluster_->dsn_for(name);
}

TestPostgres& test_postgres() {
  static TestPostgres instance;
  return instance;
}

std::string create_test_database() {
  return test_postgres().create_database();
}

}  // namespace stoa::test
