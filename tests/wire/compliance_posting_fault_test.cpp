// The compliance guarantee with real clients (issue 5): they post in a persistent room while
// stoad is killed with SIGKILL and started again. Afterwards the compliance database holds one
// message event for each message in the archive, no other, in gapless sequence order, and
// every message a client saw reflected is among them.

#include <string>

#include "tests/wire/compliance_posting.hpp"

namespace stoa::test {
namespace {

using CompliancePostingFault = CompliancePostingTest;

TEST_F(CompliancePostingFault, StoadKilledWhileClientsPost_ArchiveAndComplianceAgree) {
  ASSERT_TRUE(start_stoad_with_database(stoad_dsn_));
  configure_component();
  start_component();
  std::vector<std::string> seen;
  {
    XmppClient alice;
    XmppClient bob;
    ASSERT_TRUE(enter_persistent_room(alice, bob, "floor"));
    for (int i = 0; i < 20; ++i) {
      const std::string body = "before-" + std::to_string(i);
      ASSERT_TRUE(say_and_wait(i % 2 == 0 ? alice : bob, "floor", body));
      seen.push_back(body);
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
    seen.push_back(body);
  }

  ASSERT_TRUE(settled());
  expect_archive_and_compliance_agree(seen);
}

}  // namespace
}  // namespace stoa::test
