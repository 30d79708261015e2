#include "store/archive_writer.hpp"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/migrations.hpp"
#include "store/pg_muc_store.hpp"
#include "tests/store/run_awaitable.hpp"
#include "tests/support/test_postgres.hpp"

namespace stoa::store {
namespace {

using namespace std::chrono;
using muc::ArchiveEntry;
using muc::RoomEvent;
using muc::RoomEventKind;
using muc::Timestamp;
using test::run_awaitable;

constexpr const char* kRoom = "lobby@conference.example.org";
constexpr const char* kOther = "other@conference.example.org";

Timestamp at_second(int second) {
  const year_month_day today(floor<days>(system_clock::now()));
  return Timestamp(sys_days(today.year() / today.month() / 2)) + seconds(second);
}

ArchiveEntry entry(const std::string& id, int second) {
  ArchiveEntry out;
  out.stanza_id = id;
  out.timestamp = at_second(second);
  out.nick = "romeo";
  out.sender = "romeo@example.org";
  out.stanza = "<message xmlns='jabber:client' type='groupchat'><body>" + id + "</body></message>";
  return out;
}

RoomEvent join_event(const std::string& nick) {
  RoomEvent event;
  event.kind = RoomEventKind::join;
  event.at = at_second(1);
  event.actor_jid = nick + "@example.org";
  event.actor_nick = nick;
  event.payload = "<presence/>";
  return event;
}

asio::awaitable<void> append_one(ArchiveWriter& writer, std::string room, ArchiveEntry entry,
                                 std::string& failure) {
  try {
    co_await writer.append(std::move(room), std::move(entry));
    failure.clear();
  } catch (const std::exception& e) {
    failure = e.what();
  }
}

/// Appends every entry from its own coroutine at once, so that they meet in the writer's
/// queue; returns, per entry, the exception it got ("" when stored).
std::vector<std::string> append_concurrently(
    ArchiveWriter& writer, const std::vector<std::pair<std::string, ArchiveEntry>>& writes) {
  asio::io_context io;
  std::vector<std::string> failures(writes.size(), "pending");
  for (std::size_t i = 0; i < writes.size(); ++i) {
    asio::co_spawn(io, append_one(writer, writes[i].first, writes[i].second, failures[i]),
                   asio::detached);
  }
  io.run();
  return failures;
}

class ArchiveWriterTest : public testing::Test {
 protected:
  ArchiveWriterTest() : db_(dsn_, 2, log_) {
    apply_migrations(db_, log_);
    ArchiveWriter setup_writer(db_, ArchiveWriterSettings{}, log_);
    PgMucStore rooms(db_, setup_writer);
    for (const char* jid : {kRoom, kOther}) {
      muc::StoredRoom room;
      room.jid = jid;
      room.occupant_id_secret = "00ff";
      room.created = at_second(0);
      run_awaitable(rooms.create_room(std::move(room)));
    }
  }

  long count(const std::string& sql) {
    return db_.transact_blocking([&](pqxx::work& tx) { return tx.exec1(sql)[0].as<long>(); });
  }
  std::vector<std::string> column(const std::string& sql) {
    return db_.transact_blocking([&](pqxx::work& tx) {
      std::vector<std::string> out;
      for (const pqxx::row& row : tx.exec(sql)) {
        out.push_back(row[0].as<std::string>());
      }
      return out;
    });
  }

  Logger log_{LogLevel::warn};
  std::string dsn_ = test::create_test_database();
  Database db_;
};

TEST_F(ArchiveWriterTest, ManyConcurrentAppends_AllStoredInOrderPerRoom) {
  ArchiveWriterSettings settings;
  settings.max_batch = 7;  // several batches, some full
  ArchiveWriter writer(db_, settings, log_);
  std::vector<std::pair<std::string, ArchiveEntry>> writes;
  for (int i = 1; i <= 40; ++i) {
    writes.emplace_back(i % 2 ? kRoom : kOther, entry("m" + std::to_string(i), i));
  }
  const std::vector<std::string> failures = append_concurrently(writer, writes);
  EXPECT_EQ(failures, std::vector<std::string>(40, ""));
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive"), 40);
  const std::vector<std::string> lobby = column(
      "SELECT a.stanza_id FROM muc_archive a JOIN muc_rooms r ON r.id = a.room_id "
      "WHERE r.jid = 'lobby@conference.example.org' ORDER BY a.seq");
  ASSERT_EQ(lobby.size(), 20u);
  EXPECT_EQ(lobby.front(), "m1");
  EXPECT_EQ(lobby.back(), "m39");
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive WHERE body IS NULL"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM compliance_outbox"), 0) << "capture is off";
}

// Batches of more rows than are prepared per row count run as one unprepared statement.
TEST_F(ArchiveWriterTest, OneLargeBatch_StoredInOrderWithUnknownRoomsLeftOut) {
  ArchiveWriterSettings settings;
  settings.max_batch = 40;
  settings.max_delay = seconds(2);  // until all 40 are queued: one batch
  ArchiveWriter writer(db_, settings, log_);
  std::vector<std::pair<std::string, ArchiveEntry>> writes;
  for (int i = 1; i <= 40; ++i) {
    writes.emplace_back(i % 10 == 0 ? "gone@conference.example.org" : kRoom,
                        entry("m" + std::to_string(i), 40 - i));
  }
  const std::vector<std::string> failures = append_concurrently(writer, writes);
  for (int i = 1; i <= 40; ++i) {
    EXPECT_EQ(failures[i - 1].empty(), i % 10 != 0) << "m" << i << ": " << failures[i - 1];
  }
  const std::vector<std::string> stored = column("SELECT stanza_id FROM muc_archive ORDER BY seq");
  ASSERT_EQ(stored.size(), 36u);
  EXPECT_EQ(stored.front(), "m1");
  EXPECT_EQ(stored.back(), "m39");
}

