#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <variant>

#include "common/log.hpp"
#include "muc/mam_store.hpp"
#include "muc/muc_store.hpp"
#include "muc/outcome_runner.hpp"
#include "muc/room.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::xmpp::server {

class MucService;

/// The administrator takes one archived message down (stoactl message remove).
struct ArchiveRemoval {
  std::string stanza_id;
  std::optional<std::string> replacement;  ///< new body; nullopt: a tombstone
  std::string reason;
};
/// The administrator deletes the room's history before a time (stoactl room clear).
struct HistoryClearing {
  muc::Timestamp before{};
};
/// What an administrator's request came to.
struct AdminArchiveResult {
  bool found = true;          ///< a removal found its message
  std::uint64_t deleted = 0;  ///< entries a clearing deleted
  std::string failure;        ///< not empty: the store failed, with why
};
/// An administrator's change to the room's archive, done in the room's turn so that it never
/// interleaves with the room's own store calls; `done` is called on the room's worker.
struct AdminArchiveRequest {
  std::variant<ArchiveRemoval, HistoryClearing> what;
  std::function<void(AdminArchiveResult)> done;
};

/// Clears the room's history before `before` and records the history_cleared event; returns
/// how many entries went. For rooms with a host, run in the room's turn (post_admin()).
asio::awaitable<std::uint64_t> clear_room_history(muc::MucStore& store, std::string room,
                                                  muc::Timestamp before, muc::Timestamp now);

/// Runs one room on its home worker for the room's whole life: inputs posted from any thread
/// queue up there and are handled one at a time, each outcome carried out (store awaited,
/// then fan-out) before the next input is looked at. Room state is touched only on that worker.
class MucRoomHost : public std::enable_shared_from_this<MucRoomHost> {
 public:
  MucRoomHost(MucService& service, muc::Room room, asio::io_context& home, muc::MucStore& store,
              muc::MamStore& archive, muc::Deliverer& deliverer, Logger& log);

  /// Queues a stanza addressed to the room or one of its occupants. Thread-safe.
  void post(Element stanza);
  /// Tells the room that a session has gone (its stream closed). Thread-safe.
  void post_session_gone(Jid session);
  /// Queues an administrator's change to the archive. Thread-safe.
  void post_admin(AdminArchiveRequest request);
  /// What the service directory shows; a snapshot taken after each input. Thread-safe.
  muc::RoomListing listing() const;

 private:
  using Input = std::variant<Element, Jid, AdminArchiveRequest>;

  void enqueue(Input input);
  asio::awaitable<void> drain();
  asio::awaitable<void> handle(Input input);
  asio::awaitable<void> handle_admin(AdminArchiveRequest request);
  void publish_listing();
  /// Starts a MAM request beside the room's inputs: the room goes on while it reads.
  void serve(muc::ServeArchive request);

  MucService& service_;
  muc::Room room_;
  asio::io_context& home_;
  muc::MucStore& store_;
  muc::MamStore& archive_;
  muc::Deliverer& deliverer_;
  Logger& log_;
  const std::string jid_;
  // Touched only on the home worker.
  std::deque<Input> inbox_;
  bool draining_ = false;
  bool gone_ = false;

  mutable std::mutex listing_mutex_;
  muc::RoomListing listing_;
};

}  // namespace stoa::xmpp::server
