// A room's change and the compliance events that describe it commit together (issue 5): when
// the event cannot be written, the change is not stored either, and the sequence keeps no gap;
// when it can, both are there with consecutive numbers. Also: moderation and history clearing
// with their events, capture off, and room changes racing the group commit without deadlock.

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/migrations.hpp"
#include "store/pg_muc_store.hpp"
#include "tests/store/run_awaitable.hpp"
#include "tests/support/test_postgres.hpp"

namespace stoa::store {
namespace {

using namespace std::chrono;
using muc::Affiliation;
using muc::ArchiveEntry;
using muc::RoomEvent;
using muc::RoomEventKind;
using muc::StoreChange;
using muc::StoredRoom;
using muc::Timestamp;
using test::run_awaitable;

constexpr const char* kRoom = "lobby@conference.example.org";

Timestamp now_us() {
  return floor<microseconds>(system_clock::now());
}

StoredRoom make_room(const std::string& jid) {
  StoredRoom room;
  room.jid = jid;
  room.config.persistent = true;
  room.occupant_id_secret = "00ff";
  room.created = now_us();
  room.subject.changed = room.created;
  return room;
}

RoomEvent event(RoomEventKind kind, std::string target = {}) {
  return RoomEvent{kind, now_us(), "owner@example.org", "owner", std::move(target),
                   "",   "",       "<payload/>"};
}

ArchiveEntry message(const std::string& id) {
  return ArchiveEntry{
      id,
      now_us(),
      muc::ArchiveKind::message,
      "romeo",
      "romeo@example.org",
      "<message xmlns='jabber:client' type='groupchat'><body>" + id + "</body></message>"};
}

class RoomChangeAtomicityTest : public testing::Test {
 protected:
  explicit RoomChangeAtomicityTest(bool capture = true)
      : db_(dsn_, 4, log_), writer_(db_, settings(capture), log_), store_(db_, writer_) {
    apply_migrations(db_, log_);
    run_awaitable(store_.create_room(make_room(kRoom)));
    writer_.set_commit_listener([this](std::int64_t last_seq) {
      std::lock_guard lock(announced_mutex_);
      announced_ = std::max(announced_, last_seq);
    });
  }
  ~RoomChangeAtomicityTest() override { writer_.set_commit_listener({}); }

  static ArchiveWriterSettings settings(bool capture) {
    ArchiveWriterSettings out;
    out.capture_events = capture;
    return out;
  }

