// Account administration end to end: stoactl → admin socket → stoad → database → login.

#include <sstream>

#include "tests/wire/wire_test.hpp"

namespace stoa::test {
namespace {

class StoactlTest : public WireTest {};

/// Whether `output` has `word` as a whole whitespace-separated field.
bool lists(const std::string& output, const std::string& word) {
  std::istringstream fields(output);
  std::string field;
  while (fields >> field) {
    if (field == word) {
      return true;
    }
  }
  return false;
}

TEST_F(StoactlTest, UserAdd_NewAccountCanLogIn) {
  ASSERT_TRUE(server_.start());
  const CommandResult added = server_.stoactl({"user", "add", "carol@localhost"}, "s3cret\n");
  ASSERT_EQ(added.exit_code, 0) << added.describe();
  XmppClient carol;
  const ConnectResult result = carol.connect("carol@localhost", "s3cret", starttls());
  EXPECT_TRUE(result) << result.error;
}

TEST_F(StoactlTest, UserAddExisting_Fails) {
  ASSERT_TRUE(start_with_users());
  const CommandResult again = server_.stoactl({"user", "add", kAlice}, "other\n");
  EXPECT_EQ(again.exit_code, 1) << again.describe();
  EXPECT_FALSE(again.err.empty()) << again.describe();
  XmppClient alice;
  EXPECT_TRUE(login(alice, kAlice)) << "the failed add changed the existing password";
}

TEST_F(StoactlTest, UserList_ShowsAccounts) {
  ASSERT_TRUE(start_with_users());
  const CommandResult list = server_.stoactl({"user", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.describe();
  EXPECT_TRUE(lists(list.out, kAlice)) << list.describe();
  EXPECT_TRUE(lists(list.out, kBob)) << list.describe();
}

TEST_F(StoactlTest, UserDel_AccountGoneAndCannotLogIn) {
  ASSERT_TRUE(start_with_users());
  const CommandResult deleted = server_.stoactl({"user", "del", kAlice});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.describe();
  const CommandResult list = server_.stoactl({"user", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.describe();
  EXPECT_FALSE(lists(list.out, kAlice)) << list.describe();
  EXPECT_TRUE(lists(list.out, kBob)) << list.describe();
  XmppClient alice;
  const ConnectResult result = alice.connect(kAlice, kPassword, starttls());
  EXPECT_FALSE(result) << "a deleted account logged in";
}

TEST_F(StoactlTest, UserDel_OpenSessionClosed) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  const CommandResult deleted = server_.stoactl({"user", "del", kAlice});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.describe();
  EXPECT_TRUE(alice.wait_disconnected()) << "the session of a deleted account stayed open";
}

TEST_F(StoactlTest, UserPasswd_NewPasswordWorksOldDoesNot) {
  ASSERT_TRUE(start_with_users());
  const CommandResult changed = server_.stoactl({"user", "passwd", kAlice}, "new password\n");
  ASSERT_EQ(changed.exit_code, 0) << changed.describe();
  XmppClient alice;
  const ConnectResult with_old = alice.connect(kAlice, kPassword, starttls());
  EXPECT_FALSE(with_old) << "the old password still works";
  const ConnectResult with_new = alice.connect(kAlice, "new password", starttls());
  EXPECT_TRUE(with_new) << with_new.error;
}

TEST_F(StoactlTest, PasswordOnCommandLine_RefusedAsUsageError) {
  ASSERT_TRUE(server_.start());
  // Arguments show in ps and shell history: passwords come from stdin or the terminal only.
  const CommandResult result = server_.stoactl({"user", "add", "carol@localhost", "s3cret"});
  EXPECT_EQ(result.exit_code, 2) << result.describe();
}

TEST_F(StoactlTest, ServerStopped_ExitCode3WithReason) {
  ASSERT_TRUE(server_.start());
  EXPECT_TRUE(server_.stop());
  const CommandResult result = server_.stoactl({"user", "list"});
  EXPECT_EQ(result.exit_code, 3) << result.describe();
  EXPECT_NE(result.err.find(server_.admin_socket().string()), std::string::npos)
      << "the message does not name the socket: " << result.describe();
}

}  // namespace
}  // namespace stoa::test
