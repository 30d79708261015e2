// One-to-one messages between local users (RFC 6121 §5, §8.5). The server runs two workers and
// spreads consecutive connections over them, so alice and bob normally live on different
// threads and these messages cross between them.

#include "tests/wire/wire_test.hpp"

namespace stoa::test {
namespace {

class MessageTest : public WireTest {};

TEST_F(MessageTest, ToFullJid_DeliveredWithSenderFullJid) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  alice.send_message(bob.bound_jid(), "hello bob");
  const std::optional<xmpp::Element> message = bob.expect_message_from(kAlice);
  ASSERT_TRUE(message) << bob.describe();
  EXPECT_EQ(message->child_text("body"), "hello bob");
  // RFC 6120 §8.1.2.1: the server stamps the sender's full JID.
  EXPECT_EQ(message->attr_or("from"), alice.bound_jid());
  EXPECT_EQ(message->attr_or("to"), bob.bound_jid());
  EXPECT_EQ(message->attr_or("type"), "chat");
}

TEST_F(MessageTest, ToBareJid_DeliveredToAvailableResource) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  // RFC 6121 §8.5.2.1.1: a chat message to a bare JID goes to available resources.
  ASSERT_TRUE(become_available(bob));
  alice.send_message(kBob, "hello bare bob");
  const std::optional<xmpp::Element> message = bob.expect_message_from(kAlice);
  ASSERT_TRUE(message) << bob.describe();
  EXPECT_EQ(message->child_text("body"), "hello bare bob");
  EXPECT_EQ(message->attr_or("from"), alice.bound_jid());
}

TEST_F(MessageTest, BothDirections_EachSideReceives) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  alice.send_message(bob.bound_jid(), "ping from alice");
  const std::optional<xmpp::Element> at_bob = bob.expect_message_from(kAlice);
  ASSERT_TRUE(at_bob) << bob.describe();
  bob.send_message(alice.bound_jid(), "pong from bob");
  const std::optional<xmpp::Element> at_alice = alice.expect_message_from(kBob);
  ASSERT_TRUE(at_alice) << alice.describe();
  EXPECT_EQ(at_alice->child_text("body"), "pong from bob");
}

TEST_F(MessageTest, ToUnknownLocalUser_ServiceUnavailableError) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  alice.send_message("nobody@localhost", "anyone there?");
  // RFC 6121 §8.5.2.2.1 (no such account) answered with service-unavailable.
  const std::optional<xmpp::Element> error = alice.wait_for([](const xmpp::Element& stanza) {
    return stanza.name() == "message" && stanza.attr_or("type") == "error";
  });
  ASSERT_TRUE(error) << alice.describe();
  EXPECT_EQ(error->attr_or("from"), "nobody@localhost");
  EXPECT_EQ(stanza_error_condition(*error), "service-unavailable") << error->str();
}

}  // namespace
}  // namespace stoa::test
