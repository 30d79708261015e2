// Full-text search within one room's archive (XEP-0431 through PgMamStore), and the
// body_words column of migration 0007 on partitions made after it.

#include <gtest/gtest.h>

#include <chrono>

#include "store/archive_writer.hpp"
#include "store/migrations.hpp"
#include "store/pg_mam_store.hpp"
#include "store/pg_muc_store.hpp"
#include "tests/store/run_awaitable.hpp"
#include "tests/support/test_postgres.hpp"

namespace stoa::store {
namespace {

using namespace std::chrono;
using muc::ArchiveEntry;
using muc::ArchivePage;
using muc::ArchiveQuery;
using muc::Timestamp;
using test::run_awaitable;

constexpr const char* kRoom = "lobby@conference.example.org";
constexpr const char* kOther = "other@conference.example.org";

Timestamp this_month(seconds offset) {
  const year_month_day today(floor<days>(system_clock::now()));
  return Timestamp(sys_days(today.year() / today.month() / 2)) + offset;
}

muc::StoredRoom make_room(const std::string& jid) {
  muc::StoredRoom room;
  room.jid = jid;
  room.occupant_id_secret = "00ff00ff";
  room.created = this_month(seconds(0));
  room.subject.changed = room.created;
  return room;
}

std::vector<std::string> ids(const ArchivePage& page) {
  std::vector<std::string> out;
  for (const ArchiveEntry& e : page.entries) {
    out.push_back(e.stanza_id);
  }
  return out;
}

using Ids = std::vector<std::string>;

class ArchiveFulltextTest : public testing::Test {
 protected:
  ArchiveFulltextTest()
      : db_(dsn_, 2, log_),
        writer_(db_, ArchiveWriterSettings{}, log_),
        rooms_(db_, writer_),
        mam_(db_) {
    apply_migrations(db_, log_);
    run_awaitable(rooms_.create_room(make_room(kRoom)));
    run_awaitable(rooms_.create_room(make_room(kOther)));
  }

  void append(const std::string& id, const std::string& body, Timestamp at,
              const std::string& room = kRoom) {
    ArchiveEntry entry;
    entry.stanza_id = id;
    entry.timestamp = at;
    entry.nick = "romeo";
    entry.sender = "romeo@example.org";
    entry.stanza = "<message xmlns='jabber:client' from='" + room +
                   "/romeo' type='groupchat'><body>" + body + "</body></message>";
    run_awaitable(rooms_.append(room, std::move(entry)));
  }
  ArchivePage query(const std::string& text, std::size_t max = 10) {
    ArchiveQuery q;
    q.fulltext = text;
    q.max = max;
    return run_awaitable(mam_.query(kRoom, std::move(q)));
  }
  std::string scalar(const std::string& sql) {
    auto work = [&sql](pqxx::work& tx) {
      pqxx::result rows = tx.exec(sql);
      return rows.empty() || rows[0][0].is_null() ? std::string() : rows[0][0].as<std::string>();
    };
    return db_.transact_blocking(work);
  }