// The writer remembers room ids; a room made again under the same JID has a new one.
TEST_F(ArchiveWriterTest, RoomMadeAgain_LaterAppendsGoToTheNewRoom) {
  ArchiveWriter writer(db_, ArchiveWriterSettings{}, log_);
  PgMucStore rooms(db_, writer);
  run_awaitable(writer.append(kRoom, entry("before", 1)));
  muc::StoredRoom again;
  again.jid = kRoom;
  again.occupant_id_secret = "00ff";
  again.created = at_second(2);
  run_awaitable(rooms.create_room(std::move(again)));
  run_awaitable(writer.append(kRoom, entry("after", 3)));
  EXPECT_EQ(column("SELECT a.stanza_id FROM muc_archive a JOIN muc_rooms r ON r.id = a.room_id "
                   "WHERE r.jid = 'lobby@conference.example.org'"),
            std::vector<std::string>{"after"});
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive"), 1) << "the old room's archive went with it";
}

TEST_F(ArchiveWriterTest, UnknownRoom_OnlyThatAppendFails) {
  ArchiveWriter writer(db_, ArchiveWriterSettings{}, log_);
  const std::vector<std::string> failures =
      append_concurrently(writer, {{kRoom, entry("a", 1)},
                                   {"gone@conference.example.org", entry("b", 2)},
                                   {kOther, entry("c", 3)}});
  EXPECT_EQ(failures[0], "");
  EXPECT_NE(failures[1].find("gone@conference.example.org"), std::string::npos) << failures[1];
  EXPECT_EQ(failures[2], "");
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive"), 2);
}

TEST_F(ArchiveWriterTest, Capture_OutboxNumberedWithoutGapsInCommitOrder) {
  ArchiveWriterSettings settings;
  settings.capture_events = true;
  settings.max_batch = 3;
  ArchiveWriter writer(db_, settings, log_);
  std::atomic<std::int64_t> last_committed{0};
  writer.set_commit_listener([&](std::int64_t seq) { last_committed = seq; });

  run_awaitable(writer.record(kRoom, join_event("romeo")));
  std::vector<std::pair<std::string, ArchiveEntry>> writes;
  for (int i = 1; i <= 10; ++i) {
    writes.emplace_back(kRoom, entry("m" + std::to_string(i), i));
  }
  writes.emplace_back("gone@conference.example.org", entry("lost", 11));
  append_concurrently(writer, writes);

  EXPECT_EQ(column("SELECT seq FROM compliance_outbox ORDER BY seq"),
            (std::vector<std::string>{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"}))
      << "no event for the entry that was not stored, no gap";
  EXPECT_EQ(column("SELECT kind || ' ' || actor_nick || ' ' || stanza_id FROM compliance_outbox "
                   "ORDER BY seq LIMIT 2"),
            (std::vector<std::string>{"join romeo ", "message romeo m1"}));
  EXPECT_EQ(column("SELECT payload FROM compliance_outbox WHERE stanza_id = 'm2'"),
            std::vector<std::string>{entry("m2", 2).stanza});
  EXPECT_EQ(column("SELECT last_seq FROM compliance_sequence"), std::vector<std::string>{"11"});
  EXPECT_EQ(last_committed.load(), 11);
}

TEST_F(ArchiveWriterTest, CaptureOff_RecordWritesNothing) {
  ArchiveWriter writer(db_, ArchiveWriterSettings{}, log_);
  run_awaitable(writer.record(kRoom, join_event("romeo")));
  EXPECT_EQ(count("SELECT count(*) FROM compliance_outbox"), 0);
}

TEST_F(ArchiveWriterTest, ValueWithNul_RefusedBeforeQueueing) {
  ArchiveWriterSettings settings;
  settings.capture_events = true;
  ArchiveWriter writer(db_, settings, log_);
  RoomEvent event = join_event("romeo");
  event.payload = std::string("a\0b", 3);
  EXPECT_THROW(run_awaitable(writer.record(kRoom, event)), std::invalid_argument);
  EXPECT_EQ(count("SELECT count(*) FROM compliance_outbox"), 0);
}

TEST_F(ArchiveWriterTest, DatabaseUnreachable_FailsThenFailsFastDuringBackoff) {
  Database nowhere("host=/nonexistent-socket-dir dbname=none connect_timeout=1", 1, log_);
  ArchiveWriterSettings settings;
  settings.max_backoff = milliseconds(60000);
  ArchiveWriter writer(nowhere, settings, log_);
  std::string first;
  try {
    run_awaitable(writer.append(kRoom, entry("a", 1)));
  } catch (const StoreUnavailable& e) {
    first = e.what();
  }
  EXPECT_NE(first.find("cannot connect"), std::string::npos) << first;
  std::string second;
  try {
    run_awaitable(writer.append(kRoom, entry("b", 2)));
  } catch (const StoreUnavailable& e) {
    second = e.what();
  }
  EXPECT_NE(second.find("retrying shortly"), std::string::npos) << second;
}

TEST_F(ArchiveWriterTest, Stopped_WritesFail) {
  ArchiveWriter writer(db_, ArchiveWriterSettings{}, log_);
  writer.stop();
  EXPECT_THROW(run_awaitable(writer.append(kRoom, entry("a", 1))), StoreUnavailable);
}

}  // namespace
}  // namespace stoa::store
