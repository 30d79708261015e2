// Roles and affiliations: kick, ban, voice, the affiliation lists, voice requests and the powers
// of service administrators (XEP-0045 §7.13, §8, §9, §10).

#include "tests/wire/muc_wire_test.hpp"

namespace stoa::test {
namespace {

using MucModerationTest = MucTest;

/// The JIDs of the items of a muc#admin list result.
std::set<std::string> listed_jids(const xmpp::Element& reply) {
  std::set<std::string> jids;
  if (const xmpp::Element* query = reply.child("query", kMucAdminNs)) {
    for (const xmpp::Element* item : query->children("item", kMucAdminNs)) {
      jids.insert(item->attr_or("jid"));
    }
  }
  return jids;
}

StanzaPredicate role_presence(std::string room, std::string nick, std::string role) {
  const StanzaPredicate from = occupant_presence(std::move(room), std::move(nick), "");
  return [from, role](const xmpp::Element& stanza) {
    const xmpp::Element* item = muc_user_item(stanza);
    return from(stanza) && item && item->attr_or("role") == role;
  };
}

StanzaPredicate message_error_from(std::string from) {
  return [from](const xmpp::Element& stanza) {
    return stanza.name() == "message" && stanza.attr_or("type") == "error" &&
           stanza.attr_or("from") == from;
  };
}

std::string result_or_error(const std::optional<xmpp::Element>& reply) {
  if (!reply) {
    return "no reply";
  }
  return reply->attr_or("type") == "error" ? stanza_error_condition(*reply)
                                           : reply->attr_or("type");
}

TEST_F(MucModerationTest, Kick_Status307ToAll_KickedMayReturn) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lobby"));

  // §8.2.
  EXPECT_EQ(result_or_error(admin_query(alice, "lobby", "set",
                                        "<item nick='Bob' role='none'><reason>Be nice</reason>"
                                        "</item>")),
            "result");
  const std::optional<xmpp::Element> kicked =
      bob.wait_for(occupant_presence("lobby", "Bob", "unavailable"));
  ASSERT_TRUE(kicked) << bob.describe();
  EXPECT_TRUE(status_codes(*kicked).contains(307)) << kicked->str();
  EXPECT_TRUE(status_codes(*kicked).contains(110)) << kicked->str();
  const xmpp::Element* item = muc_user_item(*kicked);
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(item->attr_or("role"), "none");
  EXPECT_EQ(item->child_text("reason", kMucUserNs), "Be nice") << kicked->str();
  const std::optional<xmpp::Element> seen =
      alice.wait_for(occupant_presence("lobby", "Bob", "unavailable"));
  ASSERT_TRUE(seen) << alice.describe();
  EXPECT_TRUE(status_codes(*seen).contains(307)) << seen->str();

  // Kicking is not banning.
  EXPECT_TRUE(join(bob, "lobby", "Bob"));
}

TEST_F(MucModerationTest, Kick_ByParticipant_Forbidden_OwnerByModerator_NotAllowed) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  XmppClient carol;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(login(carol, kCarol));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));
  ASSERT_TRUE(join(bob, "lobby", "Bob"));
  ASSERT_TRUE(join(carol, "lobby", "Carol"));

  // §8.2: only moderators kick...
  EXPECT_EQ(result_or_error(admin_query(bob, "lobby", "set", "<item nick='Carol' role='none'/>")),
            "forbidden");
  // ...and nobody kicks an owner (not-allowed), even an admin who is a moderator.
  ASSERT_EQ(result_or_error(admin_query(alice, "lobby", "set",
                                        "<item affiliation='admin' jid='" + kBob + "'/>")),
            "result");
  EXPECT_EQ(result_or_error(admin_query(bob, "lobby", "set", "<item nick='Alice' role='none'/>")),
            "not-allowed");
}

TEST_F(MucModerationTest, Ban_Status301_ThenForbidden_AbsentUserToo) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  XmppClient dave;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(login(dave, kDave));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));
  ASSERT_TRUE(join(bob, "lobby", "Bob"));

  // §9.1: banning an occupant removes him with 301.
  EXPECT_EQ(result_or_error(admin_query(
                alice, "lobby", "set",
                "<item affiliation='outcast' jid='" + kBob + "'><reason>Spam</reason></item>")),
            "result");
  const std::optional<xmpp::Element> banned =
      bob.wait_for(occupant_presence("lobby", "Bob", "unavailable"));
  ASSERT_TRUE(banned) << bob.describe();
  EXPECT_TRUE(status_codes(*banned).contains(301)) << banned->str();
  const xmpp::Element* item = muc_user_item(*banned);
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(item->attr_or("affiliation"), "outcast");
  const std::optional<xmpp::Element> seen =
      alice.wait_for(occupant_presence("lobby", "Bob", "unavailable"));
  ASSERT_TRUE(seen) << alice.describe();
  EXPECT_TRUE(status_codes(*seen).contains(301)) << seen->str();

  // §7.2.7: a banned user may not enter.
  EXPECT_EQ(join_refused(bob, "lobby", "Bob"), "forbidden");
  // Banning works for users who are not there.
  EXPECT_EQ(result_or_error(admin_query(alice, "lobby", "set",
                                        "<item affiliation='outcast' jid='" + kDave + "'/>")),
            "result");
  EXPECT_EQ(join_refused(dave, "lobby", "Dave"), "forbidden");

  // §9.2: the ban list.
  const std::optional<xmpp::Element> list =
      admin_query(alice, "lobby", "get", "<item affiliation='outcast'/>");
  ASSERT_TRUE(list);
  EXPECT_EQ(listed_jids(*list), (std::set<std::string>{kBob, kDave})) << list->str();
}

