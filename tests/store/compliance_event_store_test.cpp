// stoa-compliance's database: idempotent writes and the export queries, on real PostgreSQL.
#include <gtest/gtest.h>

#include <algorithm>

#include "compliance/event_store.hpp"
#include "tests/support/test_postgres.hpp"

namespace stoa::compliance {
namespace {

Event event(std::int64_t seq, std::string room, std::string at, std::string actor = "",
            std::string target = "") {
  Event e;
  e.seq = seq;
  e.room = std::move(room);
  e.kind = "message";
  auto time = muc::parse_timestamp(at);
  EXPECT_TRUE(time) << at;
  e.at = time.value_or(muc::Timestamp{});
  e.actor = std::move(actor);
  e.target = std::move(target);
  e.nick = "nick'\"" + std::to_string(seq);
  e.payload = "<message><body>" + std::to_string(seq) + " é &amp; ✓</body></message>";
  e.stanza_id = "id-" + std::to_string(seq);
  return e;
}

class ComplianceEventStore : public testing::Test {
 protected:
  ComplianceEventStore() : db_(test::create_test_database(), 1, log_), store_(db_) {
    store::apply_migrations(db_, compliance_migrations(), log_);
  }

  std::vector<std::int64_t> seqs(const EventFilter& filter, EventOrder order) {
    std::vector<std::int64_t> found;
    store_.for_each(filter, order, [&](const Event& e) { found.push_back(e.seq); });
    return found;
  }

  Logger log_{LogLevel::warn};
  store::Database db_;
  EventStore store_;
};

TEST_F(ComplianceEventStore, Insert_StoresEveryFieldExactly) {
  Event stored = event(1, "r@c", "2026-11-26T16:58:01.123456Z", "a@x", "b@x");
  stored.kind = "kick";
  stored.target_nick = "Bob";
  EXPECT_EQ(store_.insert(std::vector{stored}), 1u);

  std::vector<Event> read;
  store_.for_each({}, EventOrder::by_seq, [&](const Event& e) { read.push_back(e); });
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0], stored);
  EXPECT_EQ(store_.highest_seq(), 1);
}

TEST_F(ComplianceEventStore, InsertingAgain_ChangesNothing) {
  std::vector<Event> first{event(1, "r@c", "2026-11-26T16:58:01Z"),
                           event(2, "r@c", "2026-11-26T16:58:02Z")};
  EXPECT_EQ(store_.insert(first), 2u);
  Event altered = event(2, "other@c", "2026-11-26T16:58:09Z");
  std::vector<Event> again{altered, event(3, "r@c", "2026-11-26T16:58:03Z")};
  EXPECT_EQ(store_.insert(again), 1u);

  std::vector<Event> read;
  store_.for_each({}, EventOrder::by_seq, [&](const Event& e) { read.push_back(e); });
  ASSERT_EQ(read.size(), 3u);
  EXPECT_EQ(read[1], first[1]) << "the first copy of an event is the one kept";
  EXPECT_EQ(store_.highest_seq(), 3);
}

TEST_F(ComplianceEventStore, EmptyDatabase_HighestSeqIsZero) {
  EXPECT_EQ(store_.highest_seq(), 0);
}

TEST_F(ComplianceEventStore, LargeBatch_SpansSeveralStatementsAndPages) {
  std::vector<Event> batch;
  for (std::int64_t seq = 1; seq <= 2345; ++seq) {
    batch.push_back(event(seq, seq % 2 == 0 ? "even@c" : "odd@c", "2026-11-26T16:58:01Z"));
  }
  EXPECT_EQ(store_.insert(batch), batch.size());

  auto by_seq = seqs({}, EventOrder::by_seq);
  ASSERT_EQ(by_seq.size(), 2345u);
  EXPECT_TRUE(std::ranges::is_sorted(by_seq));
  EXPECT_EQ(by_seq.front(), 1);
  EXPECT_EQ(by_seq.back(), 2345);

  auto by_room = seqs({}, EventOrder::by_room_then_seq);
  ASSERT_EQ(by_room.size(), 2345u);
  // "even@c" sorts before "odd@c": 1172 even events, then the odd ones, each in order.
  EXPECT_EQ(by_room[0], 2);
  EXPECT_EQ(by_room[1171], 2344);
  EXPECT_EQ(by_room[1172], 1);
  EXPECT_EQ(by_room.back(), 2345);
}

TEST_F(ComplianceEventStore, Filters_SelectByTimeRoomAndUser) {
  std::vector<Event> events{
      event(1, "a@c", "2026-11-25T23:59:59.999999Z", "alice@x"),
      event(2, "a@c", "2026-11-26T00:00:00Z", "bob@x", "alice@x"),
      event(3, "b@c", "2026-11-26T12:00:00Z", "alice@x"),
      event(4, "a@c", "2026-11-27T00:00:00Z", "carol@x"),
  };
  store_.insert(events);
  auto day = [](std::string text) { return muc::parse_timestamp(text); };

  EXPECT_EQ(seqs({.from = day("2026-11-26T00:00:00Z"), .to = day("2026-11-27T00:00:00Z")},
                 EventOrder::by_seq),
            (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(seqs({.room = "a@c"}, EventOrder::by_seq), (std::vector<std::int64_t>{1, 2, 4}));
  EXPECT_EQ(seqs({.user = "alice@x"}, EventOrder::by_seq), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(seqs({.from = day("2026-11-26T00:00:00Z"), .room = "a@c", .user = "alice@x"},
                 EventOrder::by_room_then_seq),
            (std::vector<std::int64_t>{2}));
  EXPECT_TRUE(seqs({.room = "nobody@c"}, EventOrder::by_seq).empty());
}

}  // namespace
}  // namespace stoa::compliance
