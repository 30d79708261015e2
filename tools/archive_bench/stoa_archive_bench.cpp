// stoa_archive_bench: fills a PostgreSQL database with a large room archive, then times MAM
// queries and full-text searches with the real store code (PgMamStore, PgSearchStore).
//
//   stoa_archive_bench (--dsn DSN | --data-dir DIR) [--bulk] [--room-messages N]
//                      [--total-messages N] [--rooms N] [--runs N] [--batch N]
//                      [--count-limit N]
//
// --dsn names an existing database; --data-dir runs a PostgreSQL cluster of the tool's own in
// DIR (created if missing, fsync off; delete DIR afterwards). One room ("big") gets
// --room-messages messages; --rooms - 1 further rooms share what is left of --total-messages.
// Messages are spread over the 365 days before now, one body of 6 to 18 words each, drawn
// from a 20,000-word vocabulary with Zipf frequencies (as words in text), so that the
// full-text queries can pick words that are common, medium or rare.
//
// Filling goes through the writer's batched insert (store::write_batch, --batch rows a
// transaction), room after room, and is resumable: rooms already holding their messages are
// left as they are, so a second run only measures. With --bulk it goes through COPY into the
// same table instead (bulk_fill.hpp), all rooms interleaved in time, about twice as fast,
// and is followed by VACUUM ANALYZE; it runs only into an archive without messages.
// Prints the median, minimum and maximum of --runs repetitions of each query. --count-limit
// sets the count limit of both stores ([muc] mam_count_limit and search_count_limit; default
// theirs, 10,000).

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "store/archive_batch.hpp"
#include "store/database.hpp"
#include "store/managed_postgres.hpp"
#include "store/migrations.hpp"
#include "store/pg_mam_store.hpp"
#include "store/pg_search_store.hpp"
#include "tools/archive_bench/bench_corpus.hpp"
#include "tools/archive_bench/bulk_fill.hpp"

namespace {

using namespace std::chrono;
using namespace stoa;
using archive_bench::BodyMaker;
using archive_bench::kService;
using archive_bench::room_jid;
using archive_bench::word;

struct Options {
  std::string dsn;
  std::string data_dir;
  bool bulk = false;
  std::uint64_t room_messages = 1'000'000;
  std::uint64_t total_messages = 1'000'000;
  unsigned rooms = 10;
  unsigned runs = 21;
  std::size_t batch = 5000;
  std::uint64_t count_limit = store::PgSearchStore::kDefaultCountLimit;
};

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        throw std::invalid_argument(arg + " needs a value");
      }
      return argv[++i];
    };
    if (arg == "--dsn") {
      options.dsn = value();
    } else if (arg == "--data-dir") {
      options.data_dir = value();
    } else if (arg == "--bulk") {
      options.bulk = true;
    } else if (arg == "--room-messages") {
      options.room_messages = std::stoull(value());
    } else if (arg == "--total-messages") {
      options.total_messages = std::stoull(value());
    } else if (arg == "--rooms") {
      options.rooms = static_cast<unsigned>(std::stoul(value()));
    } else if (arg == "--runs") {
      options.runs = static_cast<unsigned>(std::stoul(value()));
    } else if (arg == "--batch") {
      options.batch = std::stoull(value());
    } else if (arg == "--count-limit") {
      options.count_limit = std::stoull(value());
    } else {
      throw std::invalid_argument("unknown option " + arg);
    }
  }
  if (options.dsn.empty() == options.data_dir.empty() || options.rooms == 0 || options.runs == 0 ||
      options.batch == 0 || options.total_messages < options.room_messages ||
      (options.rooms == 1 && options.total_messages != options.room_messages)) {
    throw std::invalid_argument(
        "usage: stoa_archive_bench (--dsn DSN | --data-dir DIR) [--bulk] [--room-messages N] "
        "[--total-messages N >= "
        "room-messages] [--rooms N >= 1] [--runs N >= 1] [--batch N >= 1] [--count-limit N]");
  }
  return options;
}

template <typename T>
T run(asio::awaitable<T> awaitable) {
  asio::io_context io;
  auto result = asio::co_spawn(io, std::move(awaitable), asio::use_future);
  io.run();
  return result.get();
}

std::uint64_t archived(store::Database& db, const std::string& room) {
  auto work = [&room](pqxx::work& tx) {
    return tx
        .exec_params(
            "SELECT count(*) FROM muc_archive WHERE room_id = "
            "(SELECT id FROM muc_rooms WHERE jid = $1)",
            room)[0][0]
        .as<std::uint64_t>();
  };
  return db.transact_blocking(work);
}

