// Roster management (RFC 6121 §2): get, set, push, remove.

#include "tests/wire/wire_test.hpp"

namespace stoa::test {
namespace {

class RosterTest : public WireTest {
 protected:
  std::optional<xmpp::Element> roster_get(XmppClient& client) {
    return client.iq(xml("<iq type='get'><query xmlns='jabber:iq:roster'/></iq>"));
  }
};

TEST_F(RosterTest, NewAccount_Get_EmptyRoster) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  const std::optional<xmpp::Element> roster = roster_get(alice);
  ASSERT_TRUE(roster) << alice.describe();
  ASSERT_EQ(roster->attr_or("type"), "result") << roster->str();
  const xmpp::Element* query = roster->child("query", xmpp::ns::kRoster);
  ASSERT_NE(query, nullptr) << roster->str();
  EXPECT_TRUE(query->children("item").empty()) << roster->str();
}

TEST_F(RosterTest, SetItem_PushedAndReturnedByGet) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(request_roster(alice));
  const std::optional<xmpp::Element> set = alice.iq(
      xml("<iq type='set'><query xmlns='jabber:iq:roster'>"
          "<item jid='bob@localhost' name='Bob'><group>Friends</group></item></query></iq>"));
  ASSERT_TRUE(set) << alice.describe();
  EXPECT_EQ(set->attr_or("type"), "result") << set->str();

  // RFC 6121 §2.3.2: the change is pushed to every interested resource, this one included.
  const std::optional<xmpp::Element> push = alice.wait_for(roster_push_for(kBob));
  ASSERT_TRUE(push) << alice.describe();
  alice.acknowledge(*push);
  EXPECT_EQ(roster_item(*push, kBob)->attr_or("subscription", "none"), "none") << push->str();

  const std::optional<xmpp::Element> roster = roster_get(alice);
  ASSERT_TRUE(roster) << alice.describe();
  const xmpp::Element* item = roster_item(*roster, kBob);
  ASSERT_NE(item, nullptr) << roster->str();
  EXPECT_EQ(item->attr_or("name"), "Bob");
  EXPECT_EQ(item->child_text("group"), "Friends");
}

TEST_F(RosterTest, RemoveItem_PushedAndGoneFromGet) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(request_roster(alice));
  const std::optional<xmpp::Element> added = alice.iq(xml(
      "<iq type='set'><query xmlns='jabber:iq:roster'><item jid='bob@localhost'/></query></iq>"));
  ASSERT_TRUE(added && added->attr_or("type") == "result") << alice.describe();
  std::optional<xmpp::Element> push = alice.wait_for(roster_push_for(kBob));
  ASSERT_TRUE(push) << alice.describe();
  alice.acknowledge(*push);

  const std::optional<xmpp::Element> removed =
      alice.iq(xml("<iq type='set'><query xmlns='jabber:iq:roster'>"
                   "<item jid='bob@localhost' subscription='remove'/></query></iq>"));
  ASSERT_TRUE(removed) << alice.describe();
  EXPECT_EQ(removed->attr_or("type"), "result") << removed->str();
  // RFC 6121 §2.5.2: the removal is pushed with subscription='remove'.
  push = alice.wait_for(roster_push_for(kBob));
  ASSERT_TRUE(push) << alice.describe();
  alice.acknowledge(*push);
  EXPECT_EQ(roster_item(*push, kBob)->attr_or("subscription"), "remove") << push->str();

  const std::optional<xmpp::Element> roster = roster_get(alice);
  ASSERT_TRUE(roster) << alice.describe();
  EXPECT_EQ(roster_item(*roster, kBob), nullptr) << roster->str();
}

TEST_F(RosterTest, SetWithTwoItems_BadRequest) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  // RFC 6121 §2.3.3: a roster set must contain exactly one item.
  const std::optional<xmpp::Element> reply =
      alice.iq(xml("<iq type='set'><query xmlns='jabber:iq:roster'>"
                   "<item jid='bob@localhost'/><item jid='carol@localhost'/></query></iq>"));
  ASSERT_TRUE(reply) << alice.describe();
  EXPECT_EQ(reply->attr_or("type"), "error") << reply->str();
  EXPECT_EQ(stanza_error_condition(*reply), "bad-request") << reply->str();
}

TEST_F(RosterTest, Items_SurviveRestart) {
  ASSERT_TRUE(start_with_users());
  {
    XmppClient alice;
    ASSERT_TRUE(login(alice, kAlice));
    const std::optional<xmpp::Element> set =
        alice.iq(xml("<iq type='set'><query xmlns='jabber:iq:roster'>"
                     "<item jid='bob@localhost' name='Bob'/></query></iq>"));
    ASSERT_TRUE(set && set->attr_or("type") == "result") << alice.describe();
  }
  ASSERT_TRUE(server_.restart());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  const std::optional<xmpp::Element> roster = roster_get(alice);
  ASSERT_TRUE(roster) << alice.describe();
  const xmpp::Element* item = roster_item(*roster, kBob);
  ASSERT_NE(item, nullptr) << roster->str();
  EXPECT_EQ(item->attr_or("name"), "Bob");
}

}  // namespace
}  // namespace stoa::test
