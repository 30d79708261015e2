// Rosters and presence over the wire (RFC 6121, XEP-0237): versioning, subscription
// handshakes both ways, pre-approval, offline requests, probes, directed presence, removal.

#include <chrono>

#include "tests/wire/wire_test.hpp"

namespace stoa::test {
namespace {

using namespace std::chrono_literals;

class RosterPresenceTest : public WireTest {
 protected:
  std::optional<xmpp::Element> roster_get(XmppClient& client, const std::string& ver_attr = "") {
    return client.iq(xml("<iq type='get'><query xmlns='jabber:iq:roster'" + ver_attr + "/></iq>"));
  }

  std::optional<xmpp::Element> roster_set(XmppClient& client, const std::string& item) {
    return client.iq(
        xml("<iq type='set'><query xmlns='jabber:iq:roster'>" + item + "</query></iq>"));
  }

  /// Takes roster pushes about `jid` until one shows `wanted` ("subscription/ask/approved"),
  /// acknowledging each; returns the last state seen.
  std::string push_state(XmppClient& client, const std::string& jid, const std::string& wanted) {
    std::string last = "no roster push";
    while (std::optional<xmpp::Element> push = client.wait_for(roster_push_for(jid))) {
      client.acknowledge(*push);
      const xmpp::Element* item = roster_item(*push, jid);
      last = item->attr_or("subscription", "none") + "/" + item->attr_or("ask") + "/" +
             item->attr_or("approved");
      if (last == wanted) {
        break;
      }
    }
    return last;
  }

  /// A round trip to the server: everything the server queued for `client` before it answers
  /// has arrived once this returns.
  testing::AssertionResult sync(XmppClient& client) {
    std::optional<xmpp::Element> pong =
        client.iq(xml("<iq type='get' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>"));
    if (!pong || pong->attr_or("type") != "result") {
      return testing::AssertionFailure() << "no pong\n" << client.describe();
    }
    return testing::AssertionSuccess();
  }

  /// Whether a matching stanza has already arrived (call after sync()).
  static bool already_received(XmppClient& client, const StanzaPredicate& predicate) {
    return client.wait_for(predicate, 0ms).has_value();
  }

  /// alice and bob logged in, interested in roster pushes, available.
  testing::AssertionResult both_online(XmppClient& alice, XmppClient& bob) {
    for (auto [client, jid] : {std::pair{&alice, kAlice}, std::pair{&bob, kBob}}) {
      if (testing::AssertionResult ok = login(*client, jid); !ok) {
        return ok;
      }
      if (testing::AssertionResult ok = request_roster(*client); !ok) {
        return ok;
      }
      if (testing::AssertionResult ok = become_available(*client); !ok) {
        return ok;
      }
    }
    return testing::AssertionSuccess();
  }

  /// `from` subscribes to `to`'s presence and `to` approves; waits for the resulting pushes.
  testing::AssertionResult subscribe(XmppClient& from, const std::string& from_jid, XmppClient& to,
                                     const std::string& to_jid, const std::string& to_state,
                                     const std::string& from_state) {
    from.send("<presence to='" + to_jid + "' type='subscribe'/>");
    if (!to.wait_for(presence_from(from_jid, "subscribe"))) {
      return testing::AssertionFailure() << "no request\n" << to.describe();
    }
    to.send("<presence to='" + from_jid + "' type='subscribed'/>");
    if (std::string state = push_state(to, from_jid, to_state); state != to_state) {
      return testing::AssertionFailure() << "approver's push: " << state << "\n" << to.describe();
    }
    if (std::string state = push_state(from, to_jid, from_state); state != from_state) {
      return testing::AssertionFailure() << "subscriber's push: " << state << "\n"
                                         << from.describe();
    }
    return testing::AssertionSuccess();
  }
};

TEST_F(RosterPresenceTest, Versioning_CurrentVersion_EmptyResult) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  std::optional<xmpp::Element> full = roster_get(alice, " ver=''");
  ASSERT_TRUE(full) << alice.describe();
  const xmpp::Element* query = full->child("query", xmpp::ns::kRoster);
  ASSERT_NE(query, nullptr) << full->str();
  const std::string ver = query->attr_or("ver");
  ASSERT_FALSE(ver.empty()) << full->str();

