#include "xmpp/server/muc_service.hpp"

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <functional>
#include <stdexcept>

#include "muc/search_request.hpp"
#include "muc/service.hpp"
#include "xmpp/server/muc_deliverer.hpp"

namespace stoa::xmpp::server {

namespace {

// Rooms one session is remembered in: past it, later ones are not told when it goes. Beyond
// every sensible client, below what would let one session grow the table without bound.
constexpr std::size_t kMaxTrackedRoomsPerSession = 1000;

asio::awaitable<std::vector<muc::StoredRoom>> load_stored(muc::MucStore& store,
                                                          std::string service) {
  std::string purged = service;
  co_await store.purge_temporary_rooms(std::move(purged));
  co_return co_await store.load_rooms(std::move(service));
}

}  // namespace

MucService::MucService(muc::ServiceSettings settings, Router& router,
                       std::vector<asio::io_context*> workers, muc::MucStore& store,
                       muc::MamStore& archive, muc::SearchStore& search, muc::IdGenerator& ids,
                       WorkDelayGauge& work_delay, Logger& log)
    : settings_(std::move(settings)),
      router_(router),
      workers_(std::move(workers)),
      store_(store),
      archive_(archive),
      ids_(ids),
      work_delay_(work_delay),
      log_(log),
      deliverer_(std::make_unique<MucDeliverer>(router, settings_.server_domain)),
      search_(settings_, search, *deliverer_, router, log) {
  if (workers_.empty()) {
    throw std::invalid_argument("the MUC service needs at least one worker");
  }
}

void MucService::load() {
  asio::io_context context;
  std::vector<muc::StoredRoom> stored;
  std::exception_ptr failure;
  asio::co_spawn(context, load_stored(store_, settings_.domain),
                 [&](std::exception_ptr error, std::vector<muc::StoredRoom> rooms) {
                   failure = error;
                   stored = std::move(rooms);
                 });
  context.run();
  if (failure) {
    std::rethrow_exception(failure);
  }
  std::lock_guard lock(mutex_);
  for (muc::StoredRoom& room : stored) {
    const std::string jid = room.jid;
    try {
      rooms_[jid] = make_host(muc::Room(std::move(room), settings_, ids_));
    } catch (const std::exception& e) {
      log_.error("muc", "skipping stored room ", jid, ": ", e.what());
    }
  }
  log_.info("muc", "service ", settings_.domain, ": ", rooms_.size(), " persistent rooms loaded");
}

std::shared_ptr<MucRoomHost> MucService::make_host(muc::Room room) {
  asio::io_context& home = home_of(room.jid().bare_str());
  return std::make_shared<MucRoomHost>(*this, std::move(room), home, store_, archive_, *deliverer_,
                                       settings_.max_pending_stores, work_delay_, log_);
}

asio::io_context& MucService::home_of(const std::string& room_jid) const {
  return *workers_[std::hash<std::string>{}(room_jid) % workers_.size()];
}

std::vector<muc::RoomListing> MucService::listings() const {
  std::vector<std::shared_ptr<MucRoomHost>> hosts;
  {
    std::lock_guard lock(mutex_);
    hosts.reserve(rooms_.size());
    for (const auto& [jid, host] : rooms_) {
      hosts.push_back(host);
    }
  }
  std::vector<muc::RoomListing> out;
  out.reserve(hosts.size());
  for (const auto& host : hosts) {
    out.push_back(host->listing());
  }
  return out;
}

asio::awaitable<void> MucService::handle(Element stanza) {
  std::optional<Jid> to = Jid::parse(stanza.attr_or("to"));
  std::optional<Jid> from = Jid::parse(stanza.attr_or("from"));
  if (!to || !from) {
    co_return;
  }
  if (to->local().empty() && muc::is_search_request(stanza)) {
    co_await search_.handle(std::move(stanza), *from);
    co_return;
  }
  if (to->local().empty()) {
    std::vector<muc::RoomListing> rooms = listings();
    if (std::optional<Element> reply = muc::answer_service_stanza(stanza, settings_, rooms)) {
      co_await router_.route(std::move(*reply));
    }
    co_return;
  }
  const std::string room_jid = to->bare_str();
  std::shared_ptr<MucRoomHost> host;
  std::optional<StanzaError> refused;
  {
    std::lock_guard lock(mutex_);
    auto found = rooms_.find(room_jid);
    if (found != rooms_.end()) {
      host = found->second;
    } else if (muc::creates_room(stanza)) {
      std::size_t owned = 0;
      const std::string user = from->bare_str();
      for (const auto& [jid, other] : rooms_) {
        muc::RoomListing listing = other->listing();
        owned += std::ranges::count(listing.owners, user);
      }
      refused = muc::check_room_creation(settings_, *from, owned);
      if (!refused) {
        host = make_host(muc::Room(*to, settings_, ids_));
        rooms_.emplace(room_jid, host);
      }
    }
    if (host && stanza.name() == "presence") {
      track_presence(stanza, *from, host);
    }
  }
  if (host) {
    host->post(std::move(stanza));
  } else if (refused) {
    co_await router_.route(make_error_reply(stanza, *refused));
  } else if (std::optional<Element> reply = muc::answer_missing_room(stanza)) {
    co_await router_.route(std::move(*reply));
  }
}

void MucService::track_presence(const Element& stanza, const Jid& from,
                                const std::shared_ptr<MucRoomHost>& host) {
  const std::string type = stanza.attr_or("type");
  if (!type.empty() && type != "unavailable") {
    return;
  }
  const bool leaving = type == "unavailable";
  auto found = rooms_of_session_.find(from.str());
  if (found == rooms_of_session_.end()) {
    if (leaving) {
      return;
    }
    found = rooms_of_session_.try_emplace(from.str()).first;
  }
  std::vector<std::weak_ptr<MucRoomHost>>& rooms = found->second;
  // This room's entry goes (it is put back last when the session stays), and so do rooms that
  // have ended, so that the list does not grow with them.
  std::erase_if(rooms, [&host](const std::weak_ptr<MucRoomHost>& room) {
    return room.expired() || (!room.owner_before(host) && !host.owner_before(room));
  });
  if (!leaving && rooms.size() < kMaxTrackedRoomsPerSession) {
    rooms.push_back(host);
  }
  if (rooms.empty()) {
    rooms_of_session_.erase(found);
  }
}

void MucService::session_closed(const Jid& session) {
  std::vector<std::shared_ptr<MucRoomHost>> hosts;
  {
    std::lock_guard lock(mutex_);
    auto found = rooms_of_session_.find(session.str());
    if (found == rooms_of_session_.end()) {
      return;
    }
    for (const std::weak_ptr<MucRoomHost>& room : found->second) {
      if (std::shared_ptr<MucRoomHost> host = room.lock()) {
        hosts.push_back(std::move(host));
      }
    }
    rooms_of_session_.erase(found);
  }
  for (const auto& host : hosts) {
    host->post_session_gone(session);
  }
}

std::shared_ptr<MucRoomHost> MucService::find(const std::string& room_jid) const {
  std::lock_guard lock(mutex_);
  auto found = rooms_.find(room_jid);
  return found == rooms_.end() ? nullptr : found->second;
}

void MucService::remove(const std::string& room_jid, const MucRoomHost* host) {
  std::lock_guard lock(mutex_);
  auto found = rooms_.find(room_jid);
  if (found != rooms_.end() && found->second.get() == host) {
    rooms_.erase(found);
  }
}

std::size_t MucService::room_count() const {
  std::lock_guard lock(mutex_);
  return rooms_.size();
}

}  // namespace stoa::xmpp::server
