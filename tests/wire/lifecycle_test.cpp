// Starting, stopping and crashing: what clients and the data see.

#include "tests/wire/wire_test.hpp"

namespace stoa::test {
namespace {

class LifecycleTest : public WireTest {};

TEST_F(LifecycleTest, Sigterm_ClientsToldSystemShutdownAndCleanExit) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  EXPECT_TRUE(server_.stop());
  // RFC 6120 §4.9.3.22: a server going down tells its clients so.
  ASSERT_TRUE(alice.wait_disconnected()) << alice.describe();
  EXPECT_EQ(alice.stream_error(), "system-shutdown") << alice.describe();
}

TEST_F(LifecycleTest, Restart_AccountsKept) {
  ASSERT_TRUE(start_with_users());
  ASSERT_TRUE(server_.restart());
  XmppClient alice;
  EXPECT_TRUE(login(alice, kAlice));
}

TEST_F(LifecycleTest, KilledHard_RestartsAndServes) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  server_.kill9();
  EXPECT_TRUE(alice.wait_disconnected()) << alice.describe();
  ASSERT_TRUE(server_.restart());
  XmppClient again;
  EXPECT_TRUE(login(again, kAlice));
}

}  // namespace
}  // namespace stoa::test