TEST_F(MucModerationTest, Voice_ModeratedRoom_VisitorSilentUntilGrantedAndAfterRevoked) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_room(alice, "stage", "Alice", {{"muc#roomconfig_moderatedroom", {"1"}}}));

  // §7.1.4 (default roles): in a moderated room, newcomers are visitors...
  const std::optional<xmpp::Element> self = join(bob, "stage", "Bob");
  ASSERT_TRUE(self);
  ASSERT_NE(muc_user_item(*self), nullptr);
  EXPECT_EQ(muc_user_item(*self)->attr_or("role"), "visitor");
  // ...who may not speak (§7.4: forbidden).
  say(bob, "stage", "may i");
  const std::optional<xmpp::Element> refused = bob.wait_for(message_error_from(room_jid("stage")));
  ASSERT_TRUE(refused) << bob.describe();
  EXPECT_EQ(stanza_error_condition(*refused), "forbidden") << refused->str();

  // §8.3: granting voice makes him a participant, and everyone is told.
  EXPECT_EQ(
      result_or_error(admin_query(alice, "stage", "set", "<item nick='Bob' role='participant'/>")),
      "result");
  EXPECT_TRUE(bob.wait_for(role_presence("stage", "Bob", "participant"))) << bob.describe();
  EXPECT_TRUE(alice.wait_for(role_presence("stage", "Bob", "participant"))) << alice.describe();
  ASSERT_TRUE(say_and_wait(bob, "stage", "thank you"));
  EXPECT_TRUE(alice.wait_for(groupchat("stage", "thank you"))) << alice.describe();

  // §8.4: revoking it.
  EXPECT_EQ(
      result_or_error(admin_query(alice, "stage", "set", "<item nick='Bob' role='visitor'/>")),
      "result");
  EXPECT_TRUE(bob.wait_for(role_presence("stage", "Bob", "visitor"))) << bob.describe();
  say(bob, "stage", "again");
  const std::optional<xmpp::Element> silenced = bob.wait_for(message_error_from(room_jid("stage")));
  ASSERT_TRUE(silenced) << bob.describe();
  EXPECT_EQ(stanza_error_condition(*silenced), "forbidden");
}

TEST_F(MucModerationTest, VoiceRequest_ModeratorApproves_VisitorBecomesParticipant) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_room(alice, "stage", "Alice", {{"muc#roomconfig_moderatedroom", {"1"}}}));
  ASSERT_TRUE(join(bob, "stage", "Bob"));

  // §7.13: the visitor asks for voice with a muc#request form...
  bob.send("<message to='" + room_jid("stage") + "'>" +
           form_xml({{"muc#role", {"participant"}}}, "http://jabber.org/protocol/muc#request") +
           "</message>");
  // ...which moderators receive from the room, to approve.
  const std::optional<xmpp::Element> request = alice.wait_for([](const xmpp::Element& stanza) {
    const xmpp::Element* form = data_form(stanza);
    return stanza.name() == "message" && stanza.attr_or("from") == room_jid("stage") && form &&
           form_value(*form, "FORM_TYPE") == "http://jabber.org/protocol/muc#request";
  });
  ASSERT_TRUE(request) << alice.describe();
  const xmpp::Element& form = *data_form(*request);
  EXPECT_EQ(form.attr_or("type"), "form");
  EXPECT_EQ(form_value(form, "muc#role"), "participant");
  EXPECT_EQ(form_value(form, "muc#roomnick"), "Bob");
  EXPECT_NE(form_field(form, "muc#request_allow"), nullptr) << form.str();

  alice.send("<message to='" + room_jid("stage") + "'>" +
             form_xml({{"muc#role", {"participant"}},
                       {"muc#jid", {form_value(form, "muc#jid")}},
                       {"muc#roomnick", {"Bob"}},
                       {"muc#request_allow", {"true"}}},
                      "http://jabber.org/protocol/muc#request") +
             "</message>");
  EXPECT_TRUE(bob.wait_for(role_presence("stage", "Bob", "participant"))) << bob.describe();
}

