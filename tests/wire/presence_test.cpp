// Presence subscription between two local users and presence broadcast (RFC 6121 §3, §4).

#include "tests/wire/wire_test.hpp"

namespace stoa::test {
namespace {

class PresenceTest : public WireTest {
 protected:
  /// Waits for a roster push about `jid` to `client`, acknowledges it and returns its item's
  /// subscription and ask attributes as "subscription/ask".
  std::string roster_push_state(XmppClient& client, const std::string& jid,
                                const std::string& wanted) {
    // A later push replaces an earlier one: take pushes until one shows the wanted state.
    std::string last = "no roster push";
    while (std::optional<xmpp::Element> push = client.wait_for(roster_push_for(jid))) {
      client.acknowledge(*push);
      const xmpp::Element* item = roster_item(*push, jid);
      last = item->attr_or("subscription", "none") + "/" + item->attr_or("ask");
      if (last == wanted) {
        break;
      }
    }
    return last;
  }
};

TEST_F(PresenceTest, SubscribeThenApprove_RosterPushesAndPresenceOnBothSides) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  for (XmppClient* client : {&alice, &bob}) {
    ASSERT_TRUE(request_roster(*client));
    ASSERT_TRUE(become_available(*client));
  }

  alice.send("<presence to='bob@localhost' type='subscribe'/>");
  // RFC 6121 §3.1.2: alice's roster shows the pending request.
  EXPECT_EQ(roster_push_state(alice, kBob, "none/subscribe"), "none/subscribe") << alice.describe();
  // §3.1.3: bob is asked, from alice's bare JID.
  const std::optional<xmpp::Element> request = bob.wait_for(presence_from(kAlice, "subscribe"));
  ASSERT_TRUE(request) << bob.describe();
  EXPECT_EQ(request->attr_or("from"), kAlice);

  bob.send("<presence to='alice@localhost' type='subscribed'/>");
  // §3.1.5: bob's roster now has alice with subscription 'from'.
  EXPECT_EQ(roster_push_state(bob, kAlice, "from/"), "from/") << bob.describe();
  // §3.1.6: alice learns of the approval, her roster says 'to', and she gets bob's presence.
  EXPECT_TRUE(alice.wait_for(presence_from(kBob, "subscribed"))) << alice.describe();
  EXPECT_EQ(roster_push_state(alice, kBob, "to/"), "to/") << alice.describe();
  const std::optional<xmpp::Element> available = alice.wait_for(presence_from(kBob, ""));
  ASSERT_TRUE(available) << alice.describe();
  EXPECT_EQ(available->attr_or("from"), bob.bound_jid());
}

TEST_F(PresenceTest, SubscriberOfContact_ContactLeaves_UnavailablePresence) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(become_available(alice));
  ASSERT_TRUE(become_available(bob));
  alice.send("<presence to='bob@localhost' type='subscribe'/>");
  ASSERT_TRUE(bob.wait_for(presence_from(kAlice, "subscribe"))) << bob.describe();
  bob.send("<presence to='alice@localhost' type='subscribed'/>");
  ASSERT_TRUE(alice.wait_for(presence_from(kBob, ""))) << alice.describe();

  const std::string bob_full = bob.bound_jid();
  bob.disconnect();
  // RFC 6121 §4.5.2 / §4.6: the server broadcasts unavailable presence for a session that ends.
  const std::optional<xmpp::Element> gone = alice.wait_for(presence_from(kBob, "unavailable"));
  ASSERT_TRUE(gone) << alice.describe();
  EXPECT_EQ(gone->attr_or("from"), bob_full);
}

}  // namespace
}  // namespace stoa::test