  // XEP-0237 §4: nothing changed, so no roster in the result.
  std::optional<xmpp::Element> same = roster_get(alice, " ver='" + ver + "'");
  ASSERT_TRUE(same) << alice.describe();
  EXPECT_EQ(same->attr_or("type"), "result") << same->str();
  EXPECT_EQ(same->child("query", xmpp::ns::kRoster), nullptr) << same->str();
}

TEST_F(RosterPresenceTest, Versioning_OlderVersion_ChangesComeAsPushesAfterResult) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  // Enough items that two changes are cheaper as pushes than the whole roster.
  for (const char* jid : {"carol@localhost", "erin@localhost", "frank@localhost"}) {
    ASSERT_TRUE(roster_set(alice, "<item jid='" + std::string(jid) + "'/>"));
  }
  std::optional<xmpp::Element> first = roster_get(alice, " ver=''");
  ASSERT_TRUE(first) << alice.describe();
  const std::string old_ver = first->child("query", xmpp::ns::kRoster)->attr_or("ver");
  ASSERT_TRUE(roster_set(alice, "<item jid='dave@localhost' name='Dave'/>"));
  ASSERT_TRUE(roster_set(alice, "<item jid='carol@localhost' subscription='remove'/>"));

  XmppClient again;
  ASSERT_TRUE(login(again, kAlice + "/again"));
  std::optional<xmpp::Element> delta = roster_get(again, " ver='" + old_ver + "'");
  ASSERT_TRUE(delta) << again.describe();
  EXPECT_EQ(delta->attr_or("type"), "result") << delta->str();
  EXPECT_EQ(delta->child("query", xmpp::ns::kRoster), nullptr) << delta->str();
  std::optional<xmpp::Element> added = again.wait_for(roster_push_for("dave@localhost"));
  ASSERT_TRUE(added) << again.describe();
  EXPECT_EQ(roster_item(*added, "dave@localhost")->attr_or("name"), "Dave");
  std::optional<xmpp::Element> removed = again.wait_for(roster_push_for("carol@localhost"));
  ASSERT_TRUE(removed) << again.describe();
  EXPECT_EQ(roster_item(*removed, "carol@localhost")->attr_or("subscription"), "remove");
  // The last push carries the current version.
  std::optional<xmpp::Element> current = roster_get(again, " ver=''");
  ASSERT_TRUE(current) << again.describe();
  EXPECT_EQ(removed->child("query", xmpp::ns::kRoster)->attr_or("ver"),
            current->child("query", xmpp::ns::kRoster)->attr_or("ver"));
}

TEST_F(RosterPresenceTest, RosterSet_InvalidItems_RightErrors) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  struct Case {
    std::string item;
    std::string condition;
  };
  for (const Case& c : {
           Case{"<item jid='bob@localhost'><group>A</group><group>A</group></item>", "bad-request"},
           Case{"<item jid='bob@localhost'><group/></item>", "not-acceptable"},
           Case{"<item jid='alice@localhost'/>", "not-allowed"},
           Case{"<item jid='bob@localhost/phone'/>", "bad-request"},
           Case{"<item jid='nobody@localhost' subscription='remove'/>", "item-not-found"},
       }) {
    std::optional<xmpp::Element> reply = roster_set(alice, c.item);
    ASSERT_TRUE(reply) << alice.describe();
    EXPECT_EQ(reply->attr_or("type"), "error") << c.item << " → " << reply->str();
    EXPECT_EQ(stanza_error_condition(*reply), c.condition) << c.item << " → " << reply->str();
  }
}

TEST_F(RosterPresenceTest, RosterSet_PastMaxRosterItems_ResourceConstraint) {
  ASSERT_TRUE(start_with_users({{"limits.max_roster_items", "2"}}));
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  for (const char* jid : {"a@localhost", "b@localhost"}) {
    std::optional<xmpp::Element> reply =
        roster_set(alice, "<item jid='" + std::string(jid) + "'/>");
    ASSERT_TRUE(reply && reply->attr_or("type") == "result") << alice.describe();
  }
  std::optional<xmpp::Element> reply = roster_set(alice, "<item jid='c@localhost'/>");
  ASSERT_TRUE(reply) << alice.describe();
  EXPECT_EQ(stanza_error_condition(*reply), "resource-constraint") << reply->str();
}

