#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "muc/muc_store.hpp"
#include "muc/room_event.hpp"
#include "store/archived_stanza.hpp"

namespace stoa::store {

/// One write waiting for the next group commit: an archive entry (whose compliance event goes
/// with it) or a room event alone.
struct PendingWrite {
  std::string room;  ///< prepared bare room JID
  std::variant<muc::ArchiveEntry, muc::RoomEvent> content;
  StanzaColumns columns;  ///< extracted from an archive entry's stanza; empty for an event
};

/// The months of archive partitions known to exist: appends stamped within them need no check.
/// Months are counted from year 0. Empty while first > last.
struct PartitionedMonths {
  std::int64_t first = 1;
  std::int64_t last = 0;
};

/// muc_rooms.id by room JID, as looked up for earlier batches. A cached id stays right as long
/// as no room is deleted: ids are never reused, but a room deleted and made again under the
/// same JID has a new one (see ArchiveWriter::rooms_changed()).
using RoomIds = std::unordered_map<std::string, std::int64_t>;

/// What one batch did.
struct BatchResult {
  /// Per write, in order: true for an archive entry whose room is not stored (the entry was
  /// not written; its caller gets an error). Events never fail this way.
  std::vector<bool> room_missing;
  /// The highest compliance sequence number written; nullopt when none was.
  std::optional<std::int64_t> last_seq;
  /// The partitions made sure of, to remember once the transaction has committed.
  PartitionedMonths months;
};

/// Throws std::invalid_argument for an event PostgreSQL cannot take (see check_text()).
void check_event(const muc::RoomEvent& event);

/// Writes the batch in `tx`: archive rows in order, then, when `capture_events` is set, one
/// compliance outbox row per written entry and per event, numbered in order from the outbox
/// counter (whose row lock serializes writers, so numbers commit in order and without gaps).
/// Creates the monthly archive partitions the entries need unless `known` covers them.
///
/// Lock order: the counter row is locked last, after the room rows (the archive rows' foreign
/// key takes KEY SHARE locks on them). Every transaction that writes outbox rows calls this
/// after its own changes (room rows, archive rows), so no transaction holding the counter waits
/// for a lock another one holds while waiting for the counter: no deadlock.
/// Looks up in `room_ids` the rooms it knows, and adds those it reads from muc_rooms.
BatchResult write_batch(pqxx::transaction_base& tx, const std::vector<PendingWrite>& writes,
                        bool capture_events, PartitionedMonths known, RoomIds& room_ids);

/// False when write_batch() changes data with one statement only (no compliance capture, no
/// partition to create), which is atomic without a transaction block.
bool needs_transaction(const std::vector<PendingWrite>& writes, bool capture_events,
                       PartitionedMonths known);

}  // namespace stoa::store
