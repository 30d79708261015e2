// Resource binding (RFC 6120 §7): generated and requested resources, several resources of one
// account, and the two conflict policies.

#include "tests/wire/wire_test.hpp"

namespace stoa::test {
namespace {

class BindTest : public WireTest {};

TEST_F(BindTest, NoResourceRequested_ServerGeneratesOne) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  EXPECT_EQ(bare_jid(alice.bound_jid()), kAlice);
  EXPECT_FALSE(resource_of(alice.bound_jid()).empty()) << alice.bound_jid();
}

TEST_F(BindTest, ResourceRequested_Honoured) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice + "/phone"));
  EXPECT_EQ(alice.bound_jid(), kAlice + "/phone");
}

TEST_F(BindTest, TwoGeneratedResources_Differ) {
  ASSERT_TRUE(start_with_users());
  XmppClient first;
  XmppClient second;
  ASSERT_TRUE(login(first, kAlice));
  ASSERT_TRUE(login(second, kAlice));
  EXPECT_NE(first.bound_jid(), second.bound_jid());
}

TEST_F(BindTest, TwoResources_EachGetsMessagesToItsFullJid) {
  ASSERT_TRUE(start_with_users());
  XmppClient phone;
  XmppClient laptop;
  XmppClient bob;
  ASSERT_TRUE(login(phone, kAlice + "/phone"));
  ASSERT_TRUE(login(laptop, kAlice + "/laptop"));
  ASSERT_TRUE(login(bob, kBob));
  // The laptop's message goes first: were it misrouted, it would be the phone's first message.
  bob.send_message(kAlice + "/laptop", "for the laptop");
  bob.send_message(kAlice + "/phone", "for the phone");
  const std::optional<xmpp::Element> at_phone = phone.expect_message_from(kBob);
  ASSERT_TRUE(at_phone) << phone.describe();
  EXPECT_EQ(at_phone->child_text("body"), "for the phone");
  EXPECT_EQ(at_phone->attr_or("to"), kAlice + "/phone");
  const std::optional<xmpp::Element> at_laptop = laptop.expect_message_from(kBob);
  ASSERT_TRUE(at_laptop) << laptop.describe();
  EXPECT_EQ(at_laptop->child_text("body"), "for the laptop");
}

TEST_F(BindTest, ResourceInUse_ReplacePolicy_OldSessionClosedWithConflict) {
  ASSERT_TRUE(start_with_users({{"c2s.resource_conflict", toml_string("replace")}}));
  XmppClient old_session;
  XmppClient new_session;
  ASSERT_TRUE(login(old_session, kAlice + "/phone"));
  ASSERT_TRUE(login(new_session, kAlice + "/phone"));
  EXPECT_EQ(new_session.bound_jid(), kAlice + "/phone");
  // RFC 6120 §7.7.2.2: the server terminates the older session with a conflict stream error.
  ASSERT_TRUE(old_session.wait_disconnected()) << old_session.describe();
  EXPECT_EQ(old_session.stream_error(), "conflict");
}

TEST_F(BindTest, ResourceInUse_RefusePolicy_NewBindRefusedOldSessionKept) {
  ASSERT_TRUE(start_with_users({{"c2s.resource_conflict", toml_string("refuse")}}));
  XmppClient old_session;
  XmppClient new_session;
  ASSERT_TRUE(login(old_session, kAlice + "/phone"));
  const ConnectResult refused = new_session.connect(kAlice + "/phone", kPassword, starttls());
  EXPECT_FALSE(refused) << "a second session bound a resource already in use";
  const std::optional<xmpp::Element> pong =
      old_session.iq(xml("<iq type='get' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>"));
  ASSERT_TRUE(pong) << "the first session no longer answers\n" << old_session.describe();
  EXPECT_EQ(pong->attr_or("type"), "result") << pong->str();
}

}  // namespace
}  // namespace stoa::test
