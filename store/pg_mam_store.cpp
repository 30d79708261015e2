#include "store/pg_mam_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <vector>

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

/// One of the store's in-flight places, given back when the query ends however it ends.
class Slot {
 public:
  explicit Slot(std::shared_ptr<std::atomic<unsigned>> in_flight)
      : in_flight_(std::move(in_flight)) {}
  Slot(Slot&& other) noexcept = default;
  Slot& operator=(Slot&&) = delete;
  ~Slot() {
    if (in_flight_) {
      in_flight_->fetch_sub(1, std::memory_order_relaxed);
    }
  }

 private:
  std::shared_ptr<std::atomic<unsigned>> in_flight_;
};

Slot take_slot(const std::shared_ptr<std::atomic<unsigned>>& in_flight, unsigned max) {
  unsigned now = in_flight->load(std::memory_order_relaxed);
  do {
    if (now >= max) {
      throw muc::ArchiveBusy(std::to_string(max) + " archive queries are already under way");
    }
  } while (!in_flight->compare_exchange_weak(now, now + 1, std::memory_order_relaxed));
  return Slot(in_flight);
}

/// Where an entry sits in the archive order: its time and sequence number, as parameters.
struct Position {
  std::string at;
  std::string seq;
};

// Microseconds since the epoch: exact, where a floating-point epoch is not. Read this way
// rather than as at::text, whose cast in the select list turns the planner away from the
// merge of the partitions' indexes to a scan and sort of the whole room.
const char* const kMicros = "(extract(epoch FROM at) * 1000000)::bigint";

Timestamp read_micros(const pqxx::field& field) {
  return Timestamp(microseconds(field.as<std::int64_t>()));
}

/// A WHERE clause with its parameters, numbered as they are added.
class Conditions {
 public:
  /// Adds a parameter and returns its placeholder, "$3".
  std::string param(std::string value) {
    params_.push_back(std::move(value));
    return "$" + std::to_string(params_.size());
  }
  void add(const std::string& condition) {
    sql_ += sql_.empty() ? "" : " AND ";
    sql_ += condition;
  }
  /// Entries after `position` in the archive order. The bound on `at` alone lets the planner
  /// skip whole partitions.
  void after(const Position& position) {
    const std::string at = param(position.at) + "::timestamptz";
    add("at >= " + at + " AND (at, seq) > (" + at + ", " + param(position.seq) + "::bigint)");
  }
  void before(const Position& position) {
    const std::string at = param(position.at) + "::timestamptz";
    add("at <= " + at + " AND (at, seq) < (" + at + ", " + param(position.seq) + "::bigint)");
  }
  const std::string& sql() const { return sql_; }
  const std::vector<std::string>& params() const { return params_; }

 private:
  std::string sql_;
  std::vector<std::string> params_;
};

pqxx::result exec(pqxx::work& tx, const std::string& sql, const Conditions& where) {
  return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(where.params()));
}

std::string entry_columns() {
  return std::string("stanza_id, ") + kMicros + ", kind, nick, sender, stanza, seq";
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
  auto position_of = [&](const std::string& id) -> std::optional<Position> {
    if (!room_id) {
      return std::nullopt;
    }
    pqxx::result found =
        tx.exec_params(std::string("SELECT ") + kMicros +
                           ", seq FROM muc_archive WHERE room_id = $1 AND stanza_id = $2 "
                           "ORDER BY at, seq LIMIT 1",
                       *room_id, id);
    if (found.empty()) {
      return std::nullopt;
    }
    return Position{timestamp_param(read_micros(found[0][0])), found[0][1].as<std::string>()};
  };
  std::optional<Position> after_id, before_id, page_after, page_before;
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

  Conditions where;
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
  Conditions on_page = where;
  if (page_after) {
    on_page.after(*page_after);
  }
  if (page_before) {
    on_page.before(*page_before);
  }
  const std::string limit = on_page.param(std::to_string(query.max + 1));
  pqxx::result rows =
      exec(tx,
           "SELECT " + entry_columns() + " FROM muc_archive WHERE " + on_page.sql() + " ORDER BY " +
               (backwards ? "at DESC, seq DESC" : "at, seq") + " LIMIT " + limit + "::bigint",
           on_page);
  page.complete = rows.size() <= query.max;
  const std::size_t kept = std::min<std::size_t>(rows.size(), query.max);
  std::optional<Position> first;
  for (std::size_t i = 0; i < kept; ++i) {
    page.entries.push_back(read_entry(rows[static_cast<int>(i)]));
  }
  if (kept > 0) {
    const pqxx::row oldest = rows[static_cast<int>(backwards ? kept - 1 : 0)];
    first = Position{timestamp_param(read_micros(oldest[1])), oldest[6].as<std::string>()};
  }
  if (backwards) {
    std::reverse(page.entries.begin(), page.entries.end());
  }

  // The count of the whole result, and how many of it come before the page (RSM index), as
  // long as there are no more than the limit: past it, counting would cost more than the page.
  Conditions counted = where;
  const std::string limit_counted = counted.param(std::to_string(prepared.count_limit + 1));
  std::string before_first = "0";
  if (first) {
    const std::string at = counted.param(first->at) + "::timestamptz";
    before_first = "count(*) FILTER (WHERE (at, seq) < (" + at + ", " + counted.param(first->seq) +
                   "::bigint))";
  }
  const pqxx::row counts =
      exec(tx,
           "SELECT count(*), " + before_first + " FROM (SELECT at, seq FROM muc_archive WHERE " +
               counted.sql() + " LIMIT " + limit_counted + "::bigint) c",
           counted)[0];
  if (counts[0].as<std::uint64_t>() <= prepared.count_limit) {
    page.count = counts[0].as<std::uint64_t>();
    page.first_index = counts[1].as<std::uint64_t>();
  }
  return page;
}

std::optional<muc::ArchiveEnd> archive_end(pqxx::work& tx, const std::string& room,
                                           const char* order) {
  pqxx::result rows = tx.exec_params(
      std::string("SELECT stanza_id, ") + kMicros +
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
        &query.page_before}) {
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
  Slot slot = take_slot(in_flight_, max_in_flight_);
  auto work = [prepared = std::move(prepared)](pqxx::work& tx) { return run_query(tx, prepared); };
  co_return co_await db_.transact(std::move(work));
}

asio::awaitable<muc::ArchiveMetadata> PgMamStore::metadata(std::string room) {
  check_text("room JID", room);
  Slot slot = take_slot(in_flight_, max_in_flight_);
  auto work = [room = std::move(room)](pqxx::work& tx) {
    tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    return muc::ArchiveMetadata{archive_end(tx, room, "at, seq"),
                                archive_end(tx, room, "at DESC, seq DESC")};
  };
  co_return co_await db_.transact(std::move(work));
}

}  // namespace stoa::store
