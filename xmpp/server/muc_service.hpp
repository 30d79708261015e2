#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/log.hpp"
#include "muc/id_generator.hpp"
#include "muc/mam_store.hpp"
#include "muc/muc_store.hpp"
#include "muc/outcome_runner.hpp"
#include "muc/search_store.hpp"
#include "muc/service_settings.hpp"
#include "xmpp/server/muc_room_host.hpp"
#include "xmpp/server/muc_search.hpp"
#include "xmpp/server/router.hpp"
#include "xmpp/server/work_delay_gauge.hpp"

namespace stoa::xmpp::server {

/// One MUC service domain (XEP-0045): the directory of its rooms, each hosted on the worker its
/// JID hashes to; answers for the domain itself; creation of rooms on first join. Any worker
/// may call it.
class MucService {
 public:
  MucService(muc::ServiceSettings settings, Router& router, std::vector<asio::io_context*> workers,
             muc::MucStore& store, muc::MamStore& archive, muc::SearchStore& search,
             muc::IdGenerator& ids, WorkDelayGauge& work_delay, Logger& log);
  MucService(const MucService&) = delete;
  MucService& operator=(const MucService&) = delete;

  const std::string& domain() const { return settings_.domain; }

  /// Deletes leftover temporary rooms and loads the persistent ones, blocking the caller: for
  /// start-up, before the workers run. Throws when the store cannot be read.
  void load();
  /// The router's handler for every stanza addressed to the domain or its rooms.
  asio::awaitable<void> handle(Element stanza);
  /// A client session closed or went offline: the rooms it had sent presence to see it leave.
  void session_closed(const Jid& session);
  /// Called by a host whose room ended; later stanzas for the JID make a new room.
  void remove(const std::string& room_jid, const MucRoomHost* host);
  /// The host of a loaded room; nullptr when the room is not loaded. Thread-safe.
  std::shared_ptr<MucRoomHost> find(const std::string& room_jid) const;
  /// Rooms currently loaded (for status).
  std::size_t room_count() const;

 private:
  std::shared_ptr<MucRoomHost> make_host(muc::Room room);
  asio::io_context& home_of(const std::string& room_jid) const;
  std::vector<muc::RoomListing> listings() const;
  /// Remembers which rooms a session sent presence to, so that its end can be announced.
  /// Called with mutex_ held.
  void track_presence(const Element& stanza, const Jid& from,
                      const std::shared_ptr<MucRoomHost>& host);

  muc::ServiceSettings settings_;
  Router& router_;
  std::vector<asio::io_context*> workers_;
  muc::MucStore& store_;
  muc::MamStore& archive_;
  muc::IdGenerator& ids_;
  WorkDelayGauge& work_delay_;
  Logger& log_;
  std::unique_ptr<muc::Deliverer> deliverer_;
  MucSearch search_;  ///< the search across the service's rooms (docs/search.md)
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<MucRoomHost>> rooms_;
  /// By full JID. Weak: a room that ends is not kept for its past occupants, and an entry
  /// costs 16 bytes where the room's JID as a string cost a hundred (one per occupancy).
  std::unordered_map<std::string, std::vector<std::weak_ptr<MucRoomHost>>> rooms_of_session_;
};

}  // namespace stoa::xmpp::server
