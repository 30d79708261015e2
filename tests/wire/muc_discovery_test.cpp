// Invitations and service discovery (XEP-0045 §6, §7.8; XEP-0249; XEP-0059 on disco#items).

#include "tests/wire/muc_wire_test.hpp"

namespace stoa::test {
namespace {

using MucDiscoveryTest = MucTest;

const xmpp::Element* muc_user_child(const xmpp::Element& message, std::string_view name) {
  const xmpp::Element* x = message.child("x", kMucUserNs);
  return x ? x->child(name, kMucUserNs) : nullptr;
}

/// The room JIDs of a disco#items result.
std::vector<std::string> item_jids(const xmpp::Element& reply) {
  std::vector<std::string> jids;
  if (const xmpp::Element* query = reply.child("query", kDiscoItemsNs)) {
    for (const xmpp::Element* item : query->children("item", kDiscoItemsNs)) {
      jids.push_back(item->attr_or("jid"));
    }
  }
  return jids;
}

std::set<std::string> features(const xmpp::Element& reply) {
  std::set<std::string> vars;
  if (const xmpp::Element* query = reply.child("query", kDiscoInfoNs)) {
    for (const xmpp::Element* feature : query->children("feature", kDiscoInfoNs)) {
      vars.insert(feature->attr_or("var"));
    }
  }
  return vars;
}

TEST_F(MucDiscoveryTest, MediatedInvitation_DeliveredByRoom_DeclineReturnsToInviter) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  // The invitation and the decline go to bare JIDs: to the available resources (RFC 6121 §8.5).
  ASSERT_TRUE(become_available(alice));
  ASSERT_TRUE(become_available(bob));
  ASSERT_TRUE(create_room(alice, "vault", "Alice",
                          {{"muc#roomconfig_passwordprotectedroom", {"1"}},
                           {"muc#roomconfig_roomsecret", {"open sesame"}}}));

  // §7.8.2: the occupant sends the invitation to the room, which sends it on from itself.
  alice.send("<message to='" + room_jid("vault") +
             "'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='" + kBob +
             "'><reason>Come in</reason></invite></x></message>");
  const std::optional<xmpp::Element> invitation = bob.wait_for([](const xmpp::Element& stanza) {
    return stanza.name() == "message" && stanza.attr_or("from") == room_jid("vault") &&
           muc_user_child(stanza, "invite");
  });
  ASSERT_TRUE(invitation) << bob.describe();
  const xmpp::Element* invite = muc_user_child(*invitation, "invite");
  EXPECT_EQ(bare_jid(invite->attr_or("from")), kAlice) << invitation->str();
  EXPECT_EQ(invite->child_text("reason", kMucUserNs), "Come in");
  // The room's password goes with the invitation to a password-protected room.
  const xmpp::Element* password = muc_user_child(*invitation, "password");
  ASSERT_NE(password, nullptr) << invitation->str();
  EXPECT_EQ(password->text(), "open sesame");

  // §7.8.2 (decline): sent to the room, which passes it to the inviter.
  bob.send("<message to='" + room_jid("vault") +
           "'><x xmlns='http://jabber.org/protocol/muc#user'><decline to='" + kAlice +
           "'><reason>Busy</reason></decline></x></message>");
  const std::optional<xmpp::Element> declined = alice.wait_for([](const xmpp::Element& stanza) {
    return stanza.name() == "message" && stanza.attr_or("from") == room_jid("vault") &&
           muc_user_child(stanza, "decline");
  });
  ASSERT_TRUE(declined) << alice.describe();
  const xmpp::Element* decline = muc_user_child(*declined, "decline");
  EXPECT_EQ(bare_jid(decline->attr_or("from")), kBob) << declined->str();
  EXPECT_EQ(decline->child_text("reason", kMucUserNs), "Busy");
}

TEST_F(MucDiscoveryTest, MediatedInvitation_ParticipantWhenInvitesNotAllowed_Forbidden) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(
      create_room(alice, "club", "Alice",
                  {{"muc#roomconfig_membersonly", {"1"}}, {"muc#roomconfig_allowinvites", {"0"}}}));
  ASSERT_EQ(admin_query(alice, "club", "set", "<item affiliation='member' jid='" + kBob + "'/>")
                ->attr_or("type"),
            "result");
  ASSERT_TRUE(join(bob, "club", "Bob"));

