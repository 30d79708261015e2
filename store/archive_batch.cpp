#include "store/archive_batch.hpp"

#include <algorithm>
#include <chrono>
#include <string_view>
#include <utility>

#include "store/pg_params.hpp"
#include "store/prepared_statement.hpp"

namespace stoa::store {
namespace {

using namespace std::chrono;

// Months since year 0, the unit of archive partitions.
std::int64_t month_index(muc::Timestamp time) {
  const year_month_day date(floor<days>(time));
  return static_cast<std::int64_t>(static_cast<int>(date.year())) * 12 +
         static_cast<unsigned>(date.month()) - 1;
}

/// Parameters of a multi-row statement. libpq takes them as C strings, a null pointer being
/// SQL NULL; the strings are kept here so that the pointers stay valid.
class RowParams {
 public:
  void add(std::string value) {
    owned_.push_back(std::move(value));
    null_.push_back(false);
  }
  void add_nullable(const std::optional<std::string>& value) {
    owned_.push_back(value.value_or(""));
    null_.push_back(!value);
  }
  /// "($n::type, ...)" for the next row of `types.size()` columns.
  std::string placeholders(const std::vector<const char*>& types) const {
    std::string out = "(";
    for (std::size_t i = 0; i < types.size(); ++i) {
      out += (i == 0 ? "$" : ", $") + std::to_string(owned_.size() + i + 1) + "::" + types[i];
    }
    return out + ")";
  }
  std::vector<const char*> pointers() const {
    std::vector<const char*> out;
    out.reserve(owned_.size());
    for (std::size_t i = 0; i < owned_.size(); ++i) {
      out.push_back(null_[i] ? nullptr : owned_[i].c_str());
    }
    return out;
  }

 private:
  std::vector<std::string> owned_;
  std::vector<bool> null_;
};

// A multi-row statement's text changes with its row count. Small batches, all there is at
// moderate load, run as statements prepared per connection and row count (see
// exec_prepared()); a larger batch spreads the parse and plan over its rows, and preparing
// every size up to the batch limit would keep hundreds of large plans per connection.
constexpr std::size_t kMostPreparedRows = 16;

pqxx::result exec_rows(pqxx::transaction_base& tx, std::string_view statement, std::size_t rows,
                       const std::string& sql, const RowParams& params) {
  const std::vector<const char*> values = params.pointers();
  if (rows <= kMostPreparedRows) {
    return exec_prepared(tx, std::string(statement) + "_" + std::to_string(rows), sql,
                         pqxx::prepare::make_dynamic_params(values));
  }
  return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(values));
}

/// The earliest and latest stamps of the batch's entries outside the months `known`.
std::optional<std::pair<muc::Timestamp, muc::Timestamp>> unpartitioned_span(
    const std::vector<PendingWrite>& writes, PartitionedMonths known) {
  std::optional<std::pair<muc::Timestamp, muc::Timestamp>> span;
  for (const PendingWrite& write : writes) {
    if (const auto* entry = std::get_if<muc::ArchiveEntry>(&write.content)) {
      const std::int64_t month = month_index(entry->timestamp);
      if (month < known.first || month > known.last) {
        span = std::pair(std::min(span ? span->first : entry->timestamp, entry->timestamp),
                         std::max(span ? span->second : entry->timestamp, entry->timestamp));
      }
    }
  }
  return span;
}

PartitionedMonths ensure_partitions(pqxx::transaction_base& tx,
                                    const std::vector<PendingWrite>& writes,
                                    PartitionedMonths known) {
  const auto span = unpartitioned_span(writes, known);
  if (!span) {
    return known;
  }
  const auto& [earliest, latest] = *span;
  // The next month too, so that the clock passing into it needs no check.
  tx.exec_params(
      "SELECT muc_archive_ensure_partitions($1::timestamptz, $2::timestamptz + interval '1 "
      "month')",
      timestamp_param(earliest), timestamp_param(latest));
  const std::int64_t first = month_index(earliest);
  const std::int64_t last = month_index(latest) + 1;
  if (known.first > known.last || first > known.last + 1 || last < known.first - 1) {
    return {first, last};  // not adjacent to what was known: remember the new range only
  }
  return {std::min(first, known.first), std::max(last, known.last)};
}

/// Looks up the rooms of the batch's entries that `ids` does not know yet, and adds them.
void look_up_room_ids(pqxx::transaction_base& tx, const std::vector<PendingWrite>& writes,
                      RoomIds& ids) {
  RowParams params;
  std::string sql = "SELECT jid, id FROM muc_rooms WHERE jid IN (";
  std::vector<const std::string*> asked;
  for (const PendingWrite& write : writes) {
    if (std::holds_alternative<muc::ArchiveEntry>(write.content) && !ids.contains(write.room) &&
        std::none_of(asked.begin(), asked.end(),
                     [&](const std::string* room) { return *room == write.room; })) {
      sql += (asked.empty() ? "" : ", ") + params.placeholders({"text"});
      params.add(write.room);
      asked.push_back(&write.room);
    }
  }
  if (asked.empty()) {
    return;
  }
  for (const pqxx::row& row : exec_rows(tx, "archive_room_ids", asked.size(), sql + ")", params)) {
    ids.emplace(row[0].as<std::string>(), row[1].as<std::int64_t>());
  }
}

void insert_archive_rows(pqxx::transaction_base& tx, const std::vector<PendingWrite>& writes,
                         RoomIds& ids, BatchResult& result) {
  look_up_room_ids(tx, writes, ids);
  RowParams params;
  std::string sql =
      "INSERT INTO muc_archive (room_id, at, kind, stanza_id, nick, sender, occupant_id, body, "
      "stanza) VALUES ";
  std::size_t rows = 0;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    const auto* entry = std::get_if<muc::ArchiveEntry>(&writes[i].content);
    if (entry == nullptr) {
      continue;
    }
    auto id = ids.find(writes[i].room);
    if (id == ids.end()) {
      result.room_missing[i] = true;
      continue;
    }
    sql += (rows == 0 ? "" : ", ") + params.placeholders({"bigint", "timestamptz", "text", "text",
                                                          "text", "text", "text", "text", "text"});
    ++rows;
    params.add(std::to_string(id->second));
    params.add(timestamp_param(entry->timestamp));
    params.add(entry->kind == muc::ArchiveKind::subject ? "subject" : "message");
    params.add(entry->stanza_id);
    params.add(entry->nick);
    params.add(entry->sender);
    params.add_nullable(writes[i].columns.occupant_id);
    params.add_nullable(writes[i].columns.body);
    params.add(entry->stanza);
  }
  if (rows > 0) {
    exec_rows(tx, "archive_insert", rows, sql, params);
  }
}