TEST_F(MucModerationTest, AffiliationLists_BulkChangeThenQueries) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lobby"));

  // §9.5, §10.6: several items in one request, for users who are not in the room.
  ASSERT_EQ(result_or_error(admin_query(alice, "lobby", "set",
                                        "<item affiliation='member' jid='" + kBob +
                                            "'/><item affiliation='member' jid='" + kCarol +
                                            "'/><item affiliation='admin' jid='" + kDave + "'/>")),
            "result");
  auto list = [&](const std::string& affiliation) {
    const std::optional<xmpp::Element> reply =
        admin_query(alice, "lobby", "get", "<item affiliation='" + affiliation + "'/>");
    EXPECT_TRUE(reply && reply->attr_or("type") == "result") << (reply ? reply->str() : "no reply");
    return reply ? listed_jids(*reply) : std::set<std::string>{};
  };
  EXPECT_EQ(list("member"), (std::set<std::string>{kBob, kCarol}));
  EXPECT_EQ(list("admin"), (std::set<std::string>{kDave}));
  EXPECT_EQ(list("owner"), (std::set<std::string>{kAlice}));

  // Bulk again: one removed, one promoted.
  ASSERT_EQ(result_or_error(admin_query(alice, "lobby", "set",
                                        "<item affiliation='none' jid='" + kBob +
                                            "'/><item affiliation='admin' jid='" + kCarol + "'/>")),
            "result");
  EXPECT_EQ(list("member"), std::set<std::string>{});
  EXPECT_EQ(list("admin"), (std::set<std::string>{kCarol, kDave}));

  // An unknown affiliation is a bad request, and changes nothing of the batch.
  EXPECT_EQ(result_or_error(admin_query(alice, "lobby", "set",
                                        "<item affiliation='member' jid='" + kBob +
                                            "'/><item affiliation='king' jid='" + kDave + "'/>")),
            "bad-request");
  EXPECT_EQ(list("member"), std::set<std::string>{});
}

TEST_F(MucModerationTest, AffiliationChange_ByNonAdmin_Forbidden) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lobby"));

  // §9: only admins and owners change affiliations; §10.3: only owners make owners.
  EXPECT_EQ(result_or_error(admin_query(bob, "lobby", "set",
                                        "<item affiliation='member' jid='" + kCarol + "'/>")),
            "forbidden");
  ASSERT_EQ(result_or_error(admin_query(alice, "lobby", "set",
                                        "<item affiliation='admin' jid='" + kBob + "'/>")),
            "result");
  EXPECT_EQ(result_or_error(admin_query(bob, "lobby", "set",
                                        "<item affiliation='owner' jid='" + kCarol + "'/>")),
            "forbidden");
  EXPECT_EQ(result_or_error(admin_query(bob, "lobby", "set",
                                        "<item affiliation='member' jid='" + kCarol + "'/>")),
            "result");
}

TEST_F(MucModerationTest, AffiliationChange_OccupantPresenceUpdated) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lobby"));

  // §9.3 / §10.7: an occupant's new affiliation (and the role that goes with it) is broadcast.
  ASSERT_EQ(result_or_error(admin_query(alice, "lobby", "set",
                                        "<item affiliation='admin' jid='" + kBob + "'/>")),
            "result");
  const std::optional<xmpp::Element> update =
      alice.wait_for(role_presence("lobby", "Bob", "moderator"));
  ASSERT_TRUE(update) << alice.describe();
  EXPECT_EQ(muc_user_item(*update)->attr_or("affiliation"), "admin");
}

TEST_F(MucModerationTest, ModeratorList_Query) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lobby"));

  // §8.5: the moderator list, by role.
  const std::optional<xmpp::Element> reply =
      admin_query(alice, "lobby", "get", "<item role='moderator'/>");
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->attr_or("type"), "result") << reply->str();
  std::set<std::string> nicks;
  for (const xmpp::Element* item :
       reply->child("query", kMucAdminNs)->children("item", kMucAdminNs)) {
    nicks.insert(item->attr_or("nick"));
    EXPECT_EQ(item->attr_or("role"), "moderator");
  }
  EXPECT_EQ(nicks, std::set<std::string>{"Alice"});
}

TEST_F(MucModerationTest, ServiceAdmin_ActsAsOwnerOfEveryRoom) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  XmppClient boss;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(login(boss, kBoss));
  ASSERT_TRUE(create_room(alice, "club", "Alice", {{"muc#roomconfig_membersonly", {"1"}}}));

  // Configuration, which only owners may see (bob is refused, the admin is not)...
  EXPECT_EQ(result_or_error(config_form(bob, "club")), "forbidden");
  EXPECT_EQ(result_or_error(config_form(boss, "club")), "result");
  // ...entering a members-only room without being a member...
  const std::optional<xmpp::Element> self = join(boss, "club", "Boss");
  ASSERT_TRUE(self);
  EXPECT_EQ(muc_user_item(*self)->attr_or("role"), "moderator") << self->str();
  // ...affiliations and kicks...
  EXPECT_EQ(result_or_error(admin_query(boss, "club", "set",
                                        "<item affiliation='member' jid='" + kBob + "'/>")),
            "result");
  ASSERT_TRUE(join(bob, "club", "Bob"));
  EXPECT_EQ(result_or_error(admin_query(boss, "club", "set", "<item nick='Bob' role='none'/>")),
            "result");
  // ...and destruction.
  EXPECT_EQ(result_or_error(owner_query(boss, "club", "set", "<destroy/>")), "result");
  EXPECT_TRUE(alice.wait_for(occupant_presence("club", "Alice", "unavailable")))
      << alice.describe();
}

}  // namespace
}  // namespace stoa::test
