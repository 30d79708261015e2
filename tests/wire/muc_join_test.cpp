// Entering, being in and leaving a room (XEP-0045 §7.1 to §7.7, §7.14).

#include "tests/wire/muc_wire_test.hpp"

namespace stoa::test {
namespace {

using MucJoinTest = MucTest;

/// The <delay/> stamp (XEP-0203) of a history message, "" without one.
std::string delay_stamp(const xmpp::Element& message) {
  const xmpp::Element* delay = message.child("delay", kDelayNs);
  return delay ? delay->attr_or("stamp") : std::string();
}

TEST_F(MucJoinTest, PasswordRoom_RightPasswordEnters_WrongOrMissingNotAuthorized) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_room(alice, "vault", "Alice",
                          {{"muc#roomconfig_passwordprotectedroom", {"1"}},
                           {"muc#roomconfig_roomsecret", {"open sesame"}}}));

  // §7.2.5: a wrong or missing password is refused with not-authorized.
  EXPECT_EQ(join_refused(bob, "vault", "Bob"), "not-authorized");
  EXPECT_EQ(join_refused(bob, "vault", "Bob", "<password>open barley</password>"),
            "not-authorized");
  EXPECT_TRUE(join(bob, "vault", "Bob", "<password>open sesame</password>"));
}

TEST_F(MucJoinTest, History_MaxStanzas_NewestOnesWithDelayBeforeSubject) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));
  for (const char* body : {"one", "two", "three"}) {
    ASSERT_TRUE(say_and_wait(alice, "lobby", body));
  }

  ASSERT_TRUE(join(bob, "lobby", "Bob", "<history maxstanzas='2'/>"));
  // §7.2.16: the subject comes after the history, so once it is here the history is too.
  ASSERT_TRUE(bob.wait_for(subject_message("lobby"))) << bob.describe();
  for (const char* body : {"two", "three"}) {
    const std::optional<xmpp::Element> message =
        bob.wait_for(groupchat("lobby", body), std::chrono::milliseconds(0));
    ASSERT_TRUE(message) << "history lacks '" << body << "'\n" << bob.describe();
    EXPECT_EQ(message->attr_or("from"), occupant_jid("lobby", "Alice"));
    // §7.2.15: each history message carries a delay stamped by the room.
    const xmpp::Element* delay = message->child("delay", kDelayNs);
    ASSERT_NE(delay, nullptr) << message->str();
    EXPECT_EQ(delay->attr_or("from"), room_jid("lobby"));
    EXPECT_FALSE(delay->attr_or("stamp").empty());
  }
  EXPECT_FALSE(already_received(bob, groupchat("lobby", "one"))) << bob.describe();
}

TEST_F(MucJoinTest, History_MaxStanzasZero_NoHistory) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));
  ASSERT_TRUE(say_and_wait(alice, "lobby", "one"));

  ASSERT_TRUE(join(bob, "lobby", "Bob", "<history maxstanzas='0'/>"));
  ASSERT_TRUE(bob.wait_for(subject_message("lobby"))) << bob.describe();
  EXPECT_FALSE(already_received(bob, groupchat("lobby", "one"))) << bob.describe();
}

TEST_F(MucJoinTest, History_Since_OnlyMessagesFromThatTimeOn) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  XmppClient carol;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(login(carol, kCarol));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));
  for (const char* body : {"one", "two", "three"}) {
    ASSERT_TRUE(say_and_wait(alice, "lobby", body));
  }
  // The stamps the room gave the messages, as history shows them.
  ASSERT_TRUE(join(bob, "lobby", "Bob"));
  ASSERT_TRUE(bob.wait_for(subject_message("lobby"))) << bob.describe();
  const std::optional<xmpp::Element> two = bob.wait_for(groupchat("lobby", "two"));
  ASSERT_TRUE(two) << bob.describe();
  const std::string since = delay_stamp(*two);
  ASSERT_FALSE(since.empty()) << two->str();

  // §7.2.15: since='...' asks for the messages sent at or after that time.
  ASSERT_TRUE(join(carol, "lobby", "Carol", "<history since='" + since + "'/>"));
  ASSERT_TRUE(carol.wait_for(subject_message("lobby"))) << carol.describe();
  EXPECT_TRUE(already_received(carol, groupchat("lobby", "two"))) << carol.describe();
  EXPECT_TRUE(already_received(carol, groupchat("lobby", "three"))) << carol.describe();
  EXPECT_FALSE(already_received(carol, groupchat("lobby", "one"))) << carol.describe();
}

