// stoa-compliance under faults (issue 5): the component killed, stoad killed, the compliance
// database stopped, each while events keep being written. Afterwards the compliance database
// holds exactly the events stoad's outbox received: no gaps, no duplicates, in sequence order.
//
// The events are written into stoad's outbox directly, as stoad (or another node of the
// cluster) writes them, so that they keep coming while stoad itself is down.

#include "store/managed_postgres.hpp"
#include "tests/wire/compliance_e2e.hpp"

namespace stoa::test {
namespace {

class ComplianceFault : public ComplianceE2eTest {
 protected:
  /// stoad on a database of its own, and the writer of its outbox.
  testing::AssertionResult start_stoad_and_writer() {
    stoad_dsn_ = create_test_database();
    if (testing::AssertionResult started = start_stoad_with_database(stoad_dsn_); !started) {
      return started;
    }
    writer_ = std::make_unique<OutboxWriter>(stoad_dsn_);
    writer_->start();
    return testing::AssertionSuccess();
  }

  /// Waits until `count` more events were written than now.
  bool written_more(std::size_t count) {
    std::size_t start = writer_->written();
    return wait_until([&] { return writer_->written() >= start + count; });
  }

  std::string stoad_dsn_;
  std::unique_ptr<OutboxWriter> writer_;
};

TEST_F(ComplianceFault, ComponentKilledWhileEventsFlow_RestartLosesAndDuplicatesNothing) {
  ASSERT_TRUE(start_stoad_and_writer());
  configure_component();
  start_component();

  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(written_more(200));
    component_->kill();
    ASSERT_TRUE(written_more(200));
    start_component();
  }
  ASSERT_TRUE(written_more(200));
  std::vector<std::string> written = writer_->stop();

  ASSERT_TRUE(settled());
  expect_complete(written);
}

TEST_F(ComplianceFault, StoadKilledWhileEventsFlow_RestartLosesAndDuplicatesNothing) {
  ASSERT_TRUE(start_stoad_and_writer());
  configure_component();
  start_component();
  ASSERT_TRUE(written_more(200));

  server_.kill9();
  ASSERT_TRUE(written_more(200));
  ASSERT_TRUE(server_.restart());
  ASSERT_TRUE(written_more(200));
  std::vector<std::string> written = writer_->stop();

  ASSERT_TRUE(settled());
  expect_complete(written);
  EXPECT_NE(component_log().find("lost the connection to stoad"), std::string::npos);
}

TEST_F(ComplianceFault, ComplianceDatabaseStoppedAndRestarted_LosesAndDuplicatesNothing) {
  // A cluster of its own, so that stopping it leaves stoad's database alone.
  Logger log(LogLevel::warn);
  // A fresh directory each time: a cluster left by an earlier repetition would hold its events.
  static int clusters = 0;
  const std::filesystem::path cluster_dir =
      test_postgres().directory() / ("compliance-fault-" + std::to_string(++clusters));
  auto cluster = std::make_unique<store::ManagedPostgres>(cluster_dir, "", log,
                                                          store::ManagedPostgres::Durability::none);
  ASSERT_TRUE(start_stoad_and_writer());
  configure_component(cluster->dsn());
  start_component();
  ASSERT_TRUE(written_more(200));

  cluster.reset();
  ASSERT_TRUE(written_more(300));
  EXPECT_TRUE(wait_until([&] {
    return component_log().find("cannot store events") != std::string::npos;
  })) << "the component noticed that its database was gone";
  cluster = std::make_unique<store::ManagedPostgres>(cluster_dir, "", log,
                                                     store::ManagedPostgres::Durability::none);
  ASSERT_TRUE(written_more(200));
  std::vector<std::string> written = writer_->stop();

  ASSERT_TRUE(settled());
  expect_complete(written);
  EXPECT_NE(component_log().find("the database is writable again"), std::string::npos);
  EXPECT_TRUE(component_->running());
}

}  // namespace
}  // namespace stoa::test