/// The compliance event an archive entry stands for.
muc::RoomEvent event_of(const muc::ArchiveEntry& entry) {
  muc::RoomEvent event;
  event.kind = entry.kind == muc::ArchiveKind::subject ? muc::RoomEventKind::subject
                                                       : muc::RoomEventKind::message;
  event.at = entry.timestamp;
  event.actor_jid = entry.sender;
  event.actor_nick = entry.nick;
  event.stanza_id = entry.stanza_id;
  event.payload = entry.stanza;
  return event;
}

std::optional<std::int64_t> insert_outbox_rows(pqxx::transaction_base& tx,
                                               const std::vector<PendingWrite>& writes,
                                               const BatchResult& result) {
  std::vector<std::pair<const std::string*, muc::RoomEvent>> events;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    if (const auto* entry = std::get_if<muc::ArchiveEntry>(&writes[i].content)) {
      if (!result.room_missing[i]) {
        events.emplace_back(&writes[i].room, event_of(*entry));
      }
    } else {
      events.emplace_back(&writes[i].room, std::get<muc::RoomEvent>(writes[i].content));
    }
  }
  if (events.empty()) {
    return std::nullopt;
  }
  const auto last = exec_prepared(tx, "outbox_reserve_sequence",
                                  "UPDATE compliance_sequence SET last_seq = last_seq + $1 "
                                  "RETURNING last_seq",
                                  static_cast<std::int64_t>(events.size()))
                        .at(0)[0]
                        .as<std::int64_t>();
  std::int64_t seq = last - static_cast<std::int64_t>(events.size());
  RowParams params;
  std::string sql =
      "INSERT INTO compliance_outbox (seq, room, kind, at, actor_jid, actor_nick, target_jid, "
      "target_nick, stanza_id, payload) VALUES ";
  bool first_row = true;
  for (const auto& [room, event] : events) {
    sql += (first_row ? "" : ", ") +
           params.placeholders({"bigint", "text", "text", "timestamptz", "text", "text", "text",
                                "text", "text", "text"});
    first_row = false;
    params.add(std::to_string(++seq));
    params.add(*room);
    params.add(std::string(muc::to_string(event.kind)));
    params.add(timestamp_param(event.at));
    params.add(event.actor_jid);
    params.add(event.actor_nick);
    params.add(event.target_jid);
    params.add(event.target_nick);
    params.add(event.stanza_id);
    params.add(event.payload);
  }
  exec_rows(tx, "outbox_insert", events.size(), sql, params);
  return last;
}

}  // namespace

void check_event(const muc::RoomEvent& event) {
  check_text("event actor", event.actor_jid);
  check_text("event nick", event.actor_nick);
  check_text("event target", event.target_jid);
  check_text("event target nick", event.target_nick);
  check_text("event stanza-id", event.stanza_id);
  check_text("event payload", event.payload);
}

bool needs_transaction(const std::vector<PendingWrite>& writes, bool capture_events,
                       PartitionedMonths known) {
  return capture_events || unpartitioned_span(writes, known).has_value();
}

BatchResult write_batch(pqxx::transaction_base& tx, const std::vector<PendingWrite>& writes,
                        bool capture_events, PartitionedMonths known, RoomIds& room_ids) {
  BatchResult result;
  result.room_missing.assign(writes.size(), false);
  result.months = ensure_partitions(tx, writes, known);
  insert_archive_rows(tx, writes, room_ids, result);
  if (capture_events) {
    result.last_seq = insert_outbox_rows(tx, writes, result);
  }
  return result;
}

}  // namespace stoa::store