TEST_F(MucJoinTest, SelfPresence_NonAnonymousLoggedRoom_Codes100And170) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(
      create_room(alice, "open", "Alice",
                  {{"muc#roomconfig_whois", {"anyone"}}, {"muc#roomconfig_enablelogging", {"1"}}}));
  ASSERT_TRUE(create_room(
      alice, "quiet", "Alice",
      {{"muc#roomconfig_whois", {"moderators"}}, {"muc#roomconfig_enablelogging", {"0"}}}));

  // §7.2.4: 100 tells that everyone sees real JIDs; §7.2.12: 170 that the room is logged.
  const std::optional<xmpp::Element> open = join(bob, "open", "Bob");
  ASSERT_TRUE(open);
  EXPECT_TRUE(status_codes(*open).contains(100)) << open->str();
  EXPECT_TRUE(status_codes(*open).contains(170)) << open->str();
  const std::optional<xmpp::Element> quiet = join(bob, "quiet", "Bob");
  ASSERT_TRUE(quiet);
  EXPECT_FALSE(status_codes(*quiet).contains(100)) << quiet->str();
  EXPECT_FALSE(status_codes(*quiet).contains(170)) << quiet->str();
}

TEST_F(MucJoinTest, PresenceBroadcast_OccupantsSentBeforeSelfPresence_NewcomerToOthers) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));

  ASSERT_TRUE(join(bob, "lobby", "Bob"));
  // §7.2.3: the existing occupants' presence comes first, then the self-presence.
  const std::optional<xmpp::Element> owner =
      bob.wait_for(occupant_presence("lobby", "Alice", ""), std::chrono::milliseconds(0));
  ASSERT_TRUE(owner) << bob.describe();
  const xmpp::Element* owner_item = muc_user_item(*owner);
  ASSERT_NE(owner_item, nullptr) << owner->str();
  EXPECT_EQ(owner_item->attr_or("affiliation"), "owner");
  EXPECT_EQ(owner_item->attr_or("role"), "moderator");
  // Semi-anonymous by default (§7.2.3): a participant does not see real JIDs...
  EXPECT_FALSE(owner_item->attr("jid")) << owner->str();

  // ...and the existing occupants are told of the newcomer; a moderator sees the real JID.
  const std::optional<xmpp::Element> newcomer =
      alice.wait_for(occupant_presence("lobby", "Bob", ""));
  ASSERT_TRUE(newcomer) << alice.describe();
  const xmpp::Element* item = muc_user_item(*newcomer);
  ASSERT_NE(item, nullptr) << newcomer->str();
  EXPECT_EQ(item->attr_or("affiliation"), "none");
  EXPECT_EQ(item->attr_or("role"), "participant");
  EXPECT_EQ(bare_jid(item->attr_or("jid")), kBob) << newcomer->str();
  EXPECT_FALSE(status_codes(*newcomer).contains(110)) << newcomer->str();
}

TEST_F(MucJoinTest, PresenceBroadcast_RoleNotBroadcast_ParticipantsNotTold) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  XmppClient carol;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(login(carol, kCarol));
  ASSERT_TRUE(
      create_room(alice, "stage", "Alice", {{"muc#roomconfig_presencebroadcast", {"moderator"}}}));
  ASSERT_TRUE(join(bob, "stage", "Bob"));

  const std::optional<xmpp::Element> carol_self = join(carol, "stage", "Carol");
  ASSERT_TRUE(carol_self);
  // Presence of moderators is still broadcast: carol sees the owner.
  EXPECT_TRUE(already_received(carol, occupant_presence("stage", "Alice", ""))) << carol.describe();
  // A participant's entry is not broadcast to participants. The room sends in order, so once
  // a later message is in, carol's presence would be too.
  ASSERT_TRUE(say_and_wait(alice, "stage", "marker"));
  ASSERT_TRUE(bob.wait_for(groupchat("stage", "marker"))) << bob.describe();
  EXPECT_FALSE(already_received(bob, occupant_presence("stage", "Carol", ""))) << bob.describe();
}

TEST_F(MucJoinTest, PresenceUpdate_ShowChanges_BroadcastToOccupants) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lobby"));
  ASSERT_TRUE(alice.wait_for(occupant_presence("lobby", "Bob", ""))) << alice.describe();

  // §7.7: a presence update to the occupant JID is broadcast.
  bob.send("<presence to='" + occupant_jid("lobby", "Bob") +
           "'><show>away</show><status>lunch</status></presence>");
  const std::optional<xmpp::Element> update = alice.wait_for([](const xmpp::Element& stanza) {
    return stanza.name() == "presence" && stanza.attr_or("from") == occupant_jid("lobby", "Bob") &&
           stanza.child_text("show") == "away";
  });
  ASSERT_TRUE(update) << alice.describe();
  EXPECT_EQ(update->child_text("status"), "lunch");
}

