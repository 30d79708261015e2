#include "store/pg_mam_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <vector>

#include "store/archive_sql.hpp"
#include "store/pg_params.hpp"

namespace stoa::store {

namespace {

using namespace std::chrono;
using muc::ArchiveEntry;
using muc::ArchivePage;
using muc::ArchiveQuery;
using muc::Timestamp;

// Every lambda given to Database::transact is named before the co_await: GCC 12 copies the
// captures of a lambda temporary inside a co_await expression bitwise (see Database).

std::string entry_columns() {
  return std::string("stanza_id, ") + kArchiveMicros + ", kind, nick, sender, stanza, seq";
}

ArchiveEntry read_entry(const pqxx::row& row) {
  ArchiveEntry entry;
  entry.stanza_id = row[0].as<std::string>();
  entry.timestamp = read_micros(row[1]);
  entry.kind =
      row[2].as<std::string>() == "subject" ? muc::ArchiveKind::subject : muc::ArchiveKind::message;
  entry.nick = row[3].as<std::string>();
  entry.sender = row[4].as<std::string>();
  entry.stanza = row[5].as<std::string>();
  return entry;
}

/// What the transaction works from: the query and its times as parameters.
struct PreparedQuery {
  std::string room;
  ArchiveQuery query;
  std::optional<std::string> start;
  std::optional<std::string> end;
  std::uint64_t count_limit = 0;
};

ArchivePage run_query(pqxx::work& tx, const PreparedQuery& prepared) {
  const ArchiveQuery& query = prepared.query;
  // One snapshot for the positions, the page and the count.
  tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  ArchivePage page;
  pqxx::result room = tx.exec_params("SELECT id FROM muc_rooms WHERE jid = $1", prepared.room);
  const std::optional<std::string> room_id =
      room.empty() ? std::nullopt : std::optional<std::string>(room[0][0].as<std::string>());
  // Every id the query names must be in the archive (XEP-0313).
  auto position_of = [&](const std::string& id) -> std::optional<ArchivePosition> {
    if (!room_id) {
      return std::nullopt;
    }
    pqxx::result found =
        tx.exec_params(std::string("SELECT ") + kArchiveMicros +
                           ", seq FROM muc_archive WHERE room_id = $1 AND stanza_id = $2 "
                           "ORDER BY at, seq LIMIT 1",
                       *room_id, id);
    if (found.empty()) {
      return std::nullopt;
    }
    return ArchivePosition{timestamp_param(read_micros(found[0][0])),
                           found[0][1].as<std::string>()};
  };
  std::optional<ArchivePosition> after_id, before_id, page_after, page_before;
  for (auto [id, position] :
       {std::pair{&query.after_id, &after_id}, std::pair{&query.before_id, &before_id},
        std::pair{&query.page_after, &page_after}, std::pair{&query.page_before, &page_before}}) {
    if (!*id || (*id)->empty()) {
      continue;  // an empty page_before asks for the last page
    }
    *position = position_of(**id);
    if (!*position) {
      page.unknown_id = **id;
      return page;
    }
  }
  for (const std::string& id : query.ids) {
    if (!position_of(id)) {
      page.unknown_id = id;
      return page;
    }
  }
  if (!room_id) {
    page.complete = true;
    return page;
  }

  SqlConditions where;
  where.add("room_id = " + where.param(*room_id) + "::bigint");
  if (prepared.start) {
    where.add("at >= " + where.param(*prepared.start) + "::timestamptz");
  }
  if (prepared.end) {
    where.add("at <= " + where.param(*prepared.end) + "::timestamptz");
  }
  if (query.nick) {
    where.add("nick = " + where.param(*query.nick));
  }
  if (query.sender) {
    where.add("sender = " + where.param(*query.sender));
  }
  if (query.fulltext) {
    where.fulltext(*query.fulltext);
  }
  if (after_id) {
    where.after(*after_id);
  }
  if (before_id) {
    where.before(*before_id);
  }
  if (!query.ids.empty()) {
    std::string list;
    for (const std::string& id : query.ids) {
      list += list.empty() ? "" : ", ";
      list += where.param(id);
    }
    where.add("stanza_id IN (" + list + ")");
  }

  // The page: one entry more than asked for tells whether another page follows.
  const bool backwards = query.page_before.has_value();
  SqlConditions on_page = where;
  if (page_after) {
    on_page.after(*page_after);
  }
  if (page_before) {
    on_page.before(*page_before);
  }
  const std::string limit = on_page.param(std::to_string(query.max + 1));
  pqxx::result rows = on_page.exec(
      tx, "SELECT " + entry_columns() + " FROM muc_archive WHERE " + on_page.sql() + " ORDER BY " +
              (backwards ? "at DESC, seq DESC" : "at, seq") + " LIMIT " + limit + "::bigint");
  page.complete = rows.size() <= query.max;
  const std::size_t kept = std::min<std::size_t>(rows.size(), query.max);
  std::optional<ArchivePosition> first;
  for (std::size_t i = 0; i < kept; ++i) {
    page.entries.push_back(read_entry(rows[static_cast<int>(i)]));
  }
  if (kept > 0) {
    const pqxx::row oldest = rows[static_cast<int>(backwards ? kept - 1 : 0)];
    first = ArchivePosition{timestamp_param(read_micros(oldest[1])), oldest[6].as<std::string>()};
  }
  if (backwards) {
    std::reverse(page.entries.begin(), page.entries.end());
  }

  // The count of the whole result, and how many of it come before the page (RSM index), as
  // long as there are no more than the limit: past it, counting would cost more than the page.
  SqlConditions counted = where;
  const std::string limit_counted = counted.param(std::to_string(prepared.count_limit + 1));
  std::string before_first = "0";
  if (first) {
    const std::string at = counted.param(first->at) + "::timestamptz";
    before_first = "count(*) FILTER (WHERE (at, seq) < (" + at + ", " + counted.param(first->seq) +
                   "::bigint))";
  }
  const pqxx::row counts = counted.exec(
      tx, "SELECT count(*), " + before_first + " FROM (SELECT at, seq FROM muc_archive WHERE " +
              counted.sql() + " LIMIT " + limit_counted + "::bigint) c")[0];
  if (counts[0].as<std::uint64_t>() <= prepared.count_limit) {
    page.count = counts[0].as<std::uint64_t>();
    page.first_index = counts[1].as<std::uint64_t>();
  }
  return page;
}

std::optional<muc::ArchiveEnd> archive_end(pqxx::work& tx, const std::string& room,
                                           const char* order) {
  pqxx::result rows = tx.exec_params(
      std::string("SELECT stanza_id, ") + kArchiveMicros +
          " FROM muc_archive WHERE room_id = (SELECT id FROM muc_rooms WHERE jid = $1) "
          "ORDER BY " +
          order + " LIMIT 1",
      room);
  if (rows.empty()) {
    return std::nullopt;
  }
  return muc::ArchiveEnd{rows[0][0].as<std::string>(), read_micros(rows[0][1])};
}

}  // namespace

PgMamStore::PgMamStore(Database& db, unsigned max_in_flight, std::uint64_t count_limit)
    : db_(db),
      max_in_flight_(std::max(max_in_flight, 1u)),
      count_limit_(count_limit),
      in_flight_(std::make_shared<std::atomic<unsigned>>(0)) {}

asio::awaitable<ArchivePage> PgMamStore::query(std::string room, ArchiveQuery query) {
  check_text("room JID", room);
  for (const std::optional<std::string>* text :
       {&query.nick, &query.sender, &query.after_id, &query.before_id, &query.page_after,
        &query.page_before, &query.fulltext}) {
    if (*text) {
      check_text("archive query value", **text);
    }
  }
  for (const std::string& id : query.ids) {
    check_text("archive id", id);
  }
  PreparedQuery prepared{std::move(room), std::move(query), std::nullopt, std::nullopt,
                         count_limit_};
  if (prepared.query.start) {
    prepared.start = timestamp_param(*prepared.query.start);
  }
  if (prepared.query.end) {
    prepared.end = timestamp_param(*prepared.query.end);
  }
  ReadSlot slot(in_flight_, max_in_flight_);
  auto work = [prepared = std::move(prepared)](pqxx::work& tx) { return run_query(tx, prepared); };
  co_return co_await db_.transact(std::move(work));
}

asio::awaitable<muc::ArchiveMetadata> PgMamStore::metadata(std::string room) {
  check_text("room JID", room);
  ReadSlot slot(in_flight_, max_in_flight_);
  auto work = [room = std::move(room)](pqxx::work& tx) {
    tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    return muc::ArchiveMetadata{archive_end(tx, room, "at, seq"),
                                archive_end(tx, room, "at DESC, seq DESC")};
  };
  co_return co_await db_.transact(std::move(work));
}

}  // namespace stoa::store