  // §7.8.2: without muc#roomconfig_allowinvites only admins and owners invite.
  bob.send("<message to='" + room_jid("club") +
           "'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='" + kCarol +
           "'/></x></message>");
  const std::optional<xmpp::Element> error = bob.wait_for([](const xmpp::Element& stanza) {
    return stanza.name() == "message" && stanza.attr_or("type") == "error" &&
           stanza.attr_or("from") == room_jid("club");
  });
  ASSERT_TRUE(error) << bob.describe();
  EXPECT_EQ(stanza_error_condition(*error), "forbidden") << error->str();
}

TEST_F(MucDiscoveryTest, DirectInvitation_PassesThroughUnchanged) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(become_available(bob));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));

  // XEP-0249: a direct invitation is a plain message between users.
  alice.send("<message to='" + bob.bound_jid() + "'><x xmlns='jabber:x:conference' jid='" +
             room_jid("lobby") + "' reason='Join us'/></message>");
  const std::optional<xmpp::Element> message = bob.wait_for(message_from(kAlice));
  ASSERT_TRUE(message) << bob.describe();
  const xmpp::Element* x = message->child("x", "jabber:x:conference");
  ASSERT_NE(x, nullptr) << message->str();
  EXPECT_EQ(x->attr_or("jid"), room_jid("lobby"));
  EXPECT_EQ(x->attr_or("reason"), "Join us");
}

TEST_F(MucDiscoveryTest, ServiceInfo_ConferenceIdentityAndMucFeature) {
  ASSERT_TRUE(start_muc());
  XmppClient bob;
  ASSERT_TRUE(login(bob, kBob));
  // §6.1.
  const std::optional<xmpp::Element> info = disco_info(bob, kService);
  ASSERT_TRUE(info);
  ASSERT_EQ(info->attr_or("type"), "result") << info->str();
  const xmpp::Element* identity = info->child("query", kDiscoInfoNs)->child("identity");
  ASSERT_NE(identity, nullptr) << info->str();
  EXPECT_EQ(identity->attr_or("category"), "conference");
  EXPECT_EQ(identity->attr_or("type"), "text");
  EXPECT_TRUE(features(*info).contains("http://jabber.org/protocol/muc")) << info->str();
}

TEST_F(MucDiscoveryTest, ServiceItems_PublicRoomsOnly_PagedWithRsm) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  for (const char* room : {"alpha", "beta", "gamma"}) {
    ASSERT_TRUE(create_instant_room(alice, room, "Alice"));
  }
  ASSERT_TRUE(create_room(alice, "hidden", "Alice", {{"muc#roomconfig_publicroom", {"0"}}}));

  // §6.3: the public rooms, not the hidden one.
  const std::optional<xmpp::Element> all = disco_items(bob, kService);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->attr_or("type"), "result") << all->str();
  std::vector<std::string> listed = item_jids(*all);
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed,
            (std::vector<std::string>{room_jid("alpha"), room_jid("beta"), room_jid("gamma")}));

  // XEP-0059 §2.1/§2.2: pages of two, with the total count, then the rest after the last.
  const std::optional<xmpp::Element> first_page =
      disco_items(bob, kService, "<set xmlns='http://jabber.org/protocol/rsm'><max>2</max></set>");
  ASSERT_TRUE(first_page);
  ASSERT_EQ(first_page->attr_or("type"), "result") << first_page->str();
  const std::vector<std::string> first = item_jids(*first_page);
  EXPECT_EQ(first.size(), 2u) << first_page->str();
  const xmpp::Element* set = first_page->child("query", kDiscoItemsNs)->child("set", kRsmNs);
  ASSERT_NE(set, nullptr) << first_page->str();
  EXPECT_EQ(set->child_text("count", kRsmNs), "3");
  const std::string last = set->child_text("last", kRsmNs);
  ASSERT_FALSE(last.empty()) << first_page->str();

  const std::optional<xmpp::Element> second_page = disco_items(
      bob, kService,
      "<set xmlns='http://jabber.org/protocol/rsm'><max>2</max><after>" + last + "</after></set>");
  ASSERT_TRUE(second_page);
  ASSERT_EQ(second_page->attr_or("type"), "result") << second_page->str();
  const std::vector<std::string> second = item_jids(*second_page);
  ASSERT_EQ(second.size(), 1u) << second_page->str();
  std::vector<std::string> paged = first;
  paged.push_back(second[0]);
  std::sort(paged.begin(), paged.end());
  EXPECT_EQ(paged, listed);
}

