#include "tools/archive_bench/bulk_fill.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <pqxx/stream_to>
#include <queue>
#include <tuple>

#include "muc/timestamp.hpp"
#include "store/pg_params.hpp"
#include "tools/archive_bench/bench_corpus.hpp"

namespace stoa::archive_bench {

namespace {

using namespace std::chrono;

/// Rows per transaction: few enough to build in memory first, so that a transaction the
/// database layer retries streams the same rows again.
constexpr std::size_t kRowsPerTransaction = 200'000;

/// The next message of a room, in the order of all rooms' messages.
struct NextMessage {
  muc::Timestamp at;
  std::size_t room = 0;
  std::uint64_t number = 0;

  bool operator>(const NextMessage& other) const {
    return std::tie(at, room) > std::tie(other.at, other.room);
  }
};

using Row = std::tuple<std::string, std::string, std::string, std::string, std::string, std::string,
                       std::string, std::string>;

std::string room_id(store::Database& db, const std::string& jid) {
  auto work = [&jid](pqxx::work& tx) {
    return tx.exec_params("SELECT id FROM muc_rooms WHERE jid = $1", jid)[0][0].as<std::string>();
  };
  return db.transact_blocking(work);
}

}  // namespace

void bulk_fill(store::Database& db, const std::vector<BulkRoom>& rooms, std::uint64_t seed) {
  const muc::Timestamp end = time_point_cast<microseconds>(system_clock::now());
  const microseconds span = duration_cast<microseconds>(days(365));
  auto partitions = [&](pqxx::work& tx) {
    tx.exec_params(
        "SELECT muc_archive_ensure_partitions($1::timestamptz, $2::timestamptz + "
        "interval '1 month')",
        store::timestamp_param(end - span), store::timestamp_param(end));
  };
  db.transact_blocking(partitions);

  std::vector<std::string> ids;
  std::vector<microseconds> steps;
  std::priority_queue<NextMessage, std::vector<NextMessage>, std::greater<>> queue;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < rooms.size(); ++i) {
    ids.push_back(room_id(db, rooms[i].jid));
    steps.push_back(span /
                    static_cast<std::int64_t>(std::max<std::uint64_t>(rooms[i].messages, 1)));
    total += rooms[i].messages;
    if (rooms[i].messages > 0) {
      queue.push(NextMessage{end - span, i, 0});
    }
  }

  BodyMaker bodies(seed);
  const auto started = steady_clock::now();
  std::uint64_t done = 0;
  std::vector<Row> rows;
  while (!queue.empty()) {
    rows.clear();
    while (!queue.empty() && rows.size() < kRowsPerTransaction) {
      const NextMessage next = queue.top();
      queue.pop();
      const std::string& jid = rooms[next.room].jid;
      const std::string nick = "user" + std::to_string(next.number % 50);
      const std::string stanza_id = "b" + std::to_string(next.number);
      std::string body = bodies.next();
      std::string stanza = bench_stanza(jid, nick, next.number, stanza_id, body);
      rows.emplace_back(ids[next.room], store::timestamp_param(next.at), "message", stanza_id, nick,
                        nick + "@bench.example", std::move(body), std::move(stanza));
      if (next.number + 1 < rooms[next.room].messages) {
        queue.push(NextMessage{next.at + steps[next.room], next.room, next.number + 1});
      }
    }
    auto copy = [&rows](pqxx::work& tx) {
      const std::vector<std::string> columns{"room_id", "at",     "kind", "stanza_id",
                                             "nick",    "sender", "body", "stanza"};
      pqxx::stream_to stream(tx, "muc_archive", columns);
      for (const Row& row : rows) {
        stream << row;
      }
      stream.complete();
    };
    db.transact_blocking(copy);
    done += rows.size();
    const double seconds = duration<double>(steady_clock::now() - started).count();
    std::fprintf(stderr, "  bulk: %llu of %llu (%.0f rows/s)\n",
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                 static_cast<double>(done) / std::max(seconds, 1e-3));
  }
}

}  // namespace stoa::archive_bench
