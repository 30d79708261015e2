#pragma once

#include <memory>

#include "common/log.hpp"
#include "conf/config.hpp"
#include "store/database.hpp"
#include "store/roster_store.hpp"
#include "xmpp/server/presence_manager.hpp"
#include "xmpp/server/roster_handler.hpp"
#include "xmpp/server/server.hpp"

namespace stoa::xmpp::server {

/// Rosters and presence (RFC 6121) wired into a Server: the jabber:iq:roster handler, the
/// presence handler and their stream features. Must outlive the server's sessions: destroy it
/// after Server::stop().
class RosterModule {
 public:
  RosterModule(Server& server, store::Database& db, const conf::ServerConfig& config, Logger& log);
  RosterModule(const RosterModule&) = delete;
  RosterModule& operator=(const RosterModule&) = delete;

  PresenceManager& presence() { return presence_; }
  RosterHandler& roster() { return roster_; }

 private:
  store::RosterStore store_;
  PresenceManager presence_;
  RosterHandler roster_;
};

/// Creates the module and registers it with the server's router; call before Server::start().
std::unique_ptr<RosterModule> install_roster_and_presence(Server& server, store::Database& db,
                                                          const conf::ServerConfig& config,
                                                          Logger& log);

}  // namespace stoa::xmpp::server
