// One-to-one messages between local users (RFC 6121 §5, §8.5). The server runs two workers and
// spreads consecutive connections over them, so alice and bob normally live on different
// threads and these messages cross between them.

#include <string>
#include <vector>

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

// A client that stops reading fills its socket: the server's writes then stop part-way and
// wait. Everything queued meanwhile must still arrive whole and in order once it reads again.
// 12 MB: three times what the kernel buffers of a loopback connection whose reader does not read
// took here (~4 MB), less than the send queue allowed, beyond which the reader is cut off.
class SlowReaderTest : public WireTest, public testing::WithParamInterface<TlsMode> {
 protected:
  /// Starts the server with a send queue that holds all a test queues, and logs both users in
  /// over the transport under test.
  void connect_both(XmppClient& alice, XmppClient& bob) {
    ASSERT_TRUE(start_with_users(
        {{"limits.send_queue_bytes", std::to_string(32 << 20)}, {"c2s.require_tls", "false"}}));
    const ClientOptions options{server_.c2s_port(), GetParam()};
    ASSERT_TRUE(alice.connect(kAlice, kPassword, options));
    const ConnectResult bob_login = bob.connect(kBob, kPassword, options);
    ASSERT_TRUE(bob_login) << bob_login.error;
  }

  /// alice sends `bodies` to bob, who reads nothing until the server has routed them all; then
  /// each must reach him whole and in order.
  void expect_delivered_in_order(XmppClient& alice, XmppClient& bob,
                                 const std::vector<std::string>& bodies) {
    for (const std::string& body : bodies) {
      alice.send_message(bob.bound_jid(), body);
    }
    // Answered after the server has routed every message before it.
    ASSERT_TRUE(alice.iq(xml("<iq type='get' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")))
        << alice.describe();
    for (std::size_t i = 0; i < bodies.size(); ++i) {
      const std::optional<xmpp::Element> message = bob.expect_message_from(kAlice);
      ASSERT_TRUE(message) << "message " << i << " missing; " << bob.describe();
      ASSERT_EQ(message->child_text("body"), bodies[i]) << "message " << i;
    }
  }
};

TEST_P(SlowReaderTest, ReaderThatFallsBehind_GetsEverythingInOrder) {
  const std::string filler(100'000, 'x');
  std::vector<std::string> bodies;
  for (int i = 0; i < 120; ++i) {
    bodies.push_back(std::to_string(i) + " " + filler);
  }
  XmppClient alice;
  XmppClient bob;
  ASSERT_NO_FATAL_FAILURE(connect_both(alice, bob));
  expect_delivered_in_order(alice, bob, bodies);
}

// Stanzas queued behind a full socket go out in one write of many small pieces (a large room's
// occupant list is thousands), which the transport joins before writing.
TEST_P(SlowReaderTest, ManySmallStanzasQueuedBehindAFullSocket_ArriveWholeInOrder) {
  std::vector<std::string> bodies(60, "filler " + std::string(100'000, 'x'));
  for (int i = 0; i < 3000; ++i) {
    bodies.push_back("small " + std::to_string(i));
  }
  XmppClient alice;
  XmppClient bob;
  ASSERT_NO_FATAL_FAILURE(connect_both(alice, bob));
  expect_delivered_in_order(alice, bob, bodies);
}

INSTANTIATE_TEST_SUITE_P(Transports, SlowReaderTest,
                         testing::Values(TlsMode::plaintext, TlsMode::starttls),
                         [](const testing::TestParamInfo<TlsMode>& mode) {
                           return mode.param == TlsMode::plaintext ? "Plain" : "Tls";
                         });

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
