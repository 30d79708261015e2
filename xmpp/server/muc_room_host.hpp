#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
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
#include "xmpp/server/work_delay_gauge.hpp"
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
/// queue up there and are handled one at a time. Room state is touched only on that worker.
///
/// Groupchat messages are pipelined: the room decides the next message while earlier ones are
/// being committed (up to `max_pending_stores` at once), and delivers each outcome only once
/// its own commit is done, in the order the room took the inputs. Every other input (presence,
/// IQs, a session gone, an administrator's request) waits until the pending outcomes have been
/// delivered, then runs alone: store awaited, then fan-out, before the next input is looked at.
class MucRoomHost : public std::enable_shared_from_this<MucRoomHost> {
 public:
  MucRoomHost(MucService& service, muc::Room room, asio::io_context& home, muc::MucStore& store,
              muc::MamStore& archive, muc::Deliverer& deliverer, unsigned max_pending_stores,
              WorkDelayGauge& work_delay, Logger& log);

  /// Queues a stanza addressed to the room or one of its occupants. Thread-safe.
  void post(Element stanza);
  /// Tells the room that a session has gone (its stream closed). Thread-safe.
  void post_session_gone(Jid session);
  /// Queues an administrator's change to the archive. Thread-safe.
  void post_admin(AdminArchiveRequest request);
  /// What the service directory shows; a snapshot taken after each input. Thread-safe.
  muc::RoomListing listing() const;

 private:
  /// Sessions without a stream any more, to leave together (muc::Room::sessions_gone).
  struct SessionsGone {
    std::vector<Jid> sessions;
  };
  using Input = std::variant<Element, SessionsGone, AdminArchiveRequest>;
  /// An outcome decided but not yet delivered: its archive write may still be committing.
  struct Pending {
    muc::Outcome deliveries;         ///< what is sent once the write has committed
    std::optional<Element> request;  ///< the stanza it answers, told when storing failed
    bool stored = false;             ///< the write is done (committed, or failed: see error)
    std::exception_ptr error;        ///< why the write failed
  };

  /// An input and when it was posted: how long it waited goes to the work-delay gauge.
  struct Queued {
    Input input;
    WorkDelayGauge::Clock::time_point posted;
  };

  void enqueue(Input input, WorkDelayGauge::Clock::time_point posted);
  /// Takes the next input from the inbox; sessions gone one after another come as one.
  Input take_input();
  asio::awaitable<void> drain();
  asio::awaitable<void> handle(Input input);
  /// Starts storing a message outcome ([AppendArchive, Send...]) or queues one that stores
  /// nothing ([Send...]); false when the outcome must run alone.
  bool pipeline(muc::Outcome& outcome, std::optional<Element>& request);
  asio::awaitable<void> store_pending(std::shared_ptr<Pending> pending, std::string room,
                                      muc::ArchiveEntry entry);
  /// Delivers the pending outcomes whose writes are done, in order, up to the first that is not.
  asio::awaitable<void> deliver_stored();
  /// Delivers every pending outcome, waiting for their writes.
  asio::awaitable<void> flush();
  /// Waits until an input arrives or a pending write completes.
  asio::awaitable<void> wait_for_news();
  /// What follows running an outcome: the sender told of a failed store, sessions found gone
  /// queued, archive requests started, the listing refreshed, the room dropped if it ended.
  asio::awaitable<void> conclude(muc::RunResult result, const std::optional<Element>& request,
                                 bool room_gone);
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
  WorkDelayGauge& work_delay_;
  Logger& log_;
  const std::string jid_;
  const std::size_t max_pending_;
  // Touched only on the home worker.
  std::deque<Queued> inbox_;
  std::deque<std::shared_ptr<Pending>> pending_;
  /// Never expires: cancelled to wake drain() from wait_for_news().
  asio::steady_timer news_;
  bool draining_ = false;
  bool gone_ = false;

  mutable std::mutex listing_mutex_;
  muc::RoomListing listing_;
};

}  // namespace stoa::xmpp::server
