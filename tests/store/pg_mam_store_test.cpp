#include "store/pg_mam_store.hpp"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <chrono>

#include "store/migrations.hpp"
#include "store/pg_muc_store.hpp"
#include "tests/store/run_awaitable.hpp"
#include "tests/support/test_postgres.hpp"

namespace stoa::store {
namespace {

using namespace std::chrono;
using muc::ArchiveEntry;
using muc::ArchiveKind;
using muc::ArchivePage;
using muc::ArchiveQuery;
using muc::Timestamp;
using test::run_awaitable;

constexpr const char* kRoom = "lobby@conference.example.org";
constexpr const char* kOther = "other@conference.example.org";

// Two days into the current UTC month, so that entries near it share a partition.
Timestamp this_month(microseconds offset = {}) {
  const year_month_day today(floor<days>(system_clock::now()));
  return Timestamp(sys_days(today.year() / today.month() / 2)) + offset;
}

muc::StoredRoom make_room(const std::string& jid) {
  muc::StoredRoom room;
  room.jid = jid;
  room.occupant_id_secret = "00ff00ff";
  room.created = this_month();
  room.subject.changed = room.created;
  return room;
}

ArchiveEntry entry(const std::string& id, Timestamp when, const std::string& nick = "romeo",
                   ArchiveKind kind = ArchiveKind::message) {
  ArchiveEntry out;
  out.stanza_id = id;
  out.timestamp = when;
  out.kind = kind;
  out.nick = nick;
  out.sender = nick + "@example.org";
  out.stanza = "<message xmlns='jabber:client' from='" + std::string(kRoom) + "/" + nick +
               "' type='groupchat'><body>" + id + "</body></message>";
  return out;
}

std::vector<std::string> ids(const ArchivePage& page) {
  std::vector<std::string> out;
  for (const ArchiveEntry& e : page.entries) {
    out.push_back(e.stanza_id);
  }
  return out;
}

using Ids = std::vector<std::string>;

class PgMamStoreTest : public testing::Test {
 protected:
  PgMamStoreTest()
      : db_(dsn_, 2, log_),
        writer_(db_, ArchiveWriterSettings{}, log_),
        rooms_(db_, writer_),
        store_(db_) {
    apply_migrations(db_, log_);
    run_awaitable(rooms_.create_room(make_room(kRoom)));
    run_awaitable(rooms_.create_room(make_room(kOther)));
  }

  void append(const ArchiveEntry& e, const std::string& room = kRoom) {
    ArchiveEntry copy = e;
    run_awaitable(rooms_.append(room, std::move(copy)));
  }
  /// m1 ... m`n`, one second apart.
  void append_messages(int n) {
    for (int i = 1; i <= n; ++i) {
      append(entry("m" + std::to_string(i), this_month(seconds(i))));
    }
  }
  ArchivePage query(ArchiveQuery q, const std::string& room = kRoom) {
    return run_awaitable(store_.query(room, std::move(q)));
  }
  static ArchiveQuery page_of(std::size_t max) {
    ArchiveQuery q;
    q.max = max;
    return q;
  }

