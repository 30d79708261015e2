#pragma once

#include <asio/awaitable.hpp>

#include "common/log.hpp"
#include "conf/config.hpp"
#include "store/roster_store.hpp"
#include "xmpp/server/presence_manager.hpp"
#include "xmpp/server/router.hpp"

namespace stoa::xmpp::server {

/// Answers jabber:iq:roster get and set (RFC 6121 §2) with roster versioning (XEP-0237).
class RosterHandler {
 public:
  RosterHandler(store::RosterStore& roster, PresenceManager& presence,
                const conf::ServerConfig& config)
      : roster_(roster), presence_(presence), config_(config) {}

  /// Answers one roster get or set, sending the roster pushes and presence it causes.
  asio::awaitable<IqOutcome> handle(const IqRequest& request);

 private:
  asio::awaitable<IqOutcome> get(const IqRequest& request);
  asio::awaitable<IqOutcome> set(const IqRequest& request);

  store::RosterStore& roster_;
  PresenceManager& presence_;
  const conf::ServerConfig& config_;
};

}  // namespace stoa::xmpp::server
