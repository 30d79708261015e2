// stoa-compliance under faults (issue 5): (a) the component killed and (c) the compliance
// database stopped, each while real clients post in a room and its owner changes it; (b) stoad
// killed while another node of the cluster keeps writing events (clients posting while stoad is
// killed: compliance_posting_fault_test.cpp). Afterwards the compliance database holds exactly
// the events stoad's outbox received: no gaps, no duplicates, in sequence order.

#include "store/managed_postgres.hpp"
#include "tests/wire/compliance_posting.hpp"

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

class ComplianceClientFault : public CompliancePostingTest {
 protected:
  /// stoad, the component, and clients posting in the room "floor".
  testing::AssertionResult start_posting_with_component(const std::string& component_dsn = {}) {
    if (testing::AssertionResult started = start_stoad_with_database(stoad_dsn_); !started) {
      return started;
    }
    configure_component(component_dsn);
    start_component();
    start_posting("floor");
    if (!posted_more(20)) {
      return testing::AssertionFailure() << "the clients did not get to post";
    }
    return testing::AssertionSuccess();
  }
  /// Stops the clients, waits for the component to catch up and compares.
  void expect_nothing_lost() {
    stop_posting();
    ASSERT_FALSE(members().empty()) << "the owner changed the room meanwhile";
    ASSERT_TRUE(settled());
    expect_archive_and_compliance_agree(posted());
  }
};

TEST_F(ComplianceClientFault, ComponentKilledWhileClientsPost_RestartLosesAndDuplicatesNothing) {
  ASSERT_TRUE(start_posting_with_component());
  for (int round = 0; round < 3; ++round) {
    component_->kill();
    ASSERT_TRUE(posted_more(20));
    start_component();
    ASSERT_TRUE(posted_more(20));
  }
  expect_nothing_lost();
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

TEST_F(ComplianceClientFault, ComplianceDatabaseStoppedWhileClientsPost_LosesAndDuplicatesNothing) {
  // A cluster of its own, so that stopping it leaves stoad's database alone.
  Logger log(LogLevel::warn);
  // A fresh directory each time: a cluster left by an earlier repetition would hold its events.
  static int clusters = 0;
  const std::filesystem::path cluster_dir =
      test_postgres().directory() / ("compliance-fault-" + std::to_string(++clusters));
  auto cluster = std::make_unique<store::ManagedPostgres>(cluster_dir, "", log,
                                                          store::ManagedPostgres::Durability::none);
  ASSERT_TRUE(start_posting_with_component(cluster->dsn()));

  cluster.reset();
  ASSERT_TRUE(posted_more(30));
  EXPECT_TRUE(wait_until([&] {
    return component_log().find("cannot store events") != std::string::npos;
  })) << "the component noticed that its database was gone";
  ASSERT_TRUE(posted_more(10));
  cluster = std::make_unique<store::ManagedPostgres>(cluster_dir, "", log,
                                                     store::ManagedPostgres::Durability::none);
  ASSERT_TRUE(posted_more(30));

  expect_nothing_lost();
  EXPECT_NE(component_log().find("the database is writable again"), std::string::npos);
  EXPECT_TRUE(component_->running());
}

}  // namespace
}  // namespace stoa::test
