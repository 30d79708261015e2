#include "store/pg_compliance_outbox.hpp"

#include "store/pg_params.hpp"

namespace stoa::store {
namespace {

// XEP-0082 in UTC; the fraction is cut off below when it is zero.
constexpr const char* kAtSql = "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')";

std::string xep0082(std::string text) {
  if (text.ends_with(".000000")) {
    text.resize(text.size() - 7);
  }
  return text + "Z";
}

/// Component names are domains, which hold no spaces: a space-separated list is a safe way to
/// pass them as one parameter.
std::string space_separated(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    check_text("component", name);
    out += (out.empty() ? "" : " ") + name;
  }
  return out;
}

}  // namespace

asio::awaitable<std::vector<OutboxEvent>> PgComplianceOutbox::read_after(std::int64_t after,
                                                                         std::size_t limit) {
  auto work = [after, limit](pqxx::work& tx) {
    std::vector<OutboxEvent> events;
    pqxx::result rows =
        tx.exec_params(std::string("SELECT seq, room, kind, ") + kAtSql +
                           ", actor_jid, actor_nick, target_jid, target_nick, stanza_id, payload "
                           "FROM compliance_outbox WHERE seq > $1 ORDER BY seq LIMIT $2",
                       after, static_cast<std::int64_t>(limit));
    for (const auto& row : rows) {
      events.push_back({.seq = row[0].as<std::int64_t>(),
                        .room = row[1].as<std::string>(),
                        .kind = row[2].as<std::string>(),
                        .at = xep0082(row[3].as<std::string>()),
                        .actor_jid = row[4].as<std::string>(),
                        .actor_nick = row[5].as<std::string>(),
                        .target_jid = row[6].as<std::string>(),
                        .target_nick = row[7].as<std::string>(),
                        .stanza_id = row[8].as<std::string>(),
                        .payload = row[9].as<std::string>()});
    }
    return events;
  };
  co_return co_await db_.transact(std::move(work));
}

asio::awaitable<OutboxState> PgComplianceOutbox::state() {
  auto work = [](pqxx::work& tx) {
    // Only a prefix is ever deleted and the numbers are gapless, so the size follows from the
    // two ends, both read from the primary key's index rather than by counting.
    pqxx::row row = tx.exec1(
        "SELECT (SELECT last_seq FROM compliance_sequence), oldest.seq, "
        "(extract(epoch FROM oldest.at) * 1000000)::bigint, "
        "(SELECT max(seq) FROM compliance_outbox) "
        "FROM (SELECT 1) AS one LEFT JOIN LATERAL "
        "(SELECT seq, at FROM compliance_outbox ORDER BY seq LIMIT 1) AS oldest ON true");
    OutboxState state;
    state.last_seq = row[0].as<std::int64_t>(0);
    if (!row[1].is_null()) {
      state.oldest_seq = row[1].as<std::int64_t>();
      state.oldest_at = std::chrono::system_clock::time_point(
          std::chrono::microseconds(row[2].as<std::int64_t>()));
      state.size = row[3].as<std::int64_t>() - state.oldest_seq + 1;
    }
    return state;
  };
  co_return co_await db_.transact(std::move(work));
}

asio::awaitable<std::int64_t> PgComplianceOutbox::acked(std::string component) {
  auto work = [component = std::move(component)](pqxx::work& tx) {
    check_text("component", component);
    pqxx::result rows =
        tx.exec_params("SELECT acked_seq FROM compliance_cursors WHERE component = $1", component);
    return rows.empty() ? std::int64_t{0} : rows[0][0].as<std::int64_t>();
  };
  co_return co_await db_.transact(std::move(work));
}

asio::awaitable<std::int64_t> PgComplianceOutbox::acknowledge(std::string component,
                                                              std::int64_t seq,
                                                              std::vector<std::string> entitled) {
  auto work = [component = std::move(component), seq,
               entitled = std::move(entitled)](pqxx::work& tx) {
    check_text("component", component);
    std::int64_t recorded =
        tx.exec_params1(
              "INSERT INTO compliance_cursors (component, acked_seq) VALUES ($1, $2) "
              "ON CONFLICT (component) DO UPDATE SET "
              "acked_seq = GREATEST(compliance_cursors.acked_seq, EXCLUDED.acked_seq), "
              "acked_at = CASE WHEN EXCLUDED.acked_seq > compliance_cursors.acked_seq "
              "THEN now() ELSE compliance_cursors.acked_at END "
              "RETURNING acked_seq",
              component, seq)[0]
            .as<std::int64_t>();
    // An entitled component without a cursor has acknowledged nothing: nothing goes. Two
    // acknowledgements committing at once may each miss the other's cursor; the events then
    // go with the next one.
    tx.exec_params(
        "WITH names AS (SELECT unnest(string_to_array($1, ' ')) AS component), "
        "positions AS (SELECT coalesce(c.acked_seq, 0) AS acked FROM names "
        "LEFT JOIN compliance_cursors c USING (component)) "
        "DELETE FROM compliance_outbox WHERE seq <= (SELECT min(acked) FROM positions)",
        space_separated(entitled));
    return recorded;
  };
  co_return co_await db_.transact(std::move(work));
}

}  // namespace stoa::store
