// The archive's history management in PostgreSQL (migration 0008): moderated entries rewritten
// in place, histories cleared before a date, retention by dropped partitions and batched deletes.

#include <gtest/gtest.h>

#include <chrono>

#include "store/migrations.hpp"
#include "store/pg_muc_store.hpp"
#include "store/pg_params.hpp"
#include "tests/store/run_awaitable.hpp"
#include "tests/support/test_postgres.hpp"

namespace stoa::store {
namespace {

using namespace std::chrono;
using muc::ArchiveEntry;
using muc::ArchiveKind;
using muc::StoredRoom;
using muc::Timestamp;
using test::run_awaitable;

constexpr const char* kRoom = "lobby@conference.example.org";
constexpr const char* kOther = "other@conference.example.org";

Timestamp now_us() {
  return floor<microseconds>(system_clock::now());
}

StoredRoom make_room(const std::string& jid, unsigned retention_days = 0) {
  StoredRoom room;
  room.jid = jid;
  room.config.persistent = true;
  room.config.retention_days = retention_days;
  room.occupant_id_secret = "00ff";
  room.created = now_us();
  room.subject.changed = room.created;
  return room;
}

ArchiveEntry entry(const std::string& room, const std::string& id, Timestamp when,
                   ArchiveKind kind = ArchiveKind::message) {
  return ArchiveEntry{id,
                      when,
                      kind,
                      "romeo",
                      "romeo@example.org",
                      "<message xmlns='jabber:client' from='" + room +
                          "/romeo' type='groupchat'><body>words of " + id + "</body></message>"};
}

muc::RoomEvent moderation_event(const std::string& id, Timestamp when) {
  return muc::RoomEvent{
      muc::RoomEventKind::moderation, when, "owner@example.org", "owner", "", "", id, "spam"};
}

muc::RoomEvent clearing_event(Timestamp when) {
  return muc::RoomEvent{muc::RoomEventKind::history_cleared, when, "", "", "", "", "", ""};
}

class PgMucModerationTest : public testing::Test {
 protected:
  PgMucModerationTest()
      : db_(dsn_, 2, log_), writer_(db_, ArchiveWriterSettings{}, log_), store_(db_, writer_) {
    apply_migrations(db_, log_);
    run_awaitable(store_.create_room(make_room(kRoom)));
  }

  void append(const std::string& id, Timestamp when, const std::string& room = kRoom,
              ArchiveKind kind = ArchiveKind::message) {
    run_awaitable(store_.append(room, entry(room, id, when, kind)));
  }
  long count(const std::string& sql) {
    return db_.transact_blocking([&](pqxx::work& tx) { return tx.exec1(sql)[0].as<long>(); });
  }
  std::string text(const std::string& sql) {
    return db_.transact_blocking(
        [&](pqxx::work& tx) { return tx.exec1(sql)[0].as<std::string>(); });
  }

