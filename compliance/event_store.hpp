#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "compliance/event.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace stoa::compliance {

/// The compliance database's migrations (compliance/migrations/*.sql), compiled in.
std::span<const store::Migration> compliance_migrations();

/// What an export selects. Bounds are half-open: from <= at < to.
struct EventFilter {
  std::optional<muc::Timestamp> from = {};
  std::optional<muc::Timestamp> to = {};
  std::string room = {};  ///< bare room JID; empty: every room
  std::string user = {};  ///< bare JID that is the actor or the target; empty: anyone
};

/// The order events come out of an export.
enum class EventOrder {
  by_seq,           ///< as they happened
  by_room_then_seq  ///< grouped per room (rooms in JID order), as they happened within a room
};

/// The compliance database's events table (compliance/migrations/0001_events.sql). Blocking:
/// call it from the writer thread or a command-line tool, never from the XMPP loop.
class EventStore {
 public:
  explicit EventStore(store::Database& db) : db_(db) {}

  /// Stores the events in one transaction; those whose seq is already stored are left as they
  /// are, so writing the same events again changes nothing. Returns how many were new.
  std::size_t insert(std::span<const Event> events);

  /// The highest stored seq, 0 when none.
  std::int64_t highest_seq();

  /// Calls `sink` for every event matching `filter` in `order`, reading a page at a time so
  /// that an export of any size needs little memory. Each page is its own transaction.
  void for_each(const EventFilter& filter, EventOrder order,
                const std::function<void(const Event&)>& sink);

 private:
  store::Database& db_;
};

}  // namespace stoa::compliance
