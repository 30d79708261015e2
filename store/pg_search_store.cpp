#include "store/pg_search_store.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/archive_sql.hpp"
#include "store/pg_params.hpp"

namespace stoa::store {

namespace {

using muc::SearchHit;
using muc::SearchPage;
using muc::SearchPosition;
using muc::SearchQuery;
using muc::SearchScope;

// Every lambda given to Database::transact is named before the co_await: GCC 12 copies the
// captures of a lambda temporary inside a co_await expression bitwise (see Database).

// PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout.
constexpr const char* kQueryCanceled = "57014";

/// A room the user may read, by its muc_rooms.id.
struct ReadableRoom {
  std::string jid;
  /// The user sees real JIDs in this room (SearchHit::shows_real_jid, before their own).
  bool sees_jids = false;
};

/// The rooms of the service that the user may read, with the conditions of room_mam.cpp in
/// SQL: the room keeps an archive (enable_logging), and the user's affiliation lets them in:
/// not an outcast; a member, admin or owner of a members-only room; the owner of a
/// password-protected one (a search, like a MAM query, cannot carry the password). Service
/// administrators read every room that keeps an archive. Real JIDs show where whois is
/// 'anyone' or to admins and owners.
///
/// The user's affiliation is the one stored for their full JID, else their bare JID, else
/// their domain (Room::affiliation_of). A key missing from a room's config document has
/// RoomConfig's default: enable_logging true, members_only and password_protected false,
/// whois 'moderators'.
std::map<std::int64_t, ReadableRoom> readable_rooms(pqxx::work& tx, const SearchScope& scope,
                                                    const std::optional<std::string>& room) {
  SqlConditions where;
  const std::string keys = "ARRAY[" + where.param(scope.user) + ", " +
                           where.param(scope.user_bare) + ", " + where.param(scope.user_domain) +
                           "]::text[]";
  const std::string admin = where.param(scope.service_admin ? "true" : "false") + "::boolean";
  where.add("r.service = " + where.param(scope.service));
  where.add("coalesce((r.config ->> 'enable_logging')::boolean, true)");
  where.add("(" + admin +
            " OR (a.affiliation IS DISTINCT FROM 'outcast'"
            " AND (NOT coalesce((r.config ->> 'members_only')::boolean, false)"
            " OR a.affiliation IN ('member', 'admin', 'owner'))"
            " AND (NOT coalesce((r.config ->> 'password_protected')::boolean, false)"
            " OR a.affiliation = 'owner')))");
  if (room) {
    where.add("r.jid = " + where.param(*room));
  }
  const pqxx::result rows = where.exec(
      tx, "SELECT r.id, r.jid, coalesce(" + admin +
              " OR r.config ->> 'whois' = 'anyone' OR a.affiliation IN ('owner', 'admin'), false) "
              "FROM muc_rooms r LEFT JOIN LATERAL (SELECT f.affiliation FROM muc_affiliations f "
              "WHERE f.room_id = r.id AND f.jid = ANY (" +
              keys + ") ORDER BY array_position(" + keys + ", f.jid) LIMIT 1) a ON true WHERE " +
              where.sql());
  std::map<std::int64_t, ReadableRoom> readable;
  for (const pqxx::row& row : rows) {
    readable.emplace(row[0].as<std::int64_t>(),
                     ReadableRoom{row[1].as<std::string>(), row[2].as<bool>()});
  }
  return readable;
}

/// The ids of `rooms` as a bigint[] literal.
std::string id_array(const std::map<std::int64_t, ReadableRoom>& rooms) {
  std::string out = "{";
  for (const auto& [id, room] : rooms) {
    out += (out.size() > 1 ? "," : "") + std::to_string(id);
  }
  return out + "}";
}

ArchivePosition position_param(const SearchPosition& position) {
  return ArchivePosition{timestamp_param(position.at), std::to_string(position.seq)};
}

/// What the transaction works from.
struct PreparedSearch {
  SearchScope scope;
  SearchQuery query;
  std::uint64_t count_limit = 0;
  long long timeout_ms = 0;
};

SearchHit read_hit(const pqxx::row& row, const std::map<std::int64_t, ReadableRoom>& rooms) {
  const ReadableRoom& room = rooms.at(row[0].as<std::int64_t>());
  SearchHit hit;
  hit.room = room.jid;
  hit.entry.stanza_id = row[1].as<std::string>();
  hit.entry.timestamp = read_micros(row[2]);
  hit.entry.kind =
      row[3].as<std::string>() == "subject" ? muc::ArchiveKind::subject : muc::ArchiveKind::message;
  hit.entry.nick = row[4].as<std::string>();
  hit.entry.sender = row[5].as<std::string>();
  hit.entry.stanza = row[6].as<std::string>();
  hit.position = SearchPosition{hit.entry.timestamp, row[7].as<std::int64_t>()};
  hit.shows_real_jid = room.sees_jids;
  return hit;
}

SearchPage run_search(pqxx::work& tx, const PreparedSearch& prepared) {
  const SearchQuery& query = prepared.query;
  // One snapshot for the rooms, the page and the count.
  tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  tx.exec("SET LOCAL statement_timeout = " + std::to_string(prepared.timeout_ms));
  const std::map<std::int64_t, ReadableRoom> rooms = readable_rooms(tx, prepared.scope, query.room);
  SearchPage page;
  if (rooms.empty()) {
    page.complete = true;
    page.count = 0;
    page.first_index = 0;
    return page;
  }
  // The rooms as a list of ids rather than joined: the planner then estimates from the
  // statistics of room_id how many messages they hold, and so whether walking the archive in
  // time order (muc_archive_time, migration 0009) finds a page sooner than fetching every
  // match through the GIN index and sorting them.
  SqlConditions where;
  where.add("room_id = ANY (" + where.param(id_array(rooms)) + "::bigint[])");
  where.fulltext(query.text);
  if (query.start) {
    where.add("at >= " + where.param(timestamp_param(*query.start)) + "::timestamptz");
  }
  if (query.end) {
    where.add("at <= " + where.param(timestamp_param(*query.end)) + "::timestamptz");
  }

  // The page: one hit more than asked for tells whether another page follows.
  const bool backwards = query.page_before || query.last_page;
  SqlConditions on_page = where;
  if (query.page_after) {
    on_page.after(position_param(*query.page_after));
  }
  if (query.page_before) {
    on_page.before(position_param(*query.page_before));
  }
  const std::string limit = on_page.param(std::to_string(query.max + 1));
  const pqxx::result rows = on_page.exec(
      tx, std::string("SELECT room_id, stanza_id, ") + kArchiveMicros +
              ", kind, nick, sender, stanza, seq FROM muc_archive WHERE " + on_page.sql() +
              " ORDER BY " + (backwards ? "at DESC, seq DESC" : "at, seq") + " LIMIT " + limit +
              "::bigint");
  page.complete = rows.size() <= query.max;
  const std::size_t kept = std::min<std::size_t>(rows.size(), query.max);
  for (std::size_t i = 0; i < kept; ++i) {
    page.hits.push_back(read_hit(rows[static_cast<int>(i)], rooms));
  }
  if (backwards) {
    std::reverse(page.hits.begin(), page.hits.end());
  }

  // The count, and how many hits come before the page, up to the limit (as PgMamStore).
  SqlConditions counted = where;
  const std::string limit_counted = counted.param(std::to_string(prepared.count_limit + 1));
  std::string before_first = "0";
  if (!page.hits.empty()) {
    const ArchivePosition first = position_param(page.hits.front().position);
    const std::string at = counted.param(first.at) + "::timestamptz";
    before_first = "count(*) FILTER (WHERE (at, seq) < (" + at + ", " + counted.param(first.seq) +
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

}  // namespace

PgSearchStore::PgSearchStore(Database& db, unsigned max_in_flight, std::uint64_t count_limit,
                             std::chrono::milliseconds timeout)
    : db_(db),
      max_in_flight_(std::max(max_in_flight, 1u)),
      count_limit_(count_limit),
      timeout_(std::max(timeout, std::chrono::milliseconds(1))),
      in_flight_(std::make_shared<std::atomic<unsigned>>(0)) {}

asio::awaitable<SearchPage> PgSearchStore::search(SearchScope scope, SearchQuery query) {
  for (const std::string* text :
       {&scope.service, &scope.user, &scope.user_bare, &scope.user_domain, &query.text}) {
    check_text("search value", *text);
  }
  if (query.room) {
    check_text("room JID", *query.room);
  }
  PreparedSearch prepared{std::move(scope), std::move(query), count_limit_,
                          static_cast<long long>(timeout_.count())};
  ReadSlot slot(in_flight_, max_in_flight_);
  auto work = [prepared = std::move(prepared)](pqxx::work& tx) {
    try {
      return run_search(tx, prepared);
    } catch (const pqxx::sql_error& e) {
      if (e.sqlstate() != kQueryCanceled) {
        throw;
      }
      throw muc::ArchiveBusy("the search took longer than " + std::to_string(prepared.timeout_ms) +
                             " ms; narrow it");
    }
  };
  co_return co_await db_.transact(std::move(work));
}

}  // namespace stoa::store
