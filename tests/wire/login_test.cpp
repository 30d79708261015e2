// Logging in: SASL over STARTTLS and over direct TLS, and the refusals (RFC 6120 §5, §6).

#include "tests/wire/wire_test.hpp"

namespace stoa::test {
namespace {

class LoginTest : public WireTest {};

/// Every SASL failure the client saw, for messages.
std::string conditions(const ConnectResult& result) {
  std::string text;
  for (const std::string& condition : result.sasl_failures) {
    text += condition + " ";
  }
  return text;
}

TEST_F(LoginTest, StartTls_RightPassword_EncryptedSessionBound) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  const ConnectResult result = alice.connect(kAlice, kPassword, starttls());
  ASSERT_TRUE(result) << result.error;
  EXPECT_TRUE(alice.secured());
  EXPECT_EQ(bare_jid(alice.bound_jid()), kAlice);
  EXPECT_FALSE(resource_of(alice.bound_jid()).empty());
}

TEST_F(LoginTest, DirectTls_RightPassword_EncryptedSessionBound) {
  ASSERT_TRUE(start_with_users());
  ASSERT_NE(server_.c2s_tls_port(), 0) << "the ready file lists no c2s_tls listener";
  XmppClient alice;
  const ConnectResult result = alice.connect(kAlice, kPassword, direct_tls());
  ASSERT_TRUE(result) << result.error;
  EXPECT_TRUE(alice.secured());
  EXPECT_EQ(bare_jid(alice.bound_jid()), kAlice);
}

TEST_F(LoginTest, WrongPassword_Refused_NotAuthorized) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  const ConnectResult result = alice.connect(kAlice, "not the password", starttls());
  ASSERT_FALSE(result) << "logged in with a wrong password";
  ASSERT_FALSE(result.sasl_failures.empty()) << result.error;
  for (const std::string& condition : result.sasl_failures) {
    EXPECT_EQ(condition, "not-authorized") << result.error;
  }
}

TEST_F(LoginTest, UnknownAccount_Refused_SameAnswerAsWrongPassword) {
  ASSERT_TRUE(start_with_users());
  XmppClient nobody;
  const ConnectResult result = nobody.connect("nobody@localhost", kPassword, starttls());
  ASSERT_FALSE(result) << "logged in to an account that does not exist";
  ASSERT_FALSE(result.sasl_failures.empty()) << result.error;
  // RFC 6120 §6.4.5: the answer must not tell whether the account exists.
  for (const std::string& condition : result.sasl_failures) {
    EXPECT_EQ(condition, "not-authorized") << result.error;
  }
}

TEST_F(LoginTest, WrongPasswordThenRightPassword_SecondLoginSucceeds) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  const ConnectResult wrong = alice.connect(kAlice, "not the password", starttls());
  ASSERT_FALSE(wrong) << "logged in with a wrong password";
  const ConnectResult right = alice.connect(kAlice, kPassword, starttls());
  EXPECT_TRUE(right) << right.error << "\nearlier failures: " << conditions(wrong);
}

TEST_F(LoginTest, TlsOptional_ScramOverPlaintext_Succeeds) {
  ASSERT_TRUE(start_with_users({{"c2s.require_tls", "false"}}));
  XmppClient alice;
  const ConnectResult result =
      alice.connect(kAlice, kPassword, {server_.c2s_port(), TlsMode::plaintext});
  ASSERT_TRUE(result) << result.error;
  EXPECT_FALSE(alice.secured());
}

TEST_F(LoginTest, RequireTls_ClientRefusingTls_CannotLogIn) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  const ConnectResult result =
      alice.connect(kAlice, kPassword, {server_.c2s_port(), TlsMode::plaintext});
  EXPECT_FALSE(result) << "logged in without TLS although require_tls is on";
}

}  // namespace
}  // namespace stoa::test
