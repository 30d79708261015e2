#include "store/pg_compliance_outbox.hpp"

#include <gtest/gtest.h>

#include "store/migrations.hpp"
#include "tests/store/run_awaitable.hpp"
#include "tests/support/test_postgres.hpp"

namespace stoa::store {
namespace {

using test::run_awaitable;

class PgComplianceOutboxTest : public testing::Test {
 protected:
  PgComplianceOutboxTest() : db_(dsn_, 2, log_), outbox_(db_) { apply_migrations(db_, log_); }

  /// Writes `count` events the way the archive writer does: numbered from the counter row.
  void write_events(int count, const std::string& at = "2026-11-26 16:58:01.123456+00") {
    db_.transact_blocking([&](pqxx::work& tx) {
      for (int i = 0; i < count; ++i) {
        tx.exec_params(
            "WITH next AS (UPDATE compliance_sequence SET last_seq = last_seq + 1 "
            "RETURNING last_seq) "
            "INSERT INTO compliance_outbox (seq, room, kind, at, actor_jid, payload) "
            "SELECT last_seq, 'lobby@conference.example.org', 'message', $1, "
            "'alice@example.org', '<message>' || last_seq || '</message>' FROM next",
            at);
      }
    });
  }

  std::int64_t ack(const std::string& component, std::int64_t seq,
                   std::vector<std::string> entitled) {
    return run_awaitable(outbox_.acknowledge(component, seq, std::move(entitled)));
  }

  Logger log_{LogLevel::warn};
  std::string dsn_ = test::create_test_database();
  Database db_;
  PgComplianceOutbox outbox_;
};

TEST_F(PgComplianceOutboxTest, Empty_StateIsZero) {
  OutboxState state = run_awaitable(outbox_.state());
  EXPECT_EQ(state.size, 0);
  EXPECT_EQ(state.oldest_seq, 0);
  EXPECT_EQ(state.last_seq, 0);
  EXPECT_TRUE(run_awaitable(outbox_.read_after(0, 10)).empty());
}

TEST_F(PgComplianceOutboxTest, ReadAfter_InOrderWithinTheLimit) {
  write_events(5);
  std::vector<OutboxEvent> events = run_awaitable(outbox_.read_after(1, 3));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].seq, 2);
  EXPECT_EQ(events[2].seq, 4);
  EXPECT_EQ(events[0].room, "lobby@conference.example.org");
  EXPECT_EQ(events[0].kind, "message");
  EXPECT_EQ(events[0].actor_jid, "alice@example.org");
  EXPECT_EQ(events[0].payload, "<message>2</message>");
  EXPECT_EQ(events[0].at, "2026-11-26T16:58:01.123456Z");
}

TEST_F(PgComplianceOutboxTest, WholeSecond_WithoutFraction) {
  write_events(1, "2026-11-26 16:58:02+00");
  EXPECT_EQ(run_awaitable(outbox_.read_after(0, 1)).at(0).at, "2026-11-26T16:58:02Z");
}

TEST_F(PgComplianceOutboxTest, State_CountsFromOldestToLast) {
  write_events(4);
  OutboxState state = run_awaitable(outbox_.state());
  EXPECT_EQ(state.size, 4);
  EXPECT_EQ(state.oldest_seq, 1);
  EXPECT_EQ(state.last_seq, 4);
  EXPECT_GT(state.oldest_at.time_since_epoch().count(), 0);
}

TEST_F(PgComplianceOutboxTest, Ack_OfTheOnlyComponent_DeletesUpToIt) {
  write_events(4);
  EXPECT_EQ(ack("c.example.org", 3, {"c.example.org"}), 3);
  EXPECT_EQ(run_awaitable(outbox_.acked("c.example.org")), 3);
  OutboxState state = run_awaitable(outbox_.state());
  EXPECT_EQ(state.size, 1);
  EXPECT_EQ(state.oldest_seq, 4);
  EXPECT_EQ(state.last_seq, 4);
}

TEST_F(PgComplianceOutboxTest, Ack_Lower_ChangesNothing) {
  write_events(4);
  ack("c.example.org", 3, {"c.example.org"});
  EXPECT_EQ(ack("c.example.org", 1, {"c.example.org"}), 3);
  EXPECT_EQ(run_awaitable(outbox_.acked("c.example.org")), 3);
}

TEST_F(PgComplianceOutboxTest, Ack_KeepsWhatAnotherComponentStillNeeds) {
  write_events(4);
  std::vector<std::string> both{"a.example.org", "b.example.org"};
  ack("a.example.org", 4, both);
  EXPECT_EQ(run_awaitable(outbox_.state()).size, 4) << "b never acknowledged";
  ack("b.example.org", 2, both);
  OutboxState state = run_awaitable(outbox_.state());
  EXPECT_EQ(state.oldest_seq, 3);
  EXPECT_EQ(state.size, 2);
}

TEST_F(PgComplianceOutboxTest, NeverAcked_IsZero) {
  EXPECT_EQ(run_awaitable(outbox_.acked("nobody.example.org")), 0);
}

}  // namespace
}  // namespace stoa::store