  Logger log_{LogLevel::warn};
  std::string dsn_ = test::create_test_database();
  Database db_;
  ArchiveWriter writer_;
  PgMucStore store_;
};

TEST_F(PgMucModerationTest, ArchivedMessage_FoundByIdOnlyInItsRoomAndOnlyMessages) {
  run_awaitable(store_.create_room(make_room(kOther)));
  append("m1", now_us());
  append("s1", now_us(), kRoom, ArchiveKind::subject);
  std::optional<ArchiveEntry> found = run_awaitable(store_.archived_message(kRoom, "m1"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->nick, "romeo");
  EXPECT_NE(found->stanza.find("words of m1"), std::string::npos);
  EXPECT_FALSE(run_awaitable(store_.archived_message(kOther, "m1")));
  EXPECT_FALSE(run_awaitable(store_.archived_message(kRoom, "s1")));
  EXPECT_FALSE(run_awaitable(store_.archived_message("nowhere@conference.example.org", "m1")));
}

TEST_F(PgMucModerationTest, RewriteArchived_TombstoneClearsBodyAndSearchWords) {
  append("m1", now_us());
  const Timestamp moderated = now_us();
  muc::ArchiveRewrite tombstone{"m1", "<message xmlns='jabber:client'><retracted/></message>",
                                std::nullopt, moderated};
  EXPECT_TRUE(
      run_awaitable(store_.rewrite_archived(kRoom, tombstone, moderation_event("m1", moderated))));
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive WHERE body IS NULL AND moderated_at IS NOT "
                  "NULL AND stanza LIKE '%retracted%'"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive WHERE body_words @@ "
                  "to_tsquery('simple', 'words')"),
            0);
  muc::ArchiveRewrite replacement{"m1", "<message xmlns='jabber:client'><body>new</body></message>",
                                  "new", moderated};
  EXPECT_TRUE(run_awaitable(
      store_.rewrite_archived(kRoom, replacement, moderation_event("m1", moderated))));
  EXPECT_EQ(text("SELECT body FROM muc_archive"), "new");
  muc::ArchiveRewrite unknown{"zz", "<message/>", std::nullopt, moderated};
  EXPECT_FALSE(
      run_awaitable(store_.rewrite_archived(kRoom, unknown, moderation_event("zz", moderated))));
}

TEST_F(PgMucModerationTest, ClearHistory_OnlyBeforeTheDateAndOnlyThatRoom) {
  run_awaitable(store_.create_room(make_room(kOther)));
  const Timestamp now = now_us();
  append("old1", now - hours(48));
  append("old2", now - hours(47));
  append("new", now);
  append("theirs", now - hours(48), kOther);
  EXPECT_EQ(run_awaitable(store_.clear_history(kRoom, now - hours(1), clearing_event(now))), 2u);
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive"), 2);
  EXPECT_EQ(run_awaitable(
                store_.clear_history("nowhere@conference.example.org", now, clearing_event(now))),
            0u);
}

TEST_F(PgMucModerationTest, ExpireArchive_OldPartitionDroppedShortRoomTrimmedForeverKept) {
  run_awaitable(store_.create_room(make_room(kOther, 2)));
  const Timestamp now = now_us();
  // Four months back: a month partition of its own, past every retention below.
  const Timestamp ancient = now - days(120);
  db_.transact_blocking([&](pqxx::work& tx) {
    tx.exec_params("SELECT muc_archive_ensure_partitions($1::timestamptz, $1::timestamptz)",
                   timestamp_param(ancient));
  });
  append("ancient", ancient);
  append("week-old", now - days(7));
  append("other-old", now - days(3), kOther);
  append("other-new", now, kOther);

  // The lobby keeps forever (no default): nothing of it goes, and no partition is dropped.
  ArchiveExpiry kept = run_awaitable(store_.expire_archive({now, 0, 0, 1}));
  EXPECT_TRUE(kept.dropped_partitions.empty());
  EXPECT_EQ(kept.deleted_rows, 1u);  // other-old, past the other room's 2 days
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive"), 3);

  // A 30-day default: every room is limited, so the ancient month is dropped whole.
  ArchiveExpiry expired = run_awaitable(store_.expire_archive({now, 30, 0, 1}));
  // (Empty months between it and now that were created on the way may go with it.)
  EXPECT_FALSE(expired.dropped_partitions.empty());
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive WHERE stanza_id = 'ancient'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive"), 2);

  // A 5-day maximum caps the lobby's default too.
  // (Dropped with its partition or deleted as a row, depending on the day of the month.)
  run_awaitable(store_.expire_archive({now, 30, 5, 1}));
  EXPECT_EQ(count("SELECT count(*) FROM muc_archive WHERE stanza_id = 'week-old'"), 0);
}

TEST_F(PgMucModerationTest, RetentionDays_StoredWithTheConfiguration) {
  run_awaitable(store_.create_room(make_room(kOther, 9)));
  std::optional<StoredRoom> loaded = run_awaitable(store_.load_room(kOther));
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->config.retention_days, 9u);
}

}  // namespace
}  // namespace stoa::store
