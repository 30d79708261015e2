// The compliance guarantee with real clients (issue 5): they post in a persistent room while
// stoad is killed with SIGKILL and started again. Afterwards the compliance database holds one
// message event for each message in the archive, no other, in gapless sequence order, and
// every message a client saw reflected is among them.

#include <set>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "tests/wire/compliance_e2e.hpp"

namespace stoa::test {
namespace {

class CompliancePostingFault : public ComplianceE2eTest {
 protected:
  /// alice owns the persistent room `room`; bob is in it too.
  testing::AssertionResult enter_persistent_room(XmppClient& alice, XmppClient& bob,
                                                 const std::string& room) {
    if (testing::AssertionResult in = login(alice, kAlice); !in) {
      return in;
    }
    if (testing::AssertionResult created =
            create_room(alice, room, "Alice", {{"muc#roomconfig_persistentroom", {"1"}}});
        !created) {
      return created;
    }
    return enter(bob, kBob, room, "Bob");
  }
  testing::AssertionResult enter(XmppClient& client, const std::string& jid,
                                 const std::string& room, const std::string& nick) {
    if (testing::AssertionResult in = login(client, jid); !in) {
      return in;
    }
    if (!join(client, room, nick)) {
      return testing::AssertionFailure() << jid << " could not enter " << room;
    }
    return testing::AssertionSuccess();
  }

  /// The bodies of the room messages in stoad's archive.
  std::vector<std::string> archived_bodies() {
    Logger log(LogLevel::error);
    store::Database db(stoad_dsn_, 1, log);
    return db.transact_blocking([](pqxx::work& tx) {
      std::vector<std::string> bodies;
      for (const pqxx::row& row :
           tx.exec("SELECT body FROM muc_archive WHERE kind = 'message' AND body IS NOT NULL")) {
        bodies.push_back(row[0].as<std::string>());
      }
      return bodies;
    });
  }

  std::string stoad_dsn_ = create_test_database();
};

TEST_F(CompliancePostingFault, StoadKilledWhileClientsPost_ArchiveAndComplianceAgree) {
  ASSERT_TRUE(start_stoad_with_database(stoad_dsn_));
  configure_component();
  start_component();
  std::set<std::string> seen;
  {
    XmppClient alice;
    XmppClient bob;
    ASSERT_TRUE(enter_persistent_room(alice, bob, "floor"));
    for (int i = 0; i < 20; ++i) {
      const std::string body = "before-" + std::to_string(i);
      ASSERT_TRUE(say_and_wait(i % 2 == 0 ? alice : bob, "floor", body));
      seen.insert(body);
    }
    // Posted without waiting: the crash lands while some are being stored or delivered.
    for (int i = 0; i < 30; ++i) {
      say(alice, "floor", "racing-" + std::to_string(i));
    }
    server_.kill9();
  }
  ASSERT_TRUE(server_.restart());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(enter(alice, kAlice, "floor", "Alice"));
  ASSERT_TRUE(enter(bob, kBob, "floor", "Bob"));
  for (int i = 0; i < 20; ++i) {
    const std::string body = "after-" + std::to_string(i);
    ASSERT_TRUE(say_and_wait(i % 2 == 0 ? alice : bob, "floor", body));
    seen.insert(body);
  }

  ASSERT_TRUE(settled());
  const std::vector<std::string> archived = archived_bodies();
  const std::set<std::string> archived_set(archived.begin(), archived.end());
  EXPECT_EQ(archived.size(), archived_set.size()) << "a message archived twice";
  for (const std::string& body : seen) {
    EXPECT_TRUE(archived_set.contains(body)) << body << " was seen but is not archived";
  }
  // One message event per archived message, none for anything else, numbered without gaps.
  expect_complete(archived);
  std::size_t message_events = 0;
  for (const compliance::Event& event : stored_events()) {
    message_events += event.kind == "message" ? 1 : 0;
  }
  EXPECT_EQ(message_events, archived.size());
}

}  // namespace
}  // namespace stoa::test
