// The archive's history management (migration 0008): moderated messages rewritten in place,
// histories cleared before a date, and retention by dropped partitions and batched deletes.

#include <algorithm>
#include <chrono>

#include "store/archive_batch.hpp"
#include "store/pg_muc_store.hpp"
#include "store/pg_params.hpp"

namespace stoa::store {

namespace {

using muc::ArchiveEntry;

constexpr const char* kRoomIdOf = "(SELECT id FROM muc_rooms WHERE jid = $1)";

void check_room(const std::string& room) {
  if (room.empty() || room.size() > 2047) {
    throw std::invalid_argument("'" + room.substr(0, 256) + "' is not a bare room JID");
  }
  check_text("room JID", room);
}

/// Deletes at most `limit` entries of the room stamped before `cutoff`, oldest first; returns
/// how many. seq is unique, so it names the rows across partitions.
std::uint64_t delete_batch(pqxx::work& tx, std::int64_t room_id, const std::string& cutoff,
                           std::int64_t limit) {
  return tx
      .exec_params(
          "DELETE FROM muc_archive WHERE room_id = $1 AND at < $2::timestamptz "
          "AND seq IN (SELECT seq FROM muc_archive WHERE room_id = $1 "
          "AND at < $2::timestamptz ORDER BY at, seq LIMIT $3)",
          room_id, cutoff, limit)
      .affected_rows();
}

/// Writes the outbox row of `event` in `tx` when capture is on, after the transaction's archive
/// changes (the lock order write_batch() documents); returns its sequence number.
std::optional<std::int64_t> record_in(pqxx::work& tx, const std::string& room,
                                      const muc::RoomEvent& event, bool capture) {
  if (!capture) {
    return std::nullopt;
  }
  const std::vector<PendingWrite> writes{{room, event, {}}};
  RoomIds no_entries;  // an event alone needs no room id
  return write_batch(tx, writes, true, PartitionedMonths{}, no_entries).last_seq;
}

}  // namespace

asio::awaitable<std::optional<ArchiveEntry>> PgMucStore::archived_message(std::string room,
                                                                          std::string stanza_id) {
  check_room(room);
  check_text("stanza-id", stanza_id);
  auto work = [room = std::move(room),
               stanza_id = std::move(stanza_id)](pqxx::work& tx) -> std::optional<ArchiveEntry> {
    pqxx::result rows = tx.exec_params(
        "SELECT stanza_id, (extract(epoch FROM at) * 1000000)::bigint, nick, sender, stanza "
        "FROM muc_archive WHERE room_id = " +
            std::string(kRoomIdOf) + " AND stanza_id = $2 AND kind = 'message' LIMIT 1",
        room, stanza_id);
    if (rows.empty()) {
      return std::nullopt;
    }
    const pqxx::row row = rows[0];
    return ArchiveEntry{row[0].as<std::string>(),
                        muc::Timestamp(std::chrono::microseconds(row[1].as<std::int64_t>())),
                        muc::ArchiveKind::message,
                        row[2].as<std::string>(),
                        row[3].as<std::string>(),
                        row[4].as<std::string>()};
  };
  co_return co_await db_.transact(std::move(work));
}

asio::awaitable<bool> PgMucStore::rewrite_archived(std::string room, muc::ArchiveRewrite rewrite,
                                                   muc::RoomEvent event) {
  check_room(room);
  check_text("stanza-id", rewrite.stanza_id);
  check_text("stanza", rewrite.stanza);
  if (rewrite.body) {
    check_text("body", *rewrite.body);
  }
  check_event(event);
  std::string moderated = timestamp_param(rewrite.moderated);
  timestamp_param(event.at);
  struct Rewritten {
    bool found = false;
    std::optional<std::int64_t> last_seq;
  };
  auto work = [room = std::move(room), rewrite = std::move(rewrite),
               moderated = std::move(moderated), event = std::move(event),
               capture = writer_.captures_events()](pqxx::work& tx) {
    Rewritten out;
    out.found = tx.exec_params(
                      "UPDATE muc_archive SET stanza = $3, body = $4, "
                      "moderated_at = $5::timestamptz WHERE room_id = " +
                          std::string(kRoomIdOf) + " AND stanza_id = $2 AND kind = 'message'",
                      room, rewrite.stanza_id, rewrite.stanza, rewrite.body, moderated)
                    .affected_rows() > 0;
    if (out.found) {
      out.last_seq = record_in(tx, room, event, capture);
    }
    return out;
  };
  const Rewritten rewritten = co_await db_.transact(std::move(work));
  if (rewritten.last_seq) {
    writer_.announce_commit(*rewritten.last_seq);
  }
  co_return rewritten.found;
}

asio::awaitable<std::uint64_t> PgMucStore::clear_history(std::string room, muc::Timestamp before,
                                                         muc::RoomEvent event) {
  check_room(room);
  check_event(event);
  timestamp_param(event.at);
  std::string cutoff = timestamp_param(before);
  // In batches, each its own transaction: a history of millions of rows holds no lock for long.
  // The event goes with the first batch, so that no deletion is ever committed without it
  // (see MucStore::clear_history).
  constexpr std::int64_t kBatch = 10000;
  struct FirstBatch {
    std::optional<std::int64_t> room_id;
    std::uint64_t deleted = 0;
    std::optional<std::int64_t> last_seq;
  };
  auto first = [room, cutoff, event = std::move(event),
                capture = writer_.captures_events()](pqxx::work& tx) {
    FirstBatch out;
    pqxx::result rows = tx.exec_params("SELECT id FROM muc_rooms WHERE jid = $1", room);
    if (!rows.empty()) {
      out.room_id = rows[0][0].as<std::int64_t>();
      out.deleted = delete_batch(tx, *out.room_id, cutoff, kBatch);
    }
    out.last_seq = record_in(tx, room, event, capture);
    return out;
  };
  const FirstBatch done = co_await db_.transact(std::move(first));
  if (done.last_seq) {
    writer_.announce_commit(*done.last_seq);
  }
  std::uint64_t total = done.deleted;
  std::uint64_t deleted = done.deleted;
  while (done.room_id && deleted == static_cast<std::uint64_t>(kBatch)) {
    auto batch = [id = *done.room_id, cutoff](pqxx::work& tx) {
      return delete_batch(tx, id, cutoff, kBatch);
    };
    deleted = co_await db_.transact(std::move(batch));
    total += deleted;
  }
  co_return total;
}

asio::awaitable<ArchiveExpiry> PgMucStore::expire_archive(ArchiveRetentionPolicy policy) {
  struct RoomRetention {
    std::int64_t id;
    std::int64_t days;  // 0: forever
  };
  const std::int64_t default_days = policy.default_days;
  const std::int64_t max_days = policy.max_days;
  auto read_rooms = [default_days, max_days](pqxx::work& tx) {
    std::vector<RoomRetention> rooms;
    // A missing or malformed key reads as 0, the service default.
    pqxx::result rows = tx.exec_params(
        "WITH own AS (SELECT id, CASE WHEN config ->> 'retention_days' ~ '^[0-9]{1,9}$' "
        "THEN (config ->> 'retention_days')::bigint ELSE 0 END AS days FROM muc_rooms), "
        "effective AS (SELECT id, CASE WHEN days = 0 THEN $1::bigint ELSE days END AS days "
        "FROM own) "
        "SELECT id, CASE WHEN $2::bigint > 0 AND (days = 0 OR days > $2::bigint) "
        "THEN $2::bigint ELSE days END FROM effective",
        default_days, max_days);
    for (const auto& row : rows) {
      rooms.push_back({row[0].as<std::int64_t>(), row[1].as<std::int64_t>()});
    }
    return rooms;
  };
  std::vector<RoomRetention> rooms = co_await db_.transact(std::move(read_rooms));
  ArchiveExpiry expiry;
  const bool all_expire = !rooms.empty() && std::ranges::none_of(rooms, [](const RoomRetention& r) {
    return r.days == 0;
  });
  if (all_expire) {
    // Whole months that every room's retention has passed: dropped, not deleted row by row.
    const std::int64_t longest = std::ranges::max(rooms, {}, &RoomRetention::days).days;
    std::string cutoff = timestamp_param(policy.now - std::chrono::days(longest));
    auto drop = [cutoff = std::move(cutoff)](pqxx::work& tx) {
      std::vector<std::string> dropped;
      for (const auto& row :
           tx.exec_params("SELECT muc_archive_drop_partitions_before($1::timestamptz)", cutoff)) {
        dropped.push_back(row[0].as<std::string>());
      }
      return dropped;
    };
    expiry.dropped_partitions = co_await db_.transact(std::move(drop));
  }
  const auto limit = static_cast<std::int64_t>(std::max(policy.batch_size, 1u));
  for (const RoomRetention& room : rooms) {
    if (room.days == 0) {
      continue;
    }
    std::string cutoff = timestamp_param(policy.now - std::chrono::days(room.days));
    std::uint64_t deleted_here = 0;
    for (;;) {
      auto batch = [id = room.id, cutoff, limit](pqxx::work& tx) {
        return delete_batch(tx, id, cutoff, limit);
      };
      const std::uint64_t deleted = co_await db_.transact(std::move(batch));
      deleted_here += deleted;
      if (deleted < static_cast<std::uint64_t>(limit)) {
        break;
      }
    }
    if (deleted_here > 0) {
      expiry.deleted_rows += deleted_here;
      ++expiry.rooms;
    }
  }
  co_return expiry;
}

}  // namespace stoa::store