  Logger log_{LogLevel::warn};
  std::string dsn_ = test::create_test_database();
  Database db_;
  ArchiveWriter writer_;
  PgMucStore rooms_;
  PgMamStore mam_;
};

TEST_F(ArchiveFulltextTest, Words_MatchAnyOrderAnyCaseNoStemming) {
  append("m1", "The build is green", this_month(seconds(1)));
  append("m2", "Green BUILD again", this_month(seconds(2)));
  append("m3", "builds are slow", this_month(seconds(3)));
  append("m4", "the build is green", this_month(seconds(4)), kOther);
  EXPECT_EQ(ids(query("build green")), (Ids{"m1", "m2"}));
  EXPECT_EQ(ids(query("\"green build\"")), (Ids{"m2"}));
  EXPECT_EQ(ids(query("builds")), (Ids{"m3"}));
  EXPECT_EQ(ids(query("build -again")), (Ids{"m1"}));
  EXPECT_EQ(query("build green").count, 2u);
}

TEST_F(ArchiveFulltextTest, NoMatch_EmptyCompletePage) {
  append("m1", "hello", this_month(seconds(1)));
  const ArchivePage page = query("goodbye");
  EXPECT_TRUE(page.entries.empty());
  EXPECT_TRUE(page.complete);
  EXPECT_EQ(page.count, 0u);
}

TEST_F(ArchiveFulltextTest, NonLatinWords_Matched) {
  append("m1", "Привет, мир", this_month(seconds(1)));
  append("m2", "Grüße aus Köln", this_month(seconds(2)));
  EXPECT_EQ(ids(query("МИР")), (Ids{"m1"}));
  EXPECT_EQ(ids(query("köln")), (Ids{"m2"}));
}

TEST_F(ArchiveFulltextTest, BrokenSyntaxOrNoWords_NoErrorNoMatch) {
  append("m1", "release", this_month(seconds(1)));
  for (const char* text : {"!!!", "\"", "release & | !", "(", "'", ":*", "<->"}) {
    SCOPED_TRACE(text);
    EXPECT_NO_THROW(query(text));
  }
  EXPECT_TRUE(query("!!!").entries.empty());
  EXPECT_EQ(ids(query("release & | !")), (Ids{"m1"}));
}

TEST_F(ArchiveFulltextTest, Paging_ThroughTheMatchesOnly) {
  for (int i = 1; i <= 7; ++i) {
    append("m" + std::to_string(i), i % 2 ? "odd one" : "even one", this_month(seconds(i)));
  }
  ArchiveQuery first;
  first.fulltext = "odd";
  first.max = 2;
  ArchivePage page = run_awaitable(mam_.query(kRoom, first));
  EXPECT_EQ(ids(page), (Ids{"m1", "m3"}));
  EXPECT_FALSE(page.complete);
  EXPECT_EQ(page.count, 4u);

  ArchiveQuery next = first;
  next.page_after = "m3";
  page = run_awaitable(mam_.query(kRoom, next));
  EXPECT_EQ(ids(page), (Ids{"m5", "m7"}));
  EXPECT_TRUE(page.complete);
  EXPECT_EQ(page.first_index, 2u);

  ArchiveQuery last = first;
  last.page_before = "";
  page = run_awaitable(mam_.query(kRoom, last));
  EXPECT_EQ(ids(page), (Ids{"m5", "m7"}));
  EXPECT_FALSE(page.complete);
}

TEST_F(ArchiveFulltextTest, CombinedWithTimeFilter) {
  append("m1", "deploy", this_month(seconds(1)));
  append("m2", "deploy", this_month(seconds(2)));
  append("m3", "deploy", this_month(seconds(3)));
  ArchiveQuery q;
  q.fulltext = "deploy";
  q.start = this_month(seconds(2));
  q.max = 10;
  EXPECT_EQ(ids(run_awaitable(mam_.query(kRoom, q))), (Ids{"m2", "m3"}));
}

TEST_F(ArchiveFulltextTest, PartitionMadeLater_MovedRowsAndNewRowsSearchableThroughItsIndex) {
  // A month without a partition (an import of old messages, written without the writer's
  // partition check): the entry waits in the default partition.
  EXPECT_EQ(scalar("WITH added AS (INSERT INTO muc_archive (room_id, at, kind, stanza_id, nick, "
                   "sender, body, stanza) SELECT id, '2001-03-05Z', 'message', 'old', 'romeo', "
                   "'romeo@example.org', 'archaeology of chat', '<message/>' FROM muc_rooms "
                   "WHERE jid = 'lobby@conference.example.org' RETURNING 1) "
                   "SELECT count(*) FROM added"),
            "1");
  EXPECT_EQ(scalar("SELECT tableoid::regclass::text FROM muc_archive WHERE stanza_id = 'old'"),
            "muc_archive_default");
  EXPECT_EQ(scalar("SELECT muc_archive_ensure_partitions('2001-03-05', '2001-03-05')"), "1");
  EXPECT_EQ(scalar("SELECT tableoid::regclass::text FROM muc_archive WHERE stanza_id = 'old'"),
            "muc_archive_2001_03");
  EXPECT_EQ(scalar("SELECT body_words::text FROM muc_archive WHERE stanza_id = 'old'"),
            "'archaeology':1 'chat':3 'of':2");
  // The partition has the GIN index and computes the words of rows written after it.
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_indexes WHERE tablename = 'muc_archive_2001_03' "
                   "AND indexdef LIKE '%USING gin (body_words)%'"),
            "1");
  append("later", "more archaeology", Timestamp(sys_days(2001y / March / 5)) + seconds(1));
  EXPECT_EQ(ids(query("archaeology")), (Ids{"old", "later"}));
}

}  // namespace
}  // namespace stoa::store
