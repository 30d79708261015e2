// Creating and configuring rooms (XEP-0045 §10.1, §10.2).

#include "tests/wire/muc_wire_test.hpp"

namespace stoa::test {
namespace {

using MucCreateTest = MucTest;

TEST_F(MucCreateTest, InstantRoom_FirstEntry_Status201AndLockedUntilAccepted) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));

  const std::optional<xmpp::Element> self = join(alice, "lobby", "Alice");
  ASSERT_TRUE(self);
  // §10.1.2: the creator is told the room is new (201) and that this is its own presence (110),
  // and is the room's owner and a moderator.
  EXPECT_TRUE(status_codes(*self).contains(201)) << self->str();
  EXPECT_TRUE(status_codes(*self).contains(110)) << self->str();
  const xmpp::Element* item = muc_user_item(*self);
  ASSERT_NE(item, nullptr) << self->str();
  EXPECT_EQ(item->attr_or("affiliation"), "owner");
  EXPECT_EQ(item->attr_or("role"), "moderator");

  // §10.1.1: until the owner accepts or configures it, the room is locked to everyone else.
  EXPECT_EQ(join_refused(bob, "lobby", "Bob"), "item-not-found");

  const std::optional<xmpp::Element> accepted =
      owner_query(alice, "lobby", "set", "<x xmlns='jabber:x:data' type='submit'/>");
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->attr_or("type"), "result") << accepted->str();

  const std::optional<xmpp::Element> bob_self = join(bob, "lobby", "Bob");
  ASSERT_TRUE(bob_self);
  EXPECT_FALSE(status_codes(*bob_self).contains(201)) << bob_self->str();
}

TEST_F(MucCreateTest, ReservedRoom_FormRequestedAndSubmitted_RoomOpensConfigured) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));

  const std::optional<xmpp::Element> self = join(alice, "salon", "Alice");
  ASSERT_TRUE(self);
  ASSERT_TRUE(status_codes(*self).contains(201));
  // §10.1.3: the owner asks for the configuration form...
  const std::optional<xmpp::Element> form_reply = config_form(alice, "salon");
  ASSERT_TRUE(form_reply);
  ASSERT_EQ(form_reply->attr_or("type"), "result") << form_reply->str();
  const xmpp::Element* query = form_reply->child("query", kMucOwnerNs);
  ASSERT_NE(query, nullptr);
  const xmpp::Element* form = data_form(*query);
  ASSERT_NE(form, nullptr) << form_reply->str();
  EXPECT_EQ(form->attr_or("type"), "form");
  EXPECT_EQ(form_value(*form, "FORM_TYPE"), "http://jabber.org/protocol/muc#roomconfig");
  // ...still locked while it is being configured...
  EXPECT_EQ(join_refused(bob, "salon", "Bob"), "item-not-found");
  // ...and submits it, which opens the room with that configuration.
  const std::optional<xmpp::Element> submitted =
      configure(alice, "salon", {{"muc#roomconfig_roomname", {"The Salon"}}});
  ASSERT_TRUE(submitted);
  EXPECT_EQ(submitted->attr_or("type"), "result") << submitted->str();

  ASSERT_TRUE(join(bob, "salon", "Bob"));
  const std::optional<xmpp::Element> info = disco_info(bob, room_jid("salon"));
  ASSERT_TRUE(info);
  const xmpp::Element* identity = info->child("query", kDiscoInfoNs)
                                      ? info->child("query", kDiscoInfoNs)->child("identity")
                                      : nullptr;
  ASSERT_NE(identity, nullptr) << info->str();
  EXPECT_EQ(identity->attr_or("name"), "The Salon");
}

TEST_F(MucCreateTest, ReservedRoom_OwnerCancels_RoomDestroyed) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(join(alice, "salon", "Alice"));
  ASSERT_TRUE(config_form(alice, "salon"));

  // §10.1.3: cancelling the initial configuration destroys the room.
  const std::optional<xmpp::Element> cancelled =
      owner_query(alice, "salon", "set", "<x xmlns='jabber:x:data' type='cancel'/>");
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->attr_or("type"), "result") << cancelled->str();

  // Whoever enters next creates it anew.
  const std::optional<xmpp::Element> bob_self = join(bob, "salon", "Bob");
  ASSERT_TRUE(bob_self);
  EXPECT_TRUE(status_codes(*bob_self).contains(201)) << bob_self->str();
}

