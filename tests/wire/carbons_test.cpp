// Message Carbons (XEP-0280): an account's other resources that enabled carbons see copies of
// its one-to-one chats in both directions.

#include "tests/wire/wire_test.hpp"

namespace stoa::test {
namespace {

class CarbonsTest : public WireTest {
 protected:
  testing::AssertionResult enable_carbons(XmppClient& client) {
    const std::optional<xmpp::Element> reply =
        client.iq(xml("<iq type='set'><enable xmlns='urn:xmpp:carbons:2'/></iq>"));
    if (!reply || reply->attr_or("type") != "result") {
      return testing::AssertionFailure()
             << "enabling carbons failed: " << (reply ? reply->str() : "no reply");
    }
    return testing::AssertionSuccess();
  }

  static StanzaPredicate carbon(std::string direction) {
    return [direction](const xmpp::Element& stanza) {
      return stanza.name() == "message" && stanza.child(direction, "urn:xmpp:carbons:2");
    };
  }

  static std::string forwarded_body(const xmpp::Element& carbon, const std::string& direction) {
    const xmpp::Element* wrapper = carbon.child(direction, "urn:xmpp:carbons:2");
    const xmpp::Element* forwarded =
        wrapper ? wrapper->child("forwarded", "urn:xmpp:forward:0") : nullptr;
    const xmpp::Element* inner = forwarded ? forwarded->child("message") : nullptr;
    return inner ? inner->child_text("body") : std::string();
  }
};

TEST_F(CarbonsTest, DiscoInfo_AdvertisesCarbons) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  const std::optional<xmpp::Element> reply =
      alice.iq(xml("<iq type='get' to='localhost'><query "
                   "xmlns='http://jabber.org/protocol/disco#info'/></iq>"));
  ASSERT_TRUE(reply);
  const xmpp::Element* query = reply->child("query");
  ASSERT_TRUE(query) << reply->str();
  EXPECT_TRUE(has_feature(*query, "urn:xmpp:carbons:2"));
}

TEST_F(CarbonsTest, SentAndReceived_CopiedToOtherEnabledResource) {
  ASSERT_TRUE(start_with_users());
  XmppClient phone;
  XmppClient laptop;
  XmppClient bob;
  ASSERT_TRUE(login(phone, kAlice + "/phone"));
  ASSERT_TRUE(login(laptop, kAlice + "/laptop"));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(enable_carbons(laptop));

  phone.send_message(bob.bound_jid(), "sent from the phone");
  ASSERT_TRUE(bob.expect_message_from(kAlice)) << bob.describe();
  const std::optional<xmpp::Element> sent = laptop.wait_for(carbon("sent"));
  ASSERT_TRUE(sent) << laptop.describe();
  EXPECT_EQ(sent->attr_or("from"), kAlice);
  EXPECT_EQ(forwarded_body(*sent, "sent"), "sent from the phone");

  bob.send_message(phone.bound_jid(), "reply to the phone");
  ASSERT_TRUE(phone.expect_message_from(kBob)) << phone.describe();
  const std::optional<xmpp::Element> received = laptop.wait_for(carbon("received"));
  ASSERT_TRUE(received) << laptop.describe();
  EXPECT_EQ(forwarded_body(*received, "received"), "reply to the phone");
}

TEST_F(CarbonsTest, Disabled_NoCopies) {
  ASSERT_TRUE(start_with_users());
  XmppClient phone;
  XmppClient laptop;
  XmppClient bob;
  ASSERT_TRUE(login(phone, kAlice + "/phone"));
  ASSERT_TRUE(login(laptop, kAlice + "/laptop"));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(enable_carbons(laptop));
  const std::optional<xmpp::Element> disabled =
      laptop.iq(xml("<iq type='set'><disable xmlns='urn:xmpp:carbons:2'/></iq>"));
  ASSERT_TRUE(disabled && disabled->attr_or("type") == "result");

  phone.send_message(bob.bound_jid(), "private to bob");
  ASSERT_TRUE(bob.expect_message_from(kAlice)) << bob.describe();
  // The marker message proves ordering: had a carbon been sent, it would have arrived first.
  bob.send_message(laptop.bound_jid(), "marker");
  const std::optional<xmpp::Element> first =
      laptop.wait_for([](const xmpp::Element& stanza) { return stanza.name() == "message"; });
  ASSERT_TRUE(first) << laptop.describe();
  EXPECT_EQ(first->child_text("body"), "marker");
}

TEST_F(CarbonsTest, PrivateMessage_NotCopied) {
  ASSERT_TRUE(start_with_users());
  XmppClient phone;
  XmppClient laptop;
  XmppClient bob;
  ASSERT_TRUE(login(phone, kAlice + "/phone"));
  ASSERT_TRUE(login(laptop, kAlice + "/laptop"));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(enable_carbons(laptop));
  phone.send(xml("<message type='chat' to='" + bob.bound_jid() +
                 "'><body>off the record</body><private xmlns='urn:xmpp:carbons:2'/></message>"));
  ASSERT_TRUE(bob.expect_message_from(kAlice)) << bob.describe();
  bob.send_message(laptop.bound_jid(), "marker");
  const std::optional<xmpp::Element> first =
      laptop.wait_for([](const xmpp::Element& stanza) { return stanza.name() == "message"; });
  ASSERT_TRUE(first) << laptop.describe();
  EXPECT_EQ(first->child_text("body"), "marker");
}

}  // namespace
}  // namespace stoa::test
