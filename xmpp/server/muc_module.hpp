#pragma once

#include <memory>
#include <vector>

#include "common/log.hpp"
#include "conf/config.hpp"
#include "muc/id_generator.hpp"
#include "store/database.hpp"
#include "store/pg_mam_store.hpp"
#include "store/pg_muc_store.hpp"
#include "store/pg_search_store.hpp"
#include "xmpp/server/muc_service.hpp"
#include "xmpp/server/router.hpp"
#include "xmpp/server/server.hpp"

namespace stoa::xmpp::server {

/// Stands in front of the presence handler to learn when sessions close or go offline: their
/// rooms are told, since presence to a room is routed to the service directly and so is not
/// remembered as directed presence (RFC 6121 §4.6) by the presence handler.
class MucPresenceTap : public PresenceHandler {
 public:
  MucPresenceTap(PresenceHandler& inner, std::vector<MucService*> services)
      : inner_(inner), services_(std::move(services)) {}

  asio::awaitable<void> outbound(Element presence, SessionPtr origin) override;
  asio::awaitable<void> inbound(Element presence) override;
  void session_closed(const SessionPtr& session) override;

 private:
  PresenceHandler& inner_;
  std::vector<MucService*> services_;
};

/// Multi-user chat (XEP-0045) wired into a Server: one MucService per configured domain,
/// rooms in PostgreSQL. Must outlive the server's sessions: destroy it after Server::stop().
class MucModule {
 public:
  MucModule(Server& server, store::Database& db, const conf::ServerConfig& config, Logger& log,
            PresenceHandler& presence);
  MucModule(const MucModule&) = delete;
  MucModule& operator=(const MucModule&) = delete;

  const std::vector<std::unique_ptr<MucService>>& services() const { return services_; }
  /// The rooms' store, for the administrator's commands and the retention job.
  store::PgMucStore& store() { return store_; }
  /// The presence handler to install in place of the one it wraps.
  MucPresenceTap* tap() { return tap_.get(); }
  /// The group-commit writer of the archive and the compliance outbox.
  store::ArchiveWriter& writer() { return writer_; }

 private:
  store::ArchiveWriter writer_;  ///< before the stores: they use it
  store::PgMucStore store_;
  store::PgMamStore archive_;
  store::PgSearchStore search_;
  muc::RandomIdGenerator ids_;
  std::vector<std::unique_ptr<MucService>> services_;
  std::unique_ptr<MucPresenceTap> tap_;
};

/// The service settings of `config` for one service domain.
muc::ServiceSettings muc_settings(const conf::ServerConfig& config, std::string domain);

/// Creates the module (loading the persistent rooms, blocking) and registers its domains with
/// the server's router; wraps `presence`, the presence handler installed before it. Call
/// before Server::start(). Returns nullptr when [muc] enabled is false.
std::unique_ptr<MucModule> install_muc(Server& server, store::Database& db,
                                       const conf::ServerConfig& config, Logger& log,
                                       PresenceHandler& presence);

}  // namespace stoa::xmpp::server