/// Appends `count` messages to `room`, evenly over the year before now, in batches.
void fill(store::Database& db, const std::string& room, std::uint64_t count, std::size_t batch,
          std::uint64_t seed) {
  BodyMaker bodies(seed);
  const muc::Timestamp end = time_point_cast<microseconds>(system_clock::now());
  const microseconds span = duration_cast<microseconds>(days(365));
  const microseconds step = span / static_cast<std::int64_t>(std::max<std::uint64_t>(count, 1));
  store::PartitionedMonths known;
  store::RoomIds room_ids;
  const auto started = steady_clock::now();
  for (std::uint64_t done = 0; done < count;) {
    std::vector<store::PendingWrite> writes;
    for (; writes.size() < batch && done < count; ++done) {
      muc::ArchiveEntry entry;
      entry.stanza_id = "b" + std::to_string(done);
      entry.timestamp = end - span + step * static_cast<std::int64_t>(done);
      entry.nick = "user" + std::to_string(done % 50);
      entry.sender = entry.nick + "@bench.example";
      entry.stanza =
          archive_bench::bench_stanza(room, entry.nick, done, entry.stanza_id, bodies.next());
      store::PendingWrite write;
      write.room = room;
      write.columns = store::extract_stanza_columns(entry.stanza);
      write.content = std::move(entry);
      writes.push_back(std::move(write));
    }
    auto work = [&writes, &room_ids, known](pqxx::work& tx) {
      return store::write_batch(tx, writes, false, known, room_ids);
    };
    known = db.transact_blocking(work).months;
    if (done % 100'000 < batch || done == count) {
      const double seconds = duration<double>(steady_clock::now() - started).count();
      std::fprintf(stderr, "  %s: %llu of %llu (%.0f rows/s)\n", room.c_str(),
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(count),
                   static_cast<double>(done) / std::max(seconds, 1e-3));
    }
  }
}

/// Stores the room unless it is: an open, persistent room with the default configuration
/// (every key missing from the config document reads as its default).
void ensure_room(store::Database& db, const std::string& jid) {
  auto work = [&jid](pqxx::work& tx) {
    tx.exec_params(
        "INSERT INTO muc_rooms (jid, persistent, config, occupant_id_secret) "
        "VALUES ($1, true, '{}', '00ff00ff') ON CONFLICT (jid) DO NOTHING",
        jid);
  };
  db.transact_blocking(work);
}