  Logger log_{LogLevel::warn};
  std::string dsn_ = test::create_test_database();
  Database db_;
  ArchiveWriter writer_;
  PgMucStore rooms_;
  PgMamStore store_;
};

TEST_F(PgMamStoreTest, EmptyArchive_EmptyCompletePage) {
  const ArchivePage page = query(page_of(10));
  EXPECT_TRUE(page.entries.empty());
  EXPECT_TRUE(page.complete);
  EXPECT_EQ(page.count, 0u);
  EXPECT_FALSE(page.unknown_id);
}

TEST_F(PgMamStoreTest, UnknownRoom_EmptyComplete) {
  const ArchivePage page = query(page_of(10), "nowhere@conference.example.org");
  EXPECT_TRUE(page.entries.empty());
  EXPECT_TRUE(page.complete);
}

TEST_F(PgMamStoreTest, AllOnOnePage_OldestFirstEntriesRoundTrip) {
  ArchiveEntry subject = entry("s1", this_month(500ms), "juliet", ArchiveKind::subject);
  append(subject);
  append_messages(2);
  const ArchivePage page = query(page_of(10));
  EXPECT_EQ(ids(page), (Ids{"s1", "m1", "m2"}));
  EXPECT_EQ(page.entries[0], subject);
  EXPECT_TRUE(page.complete);
  EXPECT_EQ(page.count, 3u);
  EXPECT_EQ(page.first_index, 0u);
}

TEST_F(PgMamStoreTest, ExactlyOnePage_Complete) {
  append_messages(3);
  const ArchivePage page = query(page_of(3));
  EXPECT_EQ(ids(page), (Ids{"m1", "m2", "m3"}));
  EXPECT_TRUE(page.complete);
}

TEST_F(PgMamStoreTest, PagingForwards_CompleteExactlyOnTheLastPage) {
  append_messages(5);
  ArchivePage page = query(page_of(2));
  EXPECT_EQ(ids(page), (Ids{"m1", "m2"}));
  EXPECT_FALSE(page.complete);
  EXPECT_EQ(page.count, 5u);
  EXPECT_EQ(page.first_index, 0u);

  ArchiveQuery next = page_of(2);
  next.page_after = "m2";
  page = query(next);
  EXPECT_EQ(ids(page), (Ids{"m3", "m4"}));
  EXPECT_FALSE(page.complete);
  EXPECT_EQ(page.first_index, 2u);

  next.page_after = "m4";
  page = query(next);
  EXPECT_EQ(ids(page), Ids{"m5"});
  EXPECT_TRUE(page.complete);
  EXPECT_EQ(page.first_index, 4u);
  EXPECT_EQ(page.count, 5u);

  // Past the end: an empty, complete page.
  next.page_after = "m5";
  page = query(next);
  EXPECT_TRUE(page.entries.empty());
  EXPECT_TRUE(page.complete);
  EXPECT_EQ(page.count, 5u);
}

TEST_F(PgMamStoreTest, PagingBackwards_FromTheLastPageToTheFirst) {
  append_messages(5);
  ArchiveQuery last = page_of(2);
  last.page_before = "";
  ArchivePage page = query(last);
  EXPECT_EQ(ids(page), (Ids{"m4", "m5"}));
  EXPECT_FALSE(page.complete);
  EXPECT_EQ(page.first_index, 3u);

  last.page_before = "m4";
  page = query(last);
  EXPECT_EQ(ids(page), (Ids{"m2", "m3"}));
  EXPECT_FALSE(page.complete);
  EXPECT_EQ(page.first_index, 1u);

  last.page_before = "m2";
  page = query(last);
  EXPECT_EQ(ids(page), Ids{"m1"});
  EXPECT_TRUE(page.complete);
  EXPECT_EQ(page.first_index, 0u);

  last.page_before = "m1";
  page = query(last);
  EXPECT_TRUE(page.entries.empty());
  EXPECT_TRUE(page.complete);
}

TEST_F(PgMamStoreTest, SameMicrosecond_AppendOrderAndPagingThroughTheTie) {
  append(entry("a", this_month(1s)));
  append(entry("b", this_month(1s)));
  append(entry("c", this_month(1s)));
  ArchiveQuery q = page_of(1);
  q.page_after = "a";
  EXPECT_EQ(ids(query(q)), Ids{"b"});
  q.page_after = "b";
  EXPECT_EQ(ids(query(q)), Ids{"c"});
  q.page_after.reset();
  q.page_before = "c";
  EXPECT_EQ(ids(query(q)), Ids{"b"});
  EXPECT_EQ(ids(query(page_of(10))), (Ids{"a", "b", "c"}));
}

TEST_F(PgMamStoreTest, StartAndEnd_Inclusive) {
  append_messages(5);
  ArchiveQuery q = page_of(10);
  q.start = this_month(2s);
  q.end = this_month(4s);
  const ArchivePage page = query(q);
  EXPECT_EQ(ids(page), (Ids{"m2", "m3", "m4"}));
  EXPECT_EQ(page.count, 3u);
  q.start = this_month(5s + 1us);
  q.end.reset();
  EXPECT_TRUE(query(q).entries.empty());
}

TEST_F(PgMamStoreTest, NickAndSender_FilterAndCount) {
  append(entry("r1", this_month(1s), "romeo"));
  append(entry("j1", this_month(2s), "juliet"));
  append(entry("r2", this_month(3s), "romeo"));
  ArchiveQuery by_nick = page_of(1);
  by_nick.nick = "romeo";
  ArchivePage page = query(by_nick);
  EXPECT_EQ(ids(page), Ids{"r1"});
  EXPECT_EQ(page.count, 2u);
  EXPECT_FALSE(page.complete);
  by_nick.page_after = "r1";
  page = query(by_nick);
  EXPECT_EQ(ids(page), Ids{"r2"});
  EXPECT_EQ(page.first_index, 1u);
  EXPECT_TRUE(page.complete);

  ArchiveQuery by_sender = page_of(10);
  by_sender.sender = "juliet@example.org";
  EXPECT_EQ(ids(query(by_sender)), Ids{"j1"});
}

TEST_F(PgMamStoreTest, AfterIdAndBeforeId_ExclusiveRange) {
  append_messages(6);
  ArchiveQuery q = page_of(10);
  q.after_id = "m2";
  q.before_id = "m5";
  ArchivePage page = query(q);
  EXPECT_EQ(ids(page), (Ids{"m3", "m4"}));
  EXPECT_EQ(page.count, 2u);
  EXPECT_TRUE(page.complete);
  // Paged backwards within the range: the last page of it.
  q.max = 1;
  q.page_before = "";
  page = query(q);
  EXPECT_EQ(ids(page), Ids{"m4"});
  EXPECT_EQ(page.first_index, 1u);
  EXPECT_FALSE(page.complete);
}

TEST_F(PgMamStoreTest, Ids_ThoseEntriesInArchiveOrder) {
  append_messages(4);
  ArchiveQuery q = page_of(10);
  q.ids = {"m4", "m2"};
  const ArchivePage page = query(q);
  EXPECT_EQ(ids(page), (Ids{"m2", "m4"}));
  EXPECT_EQ(page.count, 2u);
}

TEST_F(PgMamStoreTest, UnknownIds_Named) {
  append_messages(2);
  append(entry("elsewhere", this_month(3s)), kOther);
  auto unknown = [&](void (*set)(ArchiveQuery&)) {
    ArchiveQuery q = page_of(10);
    set(q);
    const ArchivePage page = query(q);
    EXPECT_TRUE(page.entries.empty());
    return page.unknown_id.value_or("(none)");
  };
  EXPECT_EQ(unknown([](ArchiveQuery& q) { q.page_after = "nope"; }), "nope");
  EXPECT_EQ(unknown([](ArchiveQuery& q) { q.page_before = "nope"; }), "nope");
  EXPECT_EQ(unknown([](ArchiveQuery& q) { q.after_id = "nope"; }), "nope");
  EXPECT_EQ(unknown([](ArchiveQuery& q) { q.before_id = "nope"; }), "nope");
  EXPECT_EQ(unknown([](ArchiveQuery& q) { q.ids = {"m1", "nope"}; }), "nope");
  // An id of another room's archive is not in this one.
  EXPECT_EQ(unknown([](ArchiveQuery& q) { q.page_after = "elsewhere"; }), "elsewhere");
}

TEST_F(PgMamStoreTest, OtherRooms_NeverMixedIn) {
  append_messages(1);
  append(entry("o1", this_month(2s)), kOther);
  const ArchivePage page = query(page_of(10));
  EXPECT_EQ(ids(page), Ids{"m1"});
  EXPECT_EQ(page.count, 1u);
}

TEST_F(PgMamStoreTest, MaxZero_CountOnly) {
  append_messages(3);
  const ArchivePage page = query(page_of(0));
  EXPECT_TRUE(page.entries.empty());
  EXPECT_EQ(page.count, 3u);
  EXPECT_FALSE(page.complete);
}

TEST_F(PgMamStoreTest, AcrossPartitions_OneOrder) {
  append(entry("old", Timestamp(sys_days(2003y / March / 31)) + 23h));
  append(entry("older", Timestamp(sys_days(2001y / January / 1))));
  append_messages(1);
  ArchiveQuery q = page_of(1);
  EXPECT_EQ(ids(query(q)), Ids{"older"});
  q.page_after = "older";
  EXPECT_EQ(ids(query(q)), Ids{"old"});
  q.page_after = "old";
  const ArchivePage last = query(q);
  EXPECT_EQ(ids(last), Ids{"m1"});
  EXPECT_EQ(last.first_index, 2u);
  EXPECT_TRUE(last.complete);
}

TEST_F(PgMamStoreTest, MoreThanTheCountLimit_NoCountSamePage) {
  append_messages(5);
  PgMamStore limited(db_, PgMamStore::kDefaultMaxInFlight, 3);
  ArchiveQuery q = page_of(2);
  q.page_after = "m2";
  ArchivePage page = run_awaitable(limited.query(kRoom, q));
  EXPECT_EQ(ids(page), (Ids{"m3", "m4"}));
  EXPECT_FALSE(page.complete);
  EXPECT_FALSE(page.count);
  EXPECT_FALSE(page.first_index);
  // What the filters leave is counted again.
  q.start = this_month(3s);
  page = run_awaitable(limited.query(kRoom, q));
  EXPECT_EQ(ids(page), (Ids{"m3", "m4"}));
  EXPECT_EQ(page.count, 3u);
  EXPECT_EQ(page.first_index, 0u);
}

TEST_F(PgMamStoreTest, Metadata_FirstAndLastOrNothing) {
  EXPECT_EQ(run_awaitable(store_.metadata(kRoom)), muc::ArchiveMetadata{});
  append_messages(3);
  append(entry("o1", this_month(9s)), kOther);
  const muc::ArchiveMetadata metadata = run_awaitable(store_.metadata(kRoom));
  EXPECT_EQ(metadata.first, (muc::ArchiveEnd{"m1", this_month(1s)}));
  EXPECT_EQ(metadata.last, (muc::ArchiveEnd{"m3", this_month(3s)}));
}

TEST_F(PgMamStoreTest, TooManyAtOnce_Busy) {
  append_messages(1);
  PgMamStore narrow(db_, 1);
  asio::io_context context;
  std::vector<std::string> outcomes;
  auto record = [&outcomes](std::exception_ptr failure, ArchivePage page) {
    if (!failure) {
      outcomes.push_back("page of " + std::to_string(page.entries.size()));
      return;
    }
    try {
      std::rethrow_exception(failure);
    } catch (const muc::ArchiveBusy&) {
      outcomes.push_back("busy");
    } catch (const std::exception& e) {
      outcomes.push_back(e.what());
    }
  };
  // The first holds the only place while its transaction runs; the second starts meanwhile.
  asio::co_spawn(context, narrow.query(kRoom, page_of(10)), record);
  asio::co_spawn(context, narrow.query(kRoom, page_of(10)), record);
  context.run();
  EXPECT_EQ(outcomes, (Ids{"busy", "page of 1"}));
  // The place is free again.
  EXPECT_EQ(run_awaitable(narrow.query(kRoom, page_of(10))).entries.size(), 1u);
}

}  // namespace
}  // namespace stoa::store