TEST_F(MucJoinTest, NickChange_Status303ThenNewNick) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lobby"));
  ASSERT_TRUE(alice.wait_for(occupant_presence("lobby", "Bob", ""))) << alice.describe();

  bob.send("<presence to='" + occupant_jid("lobby", "Robert") + "'/>");
  // §7.6: unavailable from the old nick with 303 and the new nick, then the new nick.
  for (XmppClient* client : {&alice, &bob}) {
    const std::optional<xmpp::Element> old_nick =
        client->wait_for(occupant_presence("lobby", "Bob", "unavailable"));
    ASSERT_TRUE(old_nick) << client->describe();
    EXPECT_TRUE(status_codes(*old_nick).contains(303)) << old_nick->str();
    const xmpp::Element* item = muc_user_item(*old_nick);
    ASSERT_NE(item, nullptr) << old_nick->str();
    EXPECT_EQ(item->attr_or("nick"), "Robert");
    EXPECT_EQ(status_codes(*old_nick).contains(110), client == &bob) << old_nick->str();
    const std::optional<xmpp::Element> new_nick =
        client->wait_for(occupant_presence("lobby", "Robert", ""));
    ASSERT_TRUE(new_nick) << client->describe();
    EXPECT_EQ(status_codes(*new_nick).contains(110), client == &bob) << new_nick->str();
  }
  // Messages now come from the new nick.
  ASSERT_TRUE(say_and_wait(bob, "lobby", "renamed"));
  const std::optional<xmpp::Element> message = alice.wait_for(groupchat("lobby", "renamed"));
  ASSERT_TRUE(message) << alice.describe();
  EXPECT_EQ(message->attr_or("from"), occupant_jid("lobby", "Robert"));
}

TEST_F(MucJoinTest, NickChange_ToNickInUse_Conflict) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lobby"));

  bob.send("<presence to='" + occupant_jid("lobby", "Alice") + "'/>");
  // §7.6: conflict, and bob keeps his nick.
  const std::optional<xmpp::Element> error = bob.wait_for(presence_error("lobby", "Alice"));
  ASSERT_TRUE(error) << bob.describe();
  EXPECT_EQ(stanza_error_condition(*error), "conflict") << error->str();
  ASSERT_TRUE(say_and_wait(bob, "lobby", "still bob"));
  const std::optional<xmpp::Element> message = alice.wait_for(groupchat("lobby", "still bob"));
  ASSERT_TRUE(message) << alice.describe();
  EXPECT_EQ(message->attr_or("from"), occupant_jid("lobby", "Bob"));
}

TEST_F(MucJoinTest, Enter_NickTakenByAnotherUser_Conflict) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));
  // §7.2.9: 409 conflict.
  EXPECT_EQ(join_refused(bob, "lobby", "Alice"), "conflict");
}

TEST_F(MucJoinTest, Leave_UnavailableToSelfWith110AndToOthers) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lobby"));

  // §7.14.
  ASSERT_TRUE(leave(bob, "lobby", "Bob"));
  const std::optional<xmpp::Element> gone =
      alice.wait_for(occupant_presence("lobby", "Bob", "unavailable"));
  ASSERT_TRUE(gone) << alice.describe();
  const xmpp::Element* item = muc_user_item(*gone);
  ASSERT_NE(item, nullptr) << gone->str();
  EXPECT_EQ(item->attr_or("role"), "none");
  // Gone means no more messages. The room sends to bob in order, so once he is back in, what
  // it sent him while he was away would be queued.
  ASSERT_TRUE(say_and_wait(alice, "lobby", "after bob left"));
  ASSERT_TRUE(join(bob, "lobby", "Bob", "<history maxstanzas='0'/>"));
  EXPECT_FALSE(already_received(bob, groupchat("lobby", "after bob left"))) << bob.describe();
}

TEST_F(MucJoinTest, Disconnect_LeavesTheRoom) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lobby"));

  // RFC 6121 §4.5.2 applied to rooms: a session that ends leaves every room it was in.
  bob.disconnect();
  EXPECT_TRUE(alice.wait_for(occupant_presence("lobby", "Bob", "unavailable"))) << alice.describe();
}

