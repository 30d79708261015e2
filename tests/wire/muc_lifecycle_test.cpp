// The life of rooms: persistence across a restart of stoad, temporary rooms that end with their
// last occupant, destruction (XEP-0045 §10.9), and the participant update limit of large rooms.

#include "tests/wire/muc_wire_test.hpp"

namespace stoa::test {
namespace {

using MucLifecycleTest = MucTest;

std::set<std::string> features(const xmpp::Element& reply) {
  std::set<std::string> vars;
  if (const xmpp::Element* query = reply.child("query", kDiscoInfoNs)) {
    for (const xmpp::Element* feature : query->children("feature", kDiscoInfoNs)) {
      vars.insert(feature->attr_or("var"));
    }
  }
  return vars;
}

std::set<std::string> listed_jids(const std::optional<xmpp::Element>& reply) {
  std::set<std::string> jids;
  if (const xmpp::Element* query = reply ? reply->child("query", kMucAdminNs) : nullptr) {
    for (const xmpp::Element* item : query->children("item", kMucAdminNs)) {
      jids.insert(item->attr_or("jid"));
    }
  }
  return jids;
}

std::vector<std::string> item_jids(const std::optional<xmpp::Element>& reply) {
  std::vector<std::string> jids;
  if (const xmpp::Element* query = reply ? reply->child("query", kDiscoItemsNs) : nullptr) {
    for (const xmpp::Element* item : query->children("item", kDiscoItemsNs)) {
      jids.push_back(item->attr_or("jid"));
    }
  }
  return jids;
}

TEST_F(MucLifecycleTest, PersistentRoom_StoadRestarts_ConfigAffiliationsSubjectHistorySurvive) {
  ASSERT_TRUE(start_muc());
  {
    XmppClient alice;
    ASSERT_TRUE(login(alice, kAlice));
    ASSERT_TRUE(create_room(alice, "keep", "Alice",
                            {{"muc#roomconfig_persistentroom", {"1"}},
                             {"muc#roomconfig_roomname", {"Kept room"}},
                             {"muc#roomconfig_roomdesc", {"Survives restarts"}},
                             {"muc#roomconfig_membersonly", {"1"}}}));
    ASSERT_EQ(admin_query(alice, "keep", "set",
                          "<item affiliation='member' jid='" + kBob +
                              "'/><item affiliation='outcast' jid='" + kDave + "'/>")
                  ->attr_or("type"),
              "result");
    alice.send("<message type='groupchat' to='" + room_jid("keep") +
               "'><subject>Standing topic</subject></message>");
    ASSERT_TRUE(alice.wait_for(subject_message("keep", "Standing topic"))) << alice.describe();
    ASSERT_TRUE(say_and_wait(alice, "keep", "said before the restart"));
  }
  ASSERT_TRUE(server_.restart());

  XmppClient alice;
  XmppClient bob;
  XmppClient carol;
  XmppClient dave;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(login(carol, kCarol));
  ASSERT_TRUE(login(dave, kDave));

  // The configuration: visible in disco#info, and in the owner's form.
  const std::optional<xmpp::Element> info = disco_info(bob, room_jid("keep"));
  ASSERT_TRUE(info);
  ASSERT_EQ(info->attr_or("type"), "result") << info->str();
  EXPECT_EQ(info->child("query", kDiscoInfoNs)->child("identity")->attr_or("name"), "Kept room");
  EXPECT_TRUE(features(*info).contains("muc_persistent")) << info->str();
  EXPECT_TRUE(features(*info).contains("muc_membersonly")) << info->str();
  const std::optional<xmpp::Element> form_reply = config_form(alice, "keep");
  ASSERT_TRUE(form_reply);
  ASSERT_EQ(form_reply->attr_or("type"), "result") << form_reply->str();
  const xmpp::Element* form = data_form(*form_reply->child("query", kMucOwnerNs));
  ASSERT_NE(form, nullptr);
  EXPECT_EQ(form_value(*form, "muc#roomconfig_roomdesc"), "Survives restarts");

  // The affiliations: the lists, and what they let in or keep out.
  EXPECT_EQ(listed_jids(admin_query(alice, "keep", "get", "<item affiliation='member'/>")),
            std::set<std::string>{kBob});
  EXPECT_EQ(listed_jids(admin_query(alice, "keep", "get", "<item affiliation='owner'/>")),
            std::set<std::string>{kAlice});
  EXPECT_EQ(join_refused(dave, "keep", "Dave"), "forbidden");
  EXPECT_EQ(join_refused(carol, "keep", "Carol"), "registration-required");

  // The subject and the history, for whoever enters; the room is not new.
  const std::optional<xmpp::Element> self = join(bob, "keep", "Bob");
  ASSERT_TRUE(self);
  EXPECT_FALSE(status_codes(*self).contains(201)) << self->str();
  const std::optional<xmpp::Element> subject = bob.wait_for(subject_message("keep"));
  ASSERT_TRUE(subject) << bob.describe();
  EXPECT_EQ(subject->child_text("subject"), "Standing topic");
  EXPECT_TRUE(already_received(bob, groupchat("keep", "said before the restart")))
      << bob.describe();
}

TEST_F(MucLifecycleTest, TemporaryRoom_LastOccupantLeaves_RoomGone) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "fleeting"));
  ASSERT_TRUE(say_and_wait(alice, "fleeting", "soon gone"));
  ASSERT_TRUE(bob.wait_for(groupchat("fleeting", "soon gone"))) << bob.describe();

  ASSERT_TRUE(leave(alice, "fleeting", "Alice"));
  // One occupant left: the room stays.
  const std::optional<xmpp::Element> still = disco_info(alice, room_jid("fleeting"));
  ASSERT_TRUE(still);
  EXPECT_EQ(still->attr_or("type"), "result") << still->str();

  ASSERT_TRUE(leave(bob, "fleeting", "Bob"));
  const std::optional<xmpp::Element> gone = disco_info(alice, room_jid("fleeting"));
  ASSERT_TRUE(gone);
  EXPECT_EQ(stanza_error_condition(*gone), "item-not-found") << gone->str();
  EXPECT_TRUE(item_jids(disco_items(alice, kService)).empty());
  // Entering again creates a new room, without the old one's history.
  const std::optional<xmpp::Element> self = join(alice, "fleeting", "Alice");
  ASSERT_TRUE(self);
  EXPECT_TRUE(status_codes(*self).contains(201)) << self->str();
  ASSERT_TRUE(owner_query(alice, "fleeting", "set", "<x xmlns='jabber:x:data' type='submit'/>"));
  ASSERT_TRUE(join(bob, "fleeting", "Bob"));
  ASSERT_TRUE(bob.wait_for(subject_message("fleeting"))) << bob.describe();
  EXPECT_FALSE(already_received(bob, groupchat("fleeting", "soon gone"))) << bob.describe();
}