TEST_F(RosterPresenceTest, MutualSubscription_BothRostersSayBoth) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(both_online(alice, bob));
  ASSERT_TRUE(subscribe(alice, kAlice, bob, kBob, "from//", "to//"));
  ASSERT_TRUE(subscribe(bob, kBob, alice, kAlice, "both//", "both//"));
  // §3.1.5: each approval brought the approver's presence.
  EXPECT_TRUE(alice.wait_for(presence_from(bob.bound_jid(), ""))) << alice.describe();
  EXPECT_TRUE(bob.wait_for(presence_from(alice.bound_jid(), ""))) << bob.describe();

  std::optional<xmpp::Element> roster = roster_get(alice);
  ASSERT_TRUE(roster) << alice.describe();
  const xmpp::Element* item = roster_item(*roster, kBob);
  ASSERT_NE(item, nullptr) << roster->str();
  EXPECT_EQ(item->attr_or("subscription"), "both") << roster->str();
}

TEST_F(RosterPresenceTest, Subscribed_LaterLogin_ProbeAnsweredAndBroadcastSeen) {
  ASSERT_TRUE(start_with_users());
  XmppClient bob;
  {
    XmppClient alice;
    ASSERT_TRUE(both_online(alice, bob));
    ASSERT_TRUE(subscribe(alice, kAlice, bob, kBob, "from//", "to//"));
  }
  // §4.2.2-4.3.2: alice comes back and learns bob's current presence by the probe's answer.
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  alice.send("<presence/>");
  std::optional<xmpp::Element> answer = alice.wait_for(presence_from(bob.bound_jid(), ""));
  ASSERT_TRUE(answer) << alice.describe();

  // §4.4.2: bob's later presence reaches alice.
  bob.send("<presence><show>away</show></presence>");
  std::optional<xmpp::Element> away = alice.wait_for([&](const xmpp::Element& stanza) {
    return presence_from(bob.bound_jid(), "")(stanza) && stanza.child_text("show") == "away";
  });
  EXPECT_TRUE(away) << alice.describe();
  // Only subscribers do: bob has no subscription to alice, so he saw nothing of her.
  ASSERT_TRUE(sync(bob));
  EXPECT_FALSE(already_received(bob, presence_from(alice.bound_jid(), ""))) << bob.describe();

  // §4.5.2: bob's unavailable presence too.
  bob.send("<presence type='unavailable'/>");
  EXPECT_TRUE(alice.wait_for(presence_from(bob.bound_jid(), "unavailable"))) << alice.describe();
}

TEST_F(RosterPresenceTest, PreApproval_LaterRequest_ApprovedWithoutAsking) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(both_online(alice, bob));
  // RFC 6121 §3.4: bob approves before alice asks.
  bob.send("<presence to='alice@localhost' type='subscribed'/>");
  EXPECT_EQ(push_state(bob, kAlice, "none//true"), "none//true") << bob.describe();

  alice.send("<presence to='bob@localhost' type='subscribe'/>");
  EXPECT_TRUE(alice.wait_for(presence_from(kBob, "subscribed"))) << alice.describe();
  EXPECT_EQ(push_state(alice, kBob, "to//"), "to//") << alice.describe();
  EXPECT_EQ(push_state(bob, kAlice, "from//"), "from//") << bob.describe();
  EXPECT_TRUE(alice.wait_for(presence_from(bob.bound_jid(), ""))) << alice.describe();
  ASSERT_TRUE(sync(bob));
  EXPECT_FALSE(already_received(bob, presence_from(kAlice, "subscribe"))) << bob.describe();
}

