#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <memory>

#include "common/log.hpp"
#include "conf/config.hpp"
#include "store/pg_muc_store.hpp"

namespace stoa::xmpp::server {

/// The archive retention job (docs/history-management.md): at start and then every
/// muc.retention_interval seconds, deletes what muc.retention_days, muc.max_retention_days and
/// the rooms' own retention no longer keep, and logs what went. A run that fails is logged and
/// tried again at the next interval.
class ArchiveRetention {
 public:
  ArchiveRetention(asio::any_io_executor executor, store::PgMucStore& store,
                   const conf::ServerConfig& config, Logger& log);
  ArchiveRetention(const ArchiveRetention&) = delete;
  ArchiveRetention& operator=(const ArchiveRetention&) = delete;
  /// Calls stop().
  ~ArchiveRetention();

  void start();
  /// Cancels the wait between runs; a run under way ends at its next store call.
  void stop();

 private:
  struct State;
  static asio::awaitable<void> run(std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
};

}  // namespace stoa::xmpp::server