TEST_F(MucDiscoveryTest, RoomInfo_FeaturesFollowConfiguration_RoomInfoForm) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_room(alice, "strict", "Alice",
                          {{"muc#roomconfig_roomname", {"Strict room"}},
                           {"muc#roomconfig_roomdesc", {"Rules apply"}},
                           {"muc#roomconfig_persistentroom", {"1"}},
                           {"muc#roomconfig_publicroom", {"0"}},
                           {"muc#roomconfig_membersonly", {"1"}},
                           {"muc#roomconfig_moderatedroom", {"1"}},
                           {"muc#roomconfig_passwordprotectedroom", {"1"}},
                           {"muc#roomconfig_roomsecret", {"pw"}},
                           {"muc#roomconfig_whois", {"anyone"}}}));
  alice.send("<message type='groupchat' to='" + room_jid("strict") +
             "'><subject>Today's rules</subject></message>");
  ASSERT_TRUE(alice.wait_for(subject_message("strict", "Today's rules"))) << alice.describe();
  ASSERT_TRUE(create_instant_room(alice, "easy", "Alice"));

  // §6.4: identity, features per configuration, and the muc#roominfo form (XEP-0128).
  const std::optional<xmpp::Element> strict = disco_info(bob, room_jid("strict"));
  ASSERT_TRUE(strict);
  ASSERT_EQ(strict->attr_or("type"), "result") << strict->str();
  const xmpp::Element* query = strict->child("query", kDiscoInfoNs);
  const xmpp::Element* identity = query->child("identity");
  ASSERT_NE(identity, nullptr) << strict->str();
  EXPECT_EQ(identity->attr_or("category"), "conference");
  EXPECT_EQ(identity->attr_or("name"), "Strict room");
  const std::set<std::string> strict_features = features(*strict);
  for (const char* var :
       {"http://jabber.org/protocol/muc", "muc_persistent", "muc_hidden", "muc_membersonly",
        "muc_moderated", "muc_passwordprotected", "muc_nonanonymous", "urn:xmpp:occupant-id:0"}) {
    EXPECT_TRUE(strict_features.contains(var)) << "no " << var << " in " << strict->str();
  }
  for (const char* var : {"muc_temporary", "muc_public", "muc_open", "muc_unmoderated",
                          "muc_unsecured", "muc_semianonymous"}) {
    EXPECT_FALSE(strict_features.contains(var)) << var << " in " << strict->str();
  }
  const xmpp::Element* form = data_form(*query);
  ASSERT_NE(form, nullptr) << strict->str();
  EXPECT_EQ(form_value(*form, "FORM_TYPE"), "http://jabber.org/protocol/muc#roominfo");
  EXPECT_EQ(form_value(*form, "muc#roominfo_description"), "Rules apply");
  EXPECT_EQ(form_value(*form, "muc#roominfo_subject"), "Today's rules");
  EXPECT_EQ(form_value(*form, "muc#roominfo_occupants"), "1");

  const std::optional<xmpp::Element> easy = disco_info(bob, room_jid("easy"));
  ASSERT_TRUE(easy);
  const std::set<std::string> easy_features = features(*easy);
  for (const char* var : {"muc_temporary", "muc_public", "muc_open", "muc_unmoderated",
                          "muc_unsecured", "muc_semianonymous"}) {
    EXPECT_TRUE(easy_features.contains(var)) << "no " << var << " in " << easy->str();
  }
  for (const char* var : {"muc_persistent", "muc_hidden", "muc_membersonly", "muc_moderated",
                          "muc_passwordprotected", "muc_nonanonymous"}) {
    EXPECT_FALSE(easy_features.contains(var)) << var << " in " << easy->str();
  }
}

TEST_F(MucDiscoveryTest, RoomInfo_LoggedRoom_AdvertisesMam) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(create_room(alice, "logged", "Alice", {{"muc#roomconfig_enablelogging", {"1"}}}));
  // Issue 3 (disco#info of a room) and XEP-0313 §6.1: a room whose archive MAM serves says so.
  const std::optional<xmpp::Element> info = disco_info(alice, room_jid("logged"));
  ASSERT_TRUE(info);
  EXPECT_TRUE(features(*info).contains("urn:xmpp:mam:2")) << info->str();
}

TEST_F(MucDiscoveryTest, RoomInfo_NoSuchRoom_ItemNotFound) {
  ASSERT_TRUE(start_muc());
  XmppClient bob;
  ASSERT_TRUE(login(bob, kBob));
  const std::optional<xmpp::Element> info = disco_info(bob, room_jid("nowhere"));
  ASSERT_TRUE(info);
  EXPECT_EQ(stanza_error_condition(*info), "item-not-found") << info->str();
}

}  // namespace
}  // namespace stoa::test