TEST_F(RosterPresenceTest, RequestWhileOffline_RedeliveredAtNextLogin) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(request_roster(alice));
  ASSERT_TRUE(become_available(alice));
  alice.send("<presence to='bob@localhost' type='subscribe'><status>it is me</status></presence>");
  ASSERT_EQ(push_state(alice, kBob, "none/subscribe/"), "none/subscribe/") << alice.describe();

  for (int login_count = 0; login_count < 2; ++login_count) {
    // RFC 6121 §3.1.3: kept, extended content included, until bob answers.
    XmppClient bob;
    ASSERT_TRUE(login(bob, kBob));
    bob.send("<presence/>");
    std::optional<xmpp::Element> request = bob.wait_for(presence_from(kAlice, "subscribe"));
    ASSERT_TRUE(request) << bob.describe();
    EXPECT_EQ(request->child_text("status"), "it is me") << request->str();
    if (login_count == 1) {
      bob.send("<presence to='alice@localhost' type='unsubscribed'/>");
      // A denial ends alice's pending request (A.3.4).
      EXPECT_TRUE(alice.wait_for(presence_from(kBob, "unsubscribed"))) << alice.describe();
      EXPECT_EQ(push_state(alice, kBob, "none//"), "none//") << alice.describe();
    }
  }
  XmppClient bob;
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(become_available(bob));
  ASSERT_TRUE(sync(bob));
  EXPECT_FALSE(already_received(bob, presence_from(kAlice, "subscribe"))) << bob.describe();
}

TEST_F(RosterPresenceTest, DirectedPresence_ToNonContact_DeliveredThenUnavailableOnLogout) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(both_online(alice, bob));
  const std::string alice_full = alice.bound_jid();
  alice.send("<presence to='" + bob.bound_jid() + "'><status>psst</status></presence>");
  std::optional<xmpp::Element> directed = bob.wait_for(presence_from(alice_full, ""));
  ASSERT_TRUE(directed) << bob.describe();
  EXPECT_EQ(directed->child_text("status"), "psst");

  alice.send("<presence to='bob@localhost'/>");
  ASSERT_TRUE(bob.wait_for(presence_from(alice_full, ""))) << bob.describe();
  alice.disconnect();
  // RFC 6121 §4.6.3: those who got directed presence learn that the session ended.
  EXPECT_TRUE(bob.wait_for(presence_from(alice_full, "unavailable"))) << bob.describe();
}

TEST_F(RosterPresenceTest, RemoveContact_SubscriptionsCancelledBothWays) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(both_online(alice, bob));
  ASSERT_TRUE(subscribe(alice, kAlice, bob, kBob, "from//", "to//"));
  ASSERT_TRUE(subscribe(bob, kBob, alice, kAlice, "both//", "both//"));

  std::optional<xmpp::Element> removed =
      roster_set(alice, "<item jid='bob@localhost' subscription='remove'/>");
  ASSERT_TRUE(removed && removed->attr_or("type") == "result") << alice.describe();
  EXPECT_EQ(push_state(alice, kBob, "remove//"), "remove//") << alice.describe();
  // §2.5.2: bob's roster loses both directions, and alice's presence goes away for him.
  EXPECT_EQ(push_state(bob, kAlice, "none//"), "none//") << bob.describe();
  EXPECT_TRUE(bob.wait_for(presence_from(alice.bound_jid(), "unavailable"))) << bob.describe();
}

TEST_F(RosterPresenceTest, SecondResource_SeesOwnPresenceAndPushes) {
  ASSERT_TRUE(start_with_users());
  XmppClient phone;
  XmppClient laptop;
  ASSERT_TRUE(login(phone, kAlice + "/phone"));
  ASSERT_TRUE(login(laptop, kAlice + "/laptop"));
  ASSERT_TRUE(request_roster(laptop));
  ASSERT_TRUE(become_available(phone));
  ASSERT_TRUE(become_available(laptop));
  // RFC 6121 §4.2.2: each resource sees the other's presence, the later one on arrival.
  EXPECT_TRUE(phone.wait_for(presence_from(laptop.bound_jid(), ""))) << phone.describe();
  EXPECT_TRUE(laptop.wait_for(presence_from(phone.bound_jid(), ""))) << laptop.describe();

  // §2.1.6: pushes go to the resources that asked for the roster only.
  ASSERT_TRUE(roster_set(phone, "<item jid='bob@localhost'/>"));
  EXPECT_TRUE(laptop.wait_for(roster_push_for(kBob))) << laptop.describe();
  ASSERT_TRUE(sync(phone));
  EXPECT_FALSE(already_received(phone, roster_push_for(kBob))) << phone.describe();

  laptop.disconnect();
  EXPECT_TRUE(phone.wait_for(presence_from(kAlice + "/laptop", "unavailable"))) << phone.describe();
}

}  // namespace
}  // namespace stoa::test
