#pragma once

#include <asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace stoa::store {

/// One room event of the compliance outbox (migration 0006), as a component receives it.
struct OutboxEvent {
  std::int64_t seq = 0;
  std::string room;
  std::string kind;  ///< muc::RoomEventKind by name
  std::string at;    ///< XEP-0082 UTC, with microseconds when they are not zero
  std::string actor_jid;
  std::string actor_nick;
  std::string target_jid;
  std::string target_nick;
  std::string stanza_id;
  std::string payload;

  bool operator==(const OutboxEvent&) const = default;
};

/// How full the outbox is: for `stoactl status` and the size warning.
struct OutboxState {
  std::int64_t size = 0;        ///< events waiting for an acknowledgement
  std::int64_t oldest_seq = 0;  ///< 0 when the outbox is empty
  std::chrono::system_clock::time_point oldest_at{};
  std::int64_t last_seq = 0;  ///< the newest sequence number handed out, 0 before any
};

/// Reading and acknowledging the compliance outbox (the writing side is the archive writer).
/// Sequence numbers are gapless and commit in order, and only a prefix is ever deleted, so
/// "after N" is a complete position.
class PgComplianceOutbox {
 public:
  explicit PgComplianceOutbox(Database& db) : db_(db) {}

  /// At most `limit` events with a sequence number above `after`, in order.
  asio::awaitable<std::vector<OutboxEvent>> read_after(std::int64_t after, std::size_t limit);
  asio::awaitable<OutboxState> state();
  /// The position `component` has acknowledged; 0 when it never did.
  asio::awaitable<std::int64_t> acked(std::string component);
  /// Records that `component` stored every event up to `seq` (a lower `seq` than recorded
  /// changes nothing), then deletes the events that each of `entitled` (the compliance
  /// components of the configuration) has acknowledged. Returns the recorded position.
  asio::awaitable<std::int64_t> acknowledge(std::string component, std::int64_t seq,
                                            std::vector<std::string> entitled);

 private:
  Database& db_;
};

}  // namespace stoa::store