TEST_F(MucCreateTest, ConfigForm_ListsEveryRequiredField) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lobby"));

  const std::optional<xmpp::Element> reply = config_form(alice, "lobby");
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->attr_or("type"), "result") << reply->str();
  const xmpp::Element* form = data_form(*reply->child("query", kMucOwnerNs));
  ASSERT_NE(form, nullptr) << reply->str();
  // The muc#roomconfig fields of XEP-0045 §10.2 / §15.5.3 that issue 3 requires.
  for (const char* var :
       {"muc#roomconfig_roomname", "muc#roomconfig_roomdesc", "muc#roomconfig_persistentroom",
        "muc#roomconfig_publicroom", "muc#roomconfig_membersonly", "muc#roomconfig_moderatedroom",
        "muc#roomconfig_passwordprotectedroom", "muc#roomconfig_roomsecret", "muc#roomconfig_whois",
        "muc#roomconfig_maxusers", "muc#roomconfig_allowinvites", "muc#roomconfig_allowpm",
        "muc#roomconfig_changesubject", "muc#roomconfig_enablelogging",
        "muc#roomconfig_getmemberlist", "muc#roomconfig_presencebroadcast", "muc#maxhistoryfetch",
        "muc#roomconfig_roomowners", "muc#roomconfig_roomadmins"}) {
    EXPECT_NE(form_field(*form, var), nullptr) << "no field " << var << " in " << form->str();
  }
  // The current values: a new instant room is temporary.
  EXPECT_EQ(form_value(*form, "muc#roomconfig_persistentroom"), "0") << form->str();
  // The owner list holds the creator.
  const xmpp::Element* owners = form_field(*form, "muc#roomconfig_roomowners");
  ASSERT_NE(owners, nullptr);
  bool creator_listed = false;
  for (const xmpp::Element* value : owners->children("value", kDataNs)) {
    creator_listed = creator_listed || value->text() == kAlice;
  }
  EXPECT_TRUE(creator_listed) << owners->str();
}

TEST_F(MucCreateTest, Configure_InvalidValues_RefusedAndConfigurationKept) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lobby"));

  // §10.2: an invalid value gets bad-request or not-acceptable (jid-malformed, RFC 6120 §8.3.3.8,
  // is as precise for a JID that does not parse), and changes nothing.
  const Form invalid[] = {
      {{"muc#roomconfig_maxusers", {"lots"}}},
      {{"muc#roomconfig_whois", {"everybody"}}},
      {{"muc#roomconfig_allowpm", {"sometimes"}}},
      {{"muc#roomconfig_membersonly", {"perhaps"}}},
      {{"muc#roomconfig_roomowners", {"not a jid@@"}}},
  };
  for (const Form& form : invalid) {
    const std::optional<xmpp::Element> reply = configure(alice, "lobby", form);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->attr_or("type"), "error") << form[0].var << ": " << reply->str();
    const std::string condition = stanza_error_condition(*reply);
    EXPECT_TRUE(condition == "bad-request" || condition == "not-acceptable" ||
                (condition == "jid-malformed" && form[0].var == "muc#roomconfig_roomowners"))
        << form[0].var << ": " << reply->str();
  }
  // A refused form applies none of its fields, even the valid ones.
  const std::optional<xmpp::Element> mixed =
      configure(alice, "lobby",
                {{"muc#roomconfig_roomname", {"Renamed"}}, {"muc#roomconfig_maxusers", {"x"}}});
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->attr_or("type"), "error");
  const std::optional<xmpp::Element> reply = config_form(alice, "lobby");
  ASSERT_TRUE(reply);
  const xmpp::Element* form = data_form(*reply->child("query", kMucOwnerNs));
  ASSERT_NE(form, nullptr);
  EXPECT_NE(form_value(*form, "muc#roomconfig_roomname"), "Renamed");
  EXPECT_EQ(form_value(*form, "muc#roomconfig_whois"), "moderators");
}

TEST_F(MucCreateTest, Configure_ByNonOwner_Forbidden) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lobby"));

  // §10.2: only owners may see or submit the configuration form.
  const std::optional<xmpp::Element> get = config_form(bob, "lobby");
  ASSERT_TRUE(get);
  EXPECT_EQ(stanza_error_condition(*get), "forbidden") << get->str();
  const std::optional<xmpp::Element> set =
      configure(bob, "lobby", {{"muc#roomconfig_roomname", {"Mine"}}});
  ASSERT_TRUE(set);
  EXPECT_EQ(stanza_error_condition(*set), "forbidden") << set->str();
}

TEST_F(MucCreateTest, RoomCreation_AdminsOnly_OthersNotAllowed) {
  ASSERT_TRUE(start_muc({{"muc.room_creation", toml_string("admins")}}));
  XmppClient alice;
  XmppClient boss;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(boss, kBoss));

  // §10.1.1: a user who may not create rooms gets not-allowed.
  EXPECT_EQ(join_refused(alice, "lobby", "Alice"), "not-allowed");
  EXPECT_TRUE(create_instant_room(boss, "lobby", "Boss"));
  // Once it exists, others may enter.
  EXPECT_TRUE(join(alice, "lobby", "Alice"));
}

TEST_F(MucCreateTest, RoomCreation_List_OnlyListedUsersCreate) {
  ASSERT_TRUE(start_muc({{"muc.room_creation", toml_string("list")},
                         {"muc.room_creators", "[" + toml_string(kBob) + "]"}}));
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  EXPECT_EQ(join_refused(alice, "lobby", "Alice"), "not-allowed");
  EXPECT_TRUE(create_instant_room(bob, "lobby", "Bob"));
}

}  // namespace
}  // namespace stoa::test
