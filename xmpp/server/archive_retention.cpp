#include "xmpp/server/archive_retention.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>

namespace stoa::xmpp::server {

struct ArchiveRetention::State {
  store::PgMucStore& store;
  Logger& log;
  unsigned default_days;
  unsigned max_days;
  unsigned batch;
  std::chrono::seconds interval;
  asio::steady_timer timer;
  std::atomic<bool> stopped = false;
};

ArchiveRetention::ArchiveRetention(asio::any_io_executor executor, store::PgMucStore& store,
                                   const conf::ServerConfig& config, Logger& log)
    : state_(std::make_shared<State>(store, log, config.muc_retention_days,
                                     config.muc_max_retention_days, config.muc_retention_batch,
                                     std::chrono::seconds(config.muc_retention_interval),
                                     asio::steady_timer(executor))) {}

ArchiveRetention::~ArchiveRetention() {
  stop();
}

void ArchiveRetention::start() {
  asio::co_spawn(state_->timer.get_executor(), run(state_), asio::detached);
}

void ArchiveRetention::stop() {
  state_->stopped = true;
  asio::post(state_->timer.get_executor(), [state = state_] { state->timer.cancel(); });
}

asio::awaitable<void> ArchiveRetention::run(std::shared_ptr<State> state) {
  while (!state->stopped) {
    store::ArchiveRetentionPolicy policy{
        std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now()),
        state->default_days, state->max_days, state->batch};
    try {
      store::ArchiveExpiry expiry = co_await state->store.expire_archive(std::move(policy));
      for (const std::string& partition : expiry.dropped_partitions) {
        state->log.info("retention", "dropped archive partition ", partition);
      }
      if (expiry.deleted_rows > 0) {
        state->log.info("retention", "deleted ", expiry.deleted_rows, " expired messages of ",
                        expiry.rooms, " rooms");
      }
    } catch (const std::exception& e) {
      state->log.warn("retention", "archive retention failed, tried again in ",
                      state->interval.count(), " s: ", e.what());
    }
    if (state->stopped) {
      break;
    }
    state->timer.expires_after(state->interval);
    std::error_code ignored;
    co_await state->timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

}  // namespace stoa::xmpp::server
