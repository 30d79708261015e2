#include "xmpp/server/muc_module.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "xmpp/jid.hpp"
#include "xmpp/server/c2s_session.hpp"

namespace stoa::xmpp::server {

namespace {

muc::RoomCreation parse_creation(const std::string& text) {
  if (text == "admins") {
    return muc::RoomCreation::admins;
  }
  return text == "list" ? muc::RoomCreation::list : muc::RoomCreation::anyone;
}

/// Prepared bare JIDs: the configuration only checked their shape.
std::vector<std::string> prepared(const std::vector<std::string>& jids, const char* key) {
  std::vector<std::string> out;
  for (const std::string& text : jids) {
    std::optional<Jid> jid = Jid::parse(text);
    if (!jid || !jid->is_bare()) {
      throw std::invalid_argument(std::string(key) + ": '" + text + "' is not a bare JID");
    }
    out.push_back(jid->bare_str());
  }
  return out;
}

/// The worker contexts of the server, each a possible home for rooms.
std::vector<asio::io_context*> worker_contexts(Server& server) {
  std::vector<asio::io_context*> workers;
  for (unsigned i = 0; i < server.shard_count(); ++i) {
    workers.push_back(&server.shard_context(i));
  }
  return workers;
}

std::vector<std::string> service_domains(const conf::ServerConfig& config) {
  std::vector<std::string> domains;
  for (const std::string& text : config.muc_domains.empty()
                                     ? std::vector<std::string>{"conference." + config.domain}
                                     : config.muc_domains) {
    std::optional<Jid> jid = Jid::parse(text);
    if (!jid || !jid->is_domain() || jid->domain() == config.domain) {
      throw std::invalid_argument("muc.domains: '" + text +
                                  "' is not a domain of its own (it must differ from "
                                  "server.domain)");
    }
    if (std::ranges::find(domains, jid->domain()) == domains.end()) {
      domains.push_back(jid->domain());
    }
  }
  return domains;
}

store::ArchiveWriterSettings archive_writer_settings(const conf::ServerConfig& config) {
  store::ArchiveWriterSettings settings;
  settings.max_batch = config.archive_batch_max;
  settings.max_delay = std::chrono::milliseconds(config.archive_batch_delay_ms);
  settings.max_backoff = std::chrono::milliseconds(config.archive_retry_max_ms);
  settings.capture_events = config.compliance_enabled();
  return settings;
}

}  // namespace

asio::awaitable<void> MucPresenceTap::outbound(Element presence, SessionPtr origin) {
  if (!presence.attr("to") && presence.attr_or("type") == "unavailable") {
    // RFC 6121 §4.5.3: going offline ends directed presence too, so the rooms see it leave.
    for (MucService* service : services_) {
      service->session_closed(origin->jid());
    }
  }
  co_await inner_.outbound(std::move(presence), std::move(origin));
}

asio::awaitable<void> MucPresenceTap::inbound(Element presence) {
  co_await inner_.inbound(std::move(presence));
}

void MucPresenceTap::session_closed(const SessionPtr& session) {
  for (MucService* service : services_) {
    service->session_closed(session->jid());
  }
  inner_.session_closed(session);
}

muc::ServiceSettings muc_settings(const conf::ServerConfig& config, std::string domain) {
  muc::ServiceSettings settings;
  settings.domain = std::move(domain);
  settings.server_domain = config.domain;
  settings.admins = prepared(config.admins, "server.admins");
  settings.room_creation = parse_creation(config.muc_room_creation);
  settings.room_creators = prepared(config.muc_room_creators, "muc.room_creators");
  settings.max_rooms_per_user = config.muc_max_rooms_per_user;
  settings.max_occupants_per_room = config.muc_max_occupants_per_room;
  settings.participant_update_limit = config.muc_participant_update_limit;
  settings.max_history = config.muc_max_history;
  settings.mam_max_page = config.muc_mam_max_page;
  settings.default_history = std::min(config.muc_default_history, config.muc_max_history);
  settings.max_affiliations_per_room = config.muc_max_affiliations_per_room;
  settings.retention_days = config.muc_retention_days;
  settings.max_retention_days = config.muc_max_retention_days;
  settings.max_pending_stores = config.archive_max_pending_per_room;
  return settings;
}

MucModule::MucModule(Server& server, store::Database& db, const conf::ServerConfig& config,
                     Logger& log, PresenceHandler& presence)
    : writer_(db, archive_writer_settings(config), log),
      store_(db, writer_),
      archive_(db, config.muc_mam_max_queries, config.muc_mam_count_limit),
      search_(db, config.muc_search_max_queries, config.muc_search_count_limit,
              std::chrono::milliseconds(config.muc_search_timeout_ms)) {
  std::vector<asio::io_context*> workers = worker_contexts(server);
  std::vector<MucService*> services;
  for (std::string& domain : service_domains(config)) {
    services_.push_back(std::make_unique<MucService>(muc_settings(config, std::move(domain)),
                                                     server.router(), workers, store_, archive_,
                                                     search_, ids_, server.work_delay(), log));
    services_.back()->load();
    services.push_back(services_.back().get());
  }
  tap_ = std::make_unique<MucPresenceTap>(presence, std::move(services));
}

std::unique_ptr<MucModule> install_muc(Server& server, store::Database& db,
                                       const conf::ServerConfig& config, Logger& log,
                                       PresenceHandler& presence) {
  if (!config.muc_enabled) {
    return nullptr;
  }
  auto module = std::make_unique<MucModule>(server, db, config, log, presence);
  Router& router = server.router();
  for (const auto& service : module->services()) {
    MucService* handler = service.get();
    router.add_domain(service->domain(), [handler](Element stanza) -> asio::awaitable<void> {
      co_await handler->handle(std::move(stanza));
    });
  }
  router.set_presence_handler(module->tap());
  return module;
}

}  // namespace stoa::xmpp::server