  void commit(std::vector<StoreChange> changes) {
    run_awaitable(store_.commit(kRoom, std::move(changes)));
  }
  /// Makes every outbox row of `kind` fail to insert, as a broken event write would.
  void refuse_events_of_kind(const std::string& kind) {
    db_.transact_blocking([&](pqxx::work& tx) {
      tx.exec(
          "CREATE FUNCTION refuse_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
          "RAISE EXCEPTION 'event refused by the test'; END $$");
      tx.exec(
          "CREATE TRIGGER refuse_event BEFORE INSERT ON compliance_outbox FOR EACH ROW WHEN "
          "(NEW.kind = " +
          tx.quote(kind) + ") EXECUTE FUNCTION refuse_event()");
    });
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
  /// "seq kind" of every outbox row, in sequence order.
  std::vector<std::string> outbox() {
    return column("SELECT seq || ' ' || kind FROM compliance_outbox ORDER BY seq");
  }
  long last_seq() { return count("SELECT last_seq FROM compliance_sequence"); }
  std::vector<muc::AffiliationRecord> affiliations() {
    return run_awaitable(store_.load_room(kRoom)).value().affiliations;
  }
  std::int64_t announced() {
    std::lock_guard lock(announced_mutex_);
    return announced_;
  }

  Logger log_{LogLevel::error};
  std::string dsn_ = test::create_test_database();
  Database db_;
  ArchiveWriter writer_;
  PgMucStore store_;
  std::mutex announced_mutex_;
  std::int64_t announced_ = 0;
};

TEST_F(RoomChangeAtomicityTest, ChangesAndEvents_CommittedTogetherWithConsecutiveNumbers) {
  commit({muc::SetAffiliation{{"tybalt@example.org", Affiliation::outcast, "fight"}},
          muc::RecordEvent{event(RoomEventKind::ban, "tybalt@example.org")},
          muc::RecordEvent{event(RoomEventKind::leave)}});
  muc::RoomConfig config;
  config.persistent = true;
  config.name = "Renamed";
  commit({muc::SaveConfig{config}, muc::RecordEvent{event(RoomEventKind::config_change)}});

  EXPECT_EQ(outbox(), (std::vector<std::string>{"1 ban", "2 leave", "3 config-change"}));
  EXPECT_EQ(last_seq(), 3);
  EXPECT_EQ(announced(), 3) << "the streamer is told of events committed outside the writer";
  ASSERT_EQ(affiliations().size(), 1u);
  EXPECT_EQ(affiliations()[0].affiliation, Affiliation::outcast);
  EXPECT_EQ(run_awaitable(store_.load_room(kRoom))->config.name, "Renamed");
}

TEST_F(RoomChangeAtomicityTest, EventWriteFails_AffiliationNotStoredAndNoNumberUsed) {
  commit({muc::RecordEvent{event(RoomEventKind::join)}});
  refuse_events_of_kind("ban");
  EXPECT_ANY_THROW(
      commit({muc::SetAffiliation{{"tybalt@example.org", Affiliation::outcast, "fight"}},
              muc::RecordEvent{event(RoomEventKind::ban, "tybalt@example.org")}}));
  EXPECT_TRUE(affiliations().empty()) << "the ban is stored without its event";
  EXPECT_EQ(outbox(), std::vector<std::string>{"1 join"});
  EXPECT_EQ(last_seq(), 1);

  commit({muc::SetAffiliation{{"romeo@example.org", Affiliation::member, ""}},
          muc::RecordEvent{event(RoomEventKind::affiliation_change, "romeo@example.org")}});
  EXPECT_EQ(outbox(), (std::vector<std::string>{"1 join", "2 affiliation-change"}));
  EXPECT_EQ(affiliations().size(), 1u);
}

TEST_F(RoomChangeAtomicityTest, EventWriteFails_ConfigNotSaved) {
  refuse_events_of_kind("config-change");
  muc::RoomConfig config;
  config.persistent = true;
  config.name = "Never";
  EXPECT_ANY_THROW(
      commit({muc::SaveConfig{config}, muc::RecordEvent{event(RoomEventKind::config_change)}}));
  EXPECT_EQ(run_awaitable(store_.load_room(kRoom))->config.name, "");
  EXPECT_TRUE(outbox().empty());
  EXPECT_EQ(last_seq(), 0);
}

TEST_F(RoomChangeAtomicityTest, DestroyEventFails_RoomAndArchiveKept) {
  run_awaitable(store_.append(kRoom, message("m1")));
  refuse_events_of_kind("destroy");
  EXPECT_ANY_THROW(commit({muc::DeleteRoom{}, muc::RecordEvent{event(RoomEventKind::destroy)},
                           muc::RecordEvent{event(RoomEventKind::leave)}}));
  EXPECT_TRUE(run_awaitable(store_.load_room(kRoom)).has_value());
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive"), 1);
  EXPECT_EQ(outbox(), std::vector<std::string>{"1 message"});
}

TEST_F(RoomChangeAtomicityTest, CreationEventFails_RoomNotCreated) {
  const std::string other = "other@conference.example.org";
  refuse_events_of_kind("created");
  std::vector<StoreChange> changes{muc::CreateRoom{make_room(other)},
                                   muc::RecordEvent{event(RoomEventKind::created)}};
  EXPECT_ANY_THROW(run_awaitable(store_.commit(other, std::move(changes))));
  EXPECT_FALSE(run_awaitable(store_.load_room(other)).has_value());
  EXPECT_TRUE(outbox().empty());
}

TEST_F(RoomChangeAtomicityTest, SubjectAndItsArchiveEntry_OneTransaction) {
  refuse_events_of_kind("subject");
  ArchiveEntry subject = message("s1");
  subject.kind = muc::ArchiveKind::subject;
  subject.stanza =
      "<message xmlns='jabber:client' type='groupchat'><subject>Hi</subject></message>";
  EXPECT_ANY_THROW(
      commit({muc::SaveSubject{{"Hi", "romeo", now_us()}}, muc::AppendArchive{subject}}));
  EXPECT_EQ(run_awaitable(store_.load_room(kRoom))->subject.text, "");
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive"), 0);
}

TEST_F(RoomChangeAtomicityTest, ModerationEventFails_MessageNotRewritten) {
  run_awaitable(store_.append(kRoom, message("m1")));
  refuse_events_of_kind("moderation");
  muc::ArchiveRewrite tombstone{"m1", "<message xmlns='jabber:client'><retracted/></message>",
                                std::nullopt, now_us()};
  EXPECT_ANY_THROW(
      run_awaitable(store_.rewrite_archived(kRoom, tombstone, event(RoomEventKind::moderation))));
  EXPECT_EQ(column("SELECT body FROM muc_archive"), std::vector<std::string>{"m1"});
  EXPECT_EQ(outbox(), std::vector<std::string>{"1 message"});
}

TEST_F(RoomChangeAtomicityTest, Moderation_RewriteAndEventTogether_NoEventForAMissingMessage) {
  run_awaitable(store_.append(kRoom, message("m1")));
  muc::ArchiveRewrite tombstone{"m1", "<message xmlns='jabber:client'><retracted/></message>",
                                std::nullopt, now_us()};
  EXPECT_TRUE(
      run_awaitable(store_.rewrite_archived(kRoom, tombstone, event(RoomEventKind::moderation))));
  tombstone.stanza_id = "nothing";
  EXPECT_FALSE(
      run_awaitable(store_.rewrite_archived(kRoom, tombstone, event(RoomEventKind::moderation))));
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive WHERE body IS NULL"), 1);
  EXPECT_EQ(outbox(), (std::vector<std::string>{"1 message", "2 moderation"}));
  EXPECT_EQ(announced(), 2);
}

TEST_F(RoomChangeAtomicityTest, ClearingEventFails_NothingDeleted) {
  run_awaitable(store_.append(kRoom, message("m1")));
  refuse_events_of_kind("history-cleared");
  EXPECT_ANY_THROW(run_awaitable(
      store_.clear_history(kRoom, now_us() + hours(1), event(RoomEventKind::history_cleared))));
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive"), 1);

  db_.transact_blocking(
      [](pqxx::work& tx) { tx.exec("DROP TRIGGER refuse_event ON compliance_outbox"); });
  EXPECT_EQ(run_awaitable(store_.clear_history(kRoom, now_us() + hours(1),
                                               event(RoomEventKind::history_cleared))),
            1u);
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive"), 0);
  EXPECT_EQ(outbox(), (std::vector<std::string>{"1 message", "2 history-cleared"}));
}

/// Room changes with their events (a room destroyed and created again, configurations saved)
/// racing the group commit of messages and lone events of other rooms: every write completes,
/// none deadlocks, and the numbers are gapless.
TEST_F(RoomChangeAtomicityTest, RoomChangesRacingGroupCommit_AllStoredNoDeadlockNoGap) {
  const std::vector<std::string> busy{"a@conference.example.org", "b@conference.example.org"};
  for (const std::string& room : busy) {
    run_awaitable(store_.create_room(make_room(room)));
  }
  constexpr int kMessages = 40;
  constexpr int kRounds = 15;
  asio::io_context io;
  std::vector<std::string> failures;
  auto post_messages = [&](std::string room, int poster) -> asio::awaitable<void> {
    for (int i = 0; i < kMessages; ++i) {
      try {
        ArchiveEntry entry = message(room + "-" + std::to_string(poster) + "-" + std::to_string(i));
        std::string key = room;
        co_await store_.append(std::move(key), std::move(entry));
        std::vector<StoreChange> joined{muc::RecordEvent{event(RoomEventKind::join)}};
        key = room;
        co_await store_.commit(std::move(key), std::move(joined));
      } catch (const std::exception& e) {
        failures.push_back(e.what());
      }
    }
  };
  auto configure = [&](std::string room) -> asio::awaitable<void> {
    for (int i = 0; i < kRounds; ++i) {
      muc::RoomConfig config;
      config.persistent = true;
      config.name = "round " + std::to_string(i);
      std::vector<StoreChange> changes{muc::SaveConfig{config},
                                       muc::RecordEvent{event(RoomEventKind::config_change)}};
      try {
        std::string key = room;
        co_await store_.commit(std::move(key), std::move(changes));
      } catch (const std::exception& e) {
        failures.push_back(e.what());
      }
    }
  };
  auto recreate = [&](std::string room) -> asio::awaitable<void> {
    for (int i = 0; i < kRounds; ++i) {
      std::vector<StoreChange> destroy{muc::DeleteRoom{},
                                       muc::RecordEvent{event(RoomEventKind::destroy)}};
      std::vector<StoreChange> create{muc::CreateRoom{make_room(room)},
                                      muc::RecordEvent{event(RoomEventKind::created)},
                                      muc::RecordEvent{event(RoomEventKind::join)}};
      try {
        std::string key = room;
        co_await store_.commit(std::move(key), std::move(destroy));
        key = room;
        co_await store_.commit(std::move(key), std::move(create));
      } catch (const std::exception& e) {
        failures.push_back(e.what());
      }
    }
  };
  for (const std::string& room : busy) {
    for (int poster = 0; poster < 3; ++poster) {
      asio::co_spawn(io, post_messages(room, poster), asio::detached);
    }
    asio::co_spawn(io, configure(room), asio::detached);
  }
  asio::co_spawn(io, recreate(kRoom), asio::detached);
  io.run();

  EXPECT_TRUE(failures.empty()) << failures.size() << " failed, the first: " << failures.front();
  const long expected = static_cast<long>(busy.size()) * (3 * kMessages * 2 + kRounds) +
                        kRounds * 3;  // messages and joins; configurations; recreations
  EXPECT_EQ(count("SELECT count(*) FROM compliance_outbox"), expected);
  EXPECT_EQ(last_seq(), expected);
  EXPECT_EQ(count("SELECT count(DISTINCT seq) FROM compliance_outbox WHERE seq BETWEEN 1 AND " +
                  std::to_string(expected)),
            expected);
  EXPECT_EQ(announced(), expected);
  EXPECT_EQ(count("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"), 0);
}

/// The lock order: a room deleted with its event while a group commit holds the KEY SHARE lock
/// its archive row takes on the room's row (here: another transaction holding that lock). The
/// deletion waits for the room without holding the outbox counter, which the group commit needs
/// next: taking the counter first would close a deadlock.
TEST_F(RoomChangeAtomicityTest, DeletionWaitingForItsRoom_HoldsNoCounterLock) {
  pqxx::connection archive_insert(dsn_);
  pqxx::work holding_room(archive_insert);
  holding_room.exec_params("SELECT 1 FROM muc_rooms WHERE jid = $1 FOR KEY SHARE", kRoom);
  std::string failure;
  std::thread destroy([&] {
    try {
      run_awaitable(store_.commit(
          kRoom, {muc::DeleteRoom{}, muc::RecordEvent{event(RoomEventKind::destroy)}}));
    } catch (const std::exception& e) {
      failure = e.what();
    }
  });
  bool waiting = false;
  for (int i = 0; i < 1000 && !waiting; ++i) {
    waiting = count(
                  "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                  "AND wait_event_type = 'Lock'") > 0;
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_TRUE(waiting) << "the deletion did not wait for the room";
  std::string counter;
  try {
    pqxx::connection probe(dsn_);
    pqxx::work tx(probe);
    tx.exec("SELECT last_seq FROM compliance_sequence FOR UPDATE NOWAIT");
  } catch (const std::exception& e) {
    counter = e.what();
  }
  EXPECT_EQ(counter, "") << "the deletion holds the counter while it waits for the room";
  holding_room.abort();
  destroy.join();
  EXPECT_EQ(failure, "");
  EXPECT_FALSE(run_awaitable(store_.load_room(kRoom)).has_value());
  EXPECT_EQ(outbox(), std::vector<std::string>{"1 destroy"});
}

class RoomChangeWithoutCaptureTest : public RoomChangeAtomicityTest {
 protected:
  RoomChangeWithoutCaptureTest() : RoomChangeAtomicityTest(false) {}
};

TEST_F(RoomChangeWithoutCaptureTest, ChangesStoredNoOutboxRows) {
  muc::RoomConfig config;
  config.persistent = true;
  config.name = "Quiet";
  commit({muc::SaveConfig{config}, muc::RecordEvent{event(RoomEventKind::config_change)}});
  commit({muc::RecordEvent{event(RoomEventKind::kick)},
          muc::RecordEvent{event(RoomEventKind::leave)}});
  EXPECT_EQ(run_awaitable(store_.load_room(kRoom))->config.name, "Quiet");
  EXPECT_TRUE(outbox().empty());
  EXPECT_EQ(last_seq(), 0);
}

}  // namespace
}  // namespace stoa::store
