#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "conf/config.hpp"
#include "store/pg_compliance_outbox.hpp"
#include "xmpp/server/router.hpp"

namespace stoa::xmpp::server {

class ComponentSession;

/// The compliance protocol (docs/compliance-protocol.md, urn:stoa:compliance:0): subscriptions
/// of compliance components, the sending of outbox events in order within the window, and
/// their acknowledgement. One sender coroutine runs on the given context; it reads the outbox
/// every components.poll_interval_ms, and at once when notify_committed() says this process
/// wrote events.
class ComplianceStreamer {
 public:
  ComplianceStreamer(asio::io_context& context, store::Database& db,
                     const conf::ServerConfig& config, Logger& log);

  /// Starts the sender (with the server's shards).
  void start();
  /// Wakes the sender: events up to `last_seq` were committed. Thread-safe; the archive writer
  /// calls it after each commit that wrote events.
  void notify_committed(std::int64_t last_seq);

  /// <subscribe/> from `session`'s component: the result payload or the error.
  asio::awaitable<IqOutcome> subscribe(std::shared_ptr<ComponentSession> session,
                                       const Element& request);
  /// Lets events flow to a subscription once its result was queued, so that the result comes
  /// before the first event.
  void activate(const ComponentSession& session);
  /// <ack/> from `session`'s component.
  asio::awaitable<IqOutcome> acknowledge(const ComponentSession& session, const Element& request);
  /// The session went away: its subscription ends.
  void session_closed(const ComponentSession& session);

  /// Rows for `stoactl status`, as of the last read of the outbox.
  void append_status(std::vector<std::vector<std::string>>& rows) const;

 private:
  struct Subscription {
    std::weak_ptr<ComponentSession> session;
    const ComponentSession* owner = nullptr;
    std::uint64_t generation = 0;
    bool active = false;
    std::int64_t sent = 0;   ///< the last sequence number sent
    std::int64_t acked = 0;  ///< the last one acknowledged
  };

  asio::awaitable<void> run();
  /// Sends what the window allows to one subscription; true when more is waiting.
  asio::awaitable<bool> send_some(std::string name, Subscription snapshot);
  asio::awaitable<void> refresh_state();
  void wake();

  asio::io_context& context_;
  store::PgComplianceOutbox outbox_;
  const conf::ServerConfig& config_;
  Logger& log_;
  std::vector<std::string> entitled_;  ///< names of the compliance components
  asio::steady_timer wake_timer_;
  bool woken_ = false;  ///< a wake-up came while the sender was busy; on the context only

  mutable std::mutex mutex_;
  std::map<std::string, Subscription> subscriptions_;
  std::uint64_t next_generation_ = 1;
  store::OutboxState state_;
  bool state_known_ = false;
  bool over_warning_ = false;
  std::chrono::steady_clock::time_point state_read_{};
};

}  // namespace stoa::xmpp::server