/// Median, min and max in milliseconds of `runs` timings of `body`.
void measure(const std::string& name, unsigned runs, const std::function<std::string()>& body) {
  std::vector<double> ms;
  std::string note;
  for (unsigned i = 0; i < runs; ++i) {
    const auto started = steady_clock::now();
    note = body();
    ms.push_back(duration<double, std::milli>(steady_clock::now() - started).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("%-52s median %9.2f ms   min %9.2f   max %9.2f   %s\n", name.c_str(),
              ms[ms.size() / 2], ms.front(), ms.back(), note.c_str());
  std::fflush(stdout);
}

std::string describe(const muc::ArchivePage& page) {
  return std::to_string(page.entries.size()) + " entries, count " +
         (page.count ? std::to_string(*page.count) : std::string(">limit"));
}

std::string describe(const muc::SearchPage& page) {
  return std::to_string(page.hits.size()) + " hits, count " +
         (page.count ? std::to_string(*page.count) : std::string(">limit"));
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options options = parse_options(argc, argv);
    Logger log(LogLevel::warn);
    std::optional<store::ManagedPostgres> cluster;
    if (!options.data_dir.empty()) {
      cluster.emplace(options.data_dir, "", log, store::ManagedPostgres::Durability::none);
    }
    const std::string dsn = cluster ? cluster->dsn() : options.dsn;
    store::Database db(dsn, 2, log);
    store::apply_migrations(db, log);

    // Filling.
    auto total_work = [](pqxx::work& tx) {
      return tx.exec("SELECT count(*) FROM muc_archive")[0][0].as<std::uint64_t>();
    };
    const unsigned others = options.rooms - 1;
    const std::uint64_t rest = options.total_messages - options.room_messages;
    std::vector<archive_bench::BulkRoom> wanted;
    for (unsigned i = 0; i < options.rooms; ++i) {
      const std::uint64_t want =
          i == 0 ? options.room_messages : rest / others + (i <= rest % others ? 1 : 0);
      wanted.push_back({room_jid(i), want});
      ensure_room(db, wanted.back().jid);
    }
    if (options.bulk) {
      if (db.transact_blocking(total_work) == 0) {
        archive_bench::bulk_fill(db, wanted, 1000);
        // As autovacuum would leave a table that has stopped growing: the visibility map set
        // and the GIN pending list merged. Outside a transaction, which VACUUM refuses.
        pqxx::connection connection(dsn);
        pqxx::nontransaction vacuum(connection);
        vacuum.exec("VACUUM ANALYZE muc_archive");
      } else {
        std::fprintf(stderr, "  the archive holds messages already: kept\n");
      }
    } else {
      for (unsigned i = 0; i < options.rooms; ++i) {
        const archive_bench::BulkRoom& room = wanted[i];
        const std::uint64_t have = archived(db, room.jid);
        if (have == 0 && room.messages > 0) {
          fill(db, room.jid, room.messages, options.batch, 1000 + i);
        } else if (have != room.messages) {
          std::fprintf(stderr, "  %s holds %llu messages already (not %llu): kept\n",
                       room.jid.c_str(), static_cast<unsigned long long>(have),
                       static_cast<unsigned long long>(room.messages));
        }
      }
    }
    auto analyze = [](pqxx::work& tx) { tx.exec("ANALYZE muc_archive"); };
    db.transact_blocking(analyze);
    const std::uint64_t total = db.transact_blocking(total_work);
    const std::string big = room_jid(0);
    std::printf("archive: %llu messages in %u rooms; room %s: %llu\n",
                static_cast<unsigned long long>(total), options.rooms, big.c_str(),
                static_cast<unsigned long long>(archived(db, big)));

    // MAM on the big room.
    store::PgMamStore mam(db, store::PgMamStore::kDefaultMaxInFlight, options.count_limit);
    auto newest = [&]() {
      muc::ArchiveQuery query;
      query.max = 50;
      query.page_before = "";
      return run(mam.query(big, query));
    };
    measure("MAM newest page of 50", options.runs, [&] { return describe(newest()); });
    measure("MAM 20 pages of 50 backwards (total)", options.runs, [&] {
      muc::ArchivePage page = newest();
      for (int i = 1; i < 20; ++i) {
        muc::ArchiveQuery query;
        query.max = 50;
        query.page_before = page.entries.front().stanza_id;
        page = run(mam.query(big, query));
      }
      return "20th page " + describe(page);
    });
    const muc::Timestamp now = time_point_cast<microseconds>(system_clock::now());
    measure("MAM time-filtered page of 50 (one day, 100 d ago)", options.runs, [&] {
      muc::ArchiveQuery query;
      query.max = 50;
      query.start = now - days(100);
      query.end = now - days(99);
      return describe(run(mam.query(big, query)));
    });
    // Words by frequency rank: about 1.1 / (rank + 1) of the messages hold each.
    const std::vector<std::pair<std::string, std::string>> searches = {
        {"rare word (rank 15000)", word(15000)},
        {"medium word (rank 200)", word(200)},
        {"common word (rank 5)", word(5)},
        {"two medium words (ranks 100, 300)", word(100) + " " + word(300)},
        {"phrase of two common words", "\"" + word(0) + " " + word(1) + "\""},
    };
    for (const auto& [label, text] : searches) {
      measure("MAM full-text, newest 50, " + label, options.runs, [&] {
        muc::ArchiveQuery query;
        query.max = 50;
        query.page_before = "";
        query.fulltext = text;
        return describe(run(mam.query(big, query)));
      });
    }

    // Across all rooms.
    store::PgSearchStore search(db, store::PgSearchStore::kDefaultMaxInFlight, options.count_limit);
    muc::SearchScope scope;
    scope.service = kService;
    scope.user = "reader@bench.example/bench";
    scope.user_bare = "reader@bench.example";
    scope.user_domain = "bench.example";
    for (const auto& [label, text] : searches) {
      measure("Search all rooms, newest 50, " + label, options.runs, [&] {
        muc::SearchQuery query;
        query.text = text;
        query.max = 50;
        query.last_page = true;
        return describe(run(search.search(scope, query)));
      });
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stoa_archive_bench: %s\n", e.what());
    return 1;
  }
}
