#include "compliance/event_store.hpp"

#include <vector>

#include "store/pg_params.hpp"

namespace stoa::compliance {

namespace {

// Rows per INSERT statement: 10 parameters each, far below PostgreSQL's 65535 per statement,
// and large enough that a batch costs a few round trips.
constexpr std::size_t kRowsPerStatement = 500;
constexpr std::size_t kExportPageRows = 1000;
constexpr std::int64_t kMicrosPerSecond = 1'000'000;

std::string insert_statement(std::size_t rows) {
  std::string sql =
      "INSERT INTO compliance_events "
      "(seq, room, kind, at, actor, nick, target, target_nick, stanza_id, payload) VALUES ";
  for (std::size_t row = 0; row < rows; ++row) {
    auto p = [&](std::size_t column) { return "$" + std::to_string(row * 10 + column); };
    sql += (row == 0 ? "(" : ",(") + p(1) + "::bigint," + p(2) + "," + p(3) + "," + p(4) +
           "::timestamptz," + p(5) + "," + p(6) + "," + p(7) + "," + p(8) + "," + p(9) + "," +
           p(10) + ")";
  }
  return sql + " ON CONFLICT (seq) DO NOTHING";
}

std::vector<std::string> insert_params(std::span<const Event> events) {
  std::vector<std::string> params;
  params.reserve(events.size() * 10);
  for (const Event& event : events) {
    for (const std::string* text :
         {&event.room, &event.kind, &event.actor, &event.nick, &event.target, &event.target_nick,
          &event.stanza_id, &event.payload}) {
      store::check_text("event " + std::to_string(event.seq), *text);
    }
    params.push_back(std::to_string(event.seq));
    params.push_back(event.room);
    params.push_back(event.kind);
    params.push_back(store::timestamp_param(event.at));
    params.push_back(event.actor);
    params.push_back(event.nick);
    params.push_back(event.target);
    params.push_back(event.target_nick);
    params.push_back(event.stanza_id);
    params.push_back(event.payload);
  }
  return params;
}

// Where the previous page ended: the keyset the next one starts after.
struct PagePosition {
  std::string room;
  std::int64_t seq = 0;
};

Event read_event(const pqxx::row& row) {
  Event event;
  event.seq = row[0].as<std::int64_t>();
  event.room = row[1].as<std::string>();
  event.kind = row[2].as<std::string>();
  event.at = muc::Timestamp(std::chrono::microseconds(row[3].as<std::int64_t>()));
  event.actor = row[4].as<std::string>();
  event.nick = row[5].as<std::string>();
  event.target = row[6].as<std::string>();
  event.target_nick = row[7].as<std::string>();
  event.stanza_id = row[8].as<std::string>();
  event.payload = row[9].as<std::string>();
  return event;
}

}  // namespace

std::size_t EventStore::insert(std::span<const Event> events) {
  if (events.empty()) {
    return 0;
  }
  std::vector<std::vector<std::string>> statements;
  for (std::size_t start = 0; start < events.size(); start += kRowsPerStatement) {
    statements.push_back(
        insert_params(events.subspan(start, std::min(kRowsPerStatement, events.size() - start))));
  }
  auto work = [&statements](pqxx::work& tx) {
    std::size_t inserted = 0;
    for (const auto& params : statements) {
      auto result = tx.exec_params(insert_statement(params.size() / 10),
                                   pqxx::prepare::make_dynamic_params(params));
      inserted += result.affected_rows();
    }
    return inserted;
  };
  return db_.transact_blocking(std::move(work));
}

std::int64_t EventStore::highest_seq() {
  return db_.transact_blocking([](pqxx::work& tx) {
    return tx.exec1("SELECT coalesce(max(seq), 0) FROM compliance_events")[0].as<std::int64_t>();
  });
}

void EventStore::for_each(const EventFilter& filter, EventOrder order,
                          const std::function<void(const Event&)>& sink) {
  // Only the filters given become conditions, so that the planner can use their indexes.
  std::vector<std::string> params;
  std::string where;
  auto condition = [&](const std::string& sql_with_placeholder, std::string value) {
    params.push_back(std::move(value));
    std::string sql = sql_with_placeholder;
    for (auto at = sql.find('?'); at != std::string::npos; at = sql.find('?', at)) {
      sql.replace(at, 1, "$" + std::to_string(params.size()));
    }
    where += (where.empty() ? " WHERE " : " AND ") + sql;
  };
  if (filter.from) {
    condition("at >= ?::timestamptz", store::timestamp_param(*filter.from));
  }
  if (filter.to) {
    condition("at < ?::timestamptz", store::timestamp_param(*filter.to));
  }
  if (!filter.room.empty()) {
    condition("room = ?", filter.room);
  }
  if (!filter.user.empty()) {
    condition("(actor = ? OR target = ?)", filter.user);
  }
  const std::size_t fixed = params.size();
  // Keyset paging: each page starts after the last row of the previous one.
  const bool by_seq = order == EventOrder::by_seq;
  const std::string keyset = by_seq ? "seq > $" + std::to_string(fixed + 1) + "::bigint"
                                    : "(room, seq) > ($" + std::to_string(fixed + 1) + ", $" +
                                          std::to_string(fixed + 2) + "::bigint)";
  const std::string sql =
      "SELECT seq, room, kind, (extract(epoch FROM at) * " + std::to_string(kMicrosPerSecond) +
      ")::bigint, actor, nick, target, target_nick, stanza_id, payload FROM compliance_events" +
      where + (where.empty() ? " WHERE " : " AND ") + keyset + " ORDER BY " +
      (by_seq ? "seq" : "room, seq") + " LIMIT " + std::to_string(kExportPageRows);
  PagePosition position;
  while (true) {
    params.resize(fixed);
    if (!by_seq) {
      params.push_back(position.room);
    }
    params.push_back(std::to_string(position.seq));
    auto work = [&sql, &params](pqxx::work& tx) {
      std::vector<Event> page;
      for (const auto& row : tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params))) {
        page.push_back(read_event(row));
      }
      return page;
    };
    std::vector<Event> page = db_.transact_blocking(std::move(work));
    for (const Event& event : page) {
      sink(event);
    }
    if (page.size() < kExportPageRows) {
      return;
    }
    position = {page.back().room, page.back().seq};
  }
}

}  // namespace stoa::compliance