TEST_F(MucLifecycleTest, Destroy_OccupantsToldReasonAndAlternateVenue_GoneForGood) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_room(alice, "old", "Alice", {{"muc#roomconfig_persistentroom", {"1"}}}));
  ASSERT_TRUE(join(bob, "old", "Bob"));

  // §10.9: only owners destroy.
  const std::optional<xmpp::Element> refused = owner_query(bob, "old", "set", "<destroy/>");
  ASSERT_TRUE(refused);
  EXPECT_EQ(stanza_error_condition(*refused), "forbidden") << refused->str();

  const std::optional<xmpp::Element> destroyed =
      owner_query(alice, "old", "set",
                  "<destroy jid='" + room_jid("new") + "'><reason>We moved</reason></destroy>");
  ASSERT_TRUE(destroyed);
  EXPECT_EQ(destroyed->attr_or("type"), "result") << destroyed->str();
  for (XmppClient* client : {&alice, &bob}) {
    const std::string nick = client == &alice ? "Alice" : "Bob";
    const std::optional<xmpp::Element> presence =
        client->wait_for(occupant_presence("old", nick, "unavailable"));
    ASSERT_TRUE(presence) << client->describe();
    const xmpp::Element* x = presence->child("x", kMucUserNs);
    ASSERT_NE(x, nullptr) << presence->str();
    const xmpp::Element* item = x->child("item", kMucUserNs);
    ASSERT_NE(item, nullptr) << presence->str();
    EXPECT_EQ(item->attr_or("affiliation"), "none");
    EXPECT_EQ(item->attr_or("role"), "none");
    const xmpp::Element* destroy = x->child("destroy", kMucUserNs);
    ASSERT_NE(destroy, nullptr) << presence->str();
    EXPECT_EQ(destroy->attr_or("jid"), room_jid("new"));
    EXPECT_EQ(destroy->child_text("reason", kMucUserNs), "We moved");
  }
  const std::optional<xmpp::Element> gone = disco_info(bob, room_jid("old"));
  ASSERT_TRUE(gone);
  EXPECT_EQ(stanza_error_condition(*gone), "item-not-found") << gone->str();

  // A destroyed persistent room does not come back with the next start.
  ASSERT_TRUE(server_.restart());
  XmppClient again;
  ASSERT_TRUE(login(again, kBob));
  const std::optional<xmpp::Element> after = disco_info(again, room_jid("old"));
  ASSERT_TRUE(after);
  EXPECT_EQ(stanza_error_condition(*after), "item-not-found") << after->str();
}

TEST_F(MucLifecycleTest, ParticipantUpdateLimit_LargeRoom_JoinsAndLeavesOnlyToModerators) {
  ASSERT_TRUE(start_muc({{"muc.participant_update_limit", "3"}}));
  XmppClient alice;
  XmppClient bob;
  XmppClient carol;
  XmppClient dave;
  XmppClient latecomer;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(login(carol, kCarol));
  ASSERT_TRUE(login(dave, kDave));
  ASSERT_TRUE(login(latecomer, kBob + "/late"));
  ASSERT_TRUE(create_instant_room(alice, "hall", "Alice"));
  ASSERT_TRUE(join(bob, "hall", "Bob"));
  ASSERT_TRUE(join(carol, "hall", "Carol"));
  ASSERT_TRUE(join(dave, "hall", "Dave"));

  // Four occupants, more than the limit of three: a participant entering is announced to the
  // moderators only, and still gets its self-presence.
  ASSERT_TRUE(join(latecomer, "hall", "Late"));
  EXPECT_TRUE(alice.wait_for(occupant_presence("hall", "Late", ""))) << alice.describe();
  ASSERT_TRUE(say_and_wait(alice, "hall", "after the entry"));
  ASSERT_TRUE(carol.wait_for(groupchat("hall", "after the entry"))) << carol.describe();
  EXPECT_FALSE(already_received(carol, occupant_presence("hall", "Late", ""))) << carol.describe();

  // Leaving likewise.
  ASSERT_TRUE(leave(latecomer, "hall", "Late"));
  EXPECT_TRUE(alice.wait_for(occupant_presence("hall", "Late", "unavailable"))) << alice.describe();
  ASSERT_TRUE(say_and_wait(alice, "hall", "after the exit"));
  ASSERT_TRUE(carol.wait_for(groupchat("hall", "after the exit"))) << carol.describe();
  EXPECT_FALSE(already_received(carol, occupant_presence("hall", "Late", "unavailable")))
      << carol.describe();
}

}  // namespace
}  // namespace stoa::test