TEST_F(MucJoinTest, Disconnect_SeveralAtOnce_WhoStaysToldOfEach_NoGhostsLeft) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lobby"));
  XmppClient carol;
  XmppClient dave;
  ASSERT_TRUE(login(carol, kCarol));
  ASSERT_TRUE(join(carol, "lobby", "Carol"));
  ASSERT_TRUE(login(dave, kDave));
  ASSERT_TRUE(join(dave, "lobby", "Dave"));

  // As in an outage: the room may take these leaves together, and tells only who stays.
  bob.disconnect();
  carol.disconnect();
  dave.disconnect();
  for (const char* nick : {"Bob", "Carol", "Dave"}) {
    EXPECT_TRUE(alice.wait_for(occupant_presence("lobby", nick, "unavailable")))
        << nick << ": " << alice.describe();
  }
  XmppClient back;
  ASSERT_TRUE(login(back, kBob));
  ASSERT_TRUE(join(back, "lobby", "Bob"));
  EXPECT_TRUE(already_received(back, occupant_presence("lobby", "Alice", ""))) << back.describe();
  for (const char* nick : {"Carol", "Dave"}) {
    EXPECT_FALSE(already_received(back, occupant_presence("lobby", nick, ""))) << nick;
  }
}

TEST_F(MucJoinTest, MultiSession_SameUserSameNick_BothResourcesIn) {
  ASSERT_TRUE(start_muc());
  XmppClient phone;
  XmppClient laptop;
  XmppClient bob;
  ASSERT_TRUE(login(phone, kAlice + "/phone"));
  ASSERT_TRUE(login(laptop, kAlice + "/laptop"));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_instant_room(phone, "lobby", "Alice"));
  ASSERT_TRUE(join(bob, "lobby", "Bob"));

  // §7.2.23 (multi-session nicks): the same bare JID may use one nick from several resources.
  ASSERT_TRUE(join(laptop, "lobby", "Alice"));
  ASSERT_TRUE(say_and_wait(bob, "lobby", "to both"));
  EXPECT_TRUE(phone.wait_for(groupchat("lobby", "to both"))) << phone.describe();
  EXPECT_TRUE(laptop.wait_for(groupchat("lobby", "to both"))) << laptop.describe();

  // One resource leaving keeps the occupant: the other still gets messages, and the others are
  // not told that Alice left.
  ASSERT_TRUE(leave(laptop, "lobby", "Alice"));
  ASSERT_TRUE(say_and_wait(bob, "lobby", "still there"));
  EXPECT_TRUE(phone.wait_for(groupchat("lobby", "still there"))) << phone.describe();
  EXPECT_FALSE(already_received(bob, occupant_presence("lobby", "Alice", "unavailable")))
      << bob.describe();
}

TEST_F(MucJoinTest, MembersOnly_NonMemberRegistrationRequired_MemberEnters) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_room(alice, "club", "Alice", {{"muc#roomconfig_membersonly", {"1"}}}));

  // §7.2.6.
  EXPECT_EQ(join_refused(bob, "club", "Bob"), "registration-required");
  const std::optional<xmpp::Element> added =
      admin_query(alice, "club", "set", "<item affiliation='member' jid='" + kBob + "'/>");
  ASSERT_TRUE(added);
  ASSERT_EQ(added->attr_or("type"), "result") << added->str();
  EXPECT_TRUE(join(bob, "club", "Bob"));
}

TEST_F(MucJoinTest, MaxUsers_Full_ServiceUnavailable) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(create_room(alice, "small", "Alice", {{"muc#roomconfig_maxusers", {"10"}}}));
  // Nine more occupants fill it (one user, nine resources, nine nicks).
  std::vector<std::unique_ptr<XmppClient>> bobs;
  for (int i = 1; i <= 9; ++i) {
    bobs.push_back(std::make_unique<XmppClient>());
    ASSERT_TRUE(login(*bobs.back(), kBob + "/r" + std::to_string(i)));
    ASSERT_TRUE(join(*bobs.back(), "small", "Bob" + std::to_string(i)));
  }
  XmppClient carol;
  ASSERT_TRUE(login(carol, kCarol));
  // §7.2.10.
  EXPECT_EQ(join_refused(carol, "small", "Carol"), "service-unavailable");
  // A place freed is a place taken.
  ASSERT_TRUE(leave(*bobs.back(), "small", "Bob9"));
  EXPECT_TRUE(join(carol, "small", "Carol"));
}

}  // namespace
}  // namespace stoa::test
