// Messages in rooms: groupchat with stable ids, the subject, private messages, occupant ids and
// self-ping (XEP-0045 §7.4, §7.5, §8.1; XEP-0359; XEP-0421; XEP-0410).

#include "tests/wire/muc_wire_test.hpp"

namespace stoa::test {
namespace {

using MucMessageTest = MucTest;

/// The stanza-ids (XEP-0359) of a message set by `by`.
std::vector<std::string> stanza_ids_by(const xmpp::Element& message, const std::string& by) {
  std::vector<std::string> ids;
  for (const xmpp::Element* id : message.children("stanza-id", kStanzaIdNs)) {
    if (id->attr_or("by") == by) {
      ids.push_back(id->attr_or("id"));
    }
  }
  return ids;
}

/// The XEP-0421 occupant ids of a stanza.
std::vector<std::string> occupant_ids(const xmpp::Element& stanza) {
  std::vector<std::string> ids;
  for (const xmpp::Element* id : stanza.children("occupant-id", kOccupantIdNs)) {
    ids.push_back(id->attr_or("id"));
  }
  return ids;
}

StanzaPredicate private_message(std::string from, std::string body) {
  return [from, body](const xmpp::Element& stanza) {
    return stanza.name() == "message" && stanza.attr_or("from") == from &&
           stanza.attr_or("type") != "groupchat" && stanza.attr_or("type") != "error" &&
           stanza.child_text("body") == body;
  };
}

StanzaPredicate message_error_from(std::string from) {
  return [from](const xmpp::Element& stanza) {
    return stanza.name() == "message" && stanza.attr_or("type") == "error" &&
           stanza.attr_or("from") == from;
  };
}

TEST_F(MucMessageTest, Groupchat_ReflectedToAllWithOneStanzaIdByTheRoom) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lobby"));

  // A stanza-id claiming to be the room's is the sender's forgery (XEP-0359 §3): removed.
  bob.send("<message type='groupchat' id='m1' to='" + room_jid("lobby") +
           "'><body>hello</body><stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='" +
           room_jid("lobby") + "'/></message>");
  std::vector<std::string> seen;
  for (XmppClient* client : {&alice, &bob}) {
    const std::optional<xmpp::Element> message = client->wait_for(groupchat("lobby", "hello"));
    ASSERT_TRUE(message) << client->describe();
    // §7.4: from the sender's occupant JID, to each occupant.
    EXPECT_EQ(message->attr_or("from"), occupant_jid("lobby", "Bob"));
    EXPECT_EQ(message->attr_or("to"), client->bound_jid());
    const std::vector<std::string> ids = stanza_ids_by(*message, room_jid("lobby"));
    ASSERT_EQ(ids.size(), 1u) << message->str();
    EXPECT_NE(ids[0], "forged");
    EXPECT_FALSE(ids[0].empty());
    seen.push_back(ids[0]);
  }
  // One message, one id, whoever receives it.
  EXPECT_EQ(seen[0], seen[1]);

  ASSERT_TRUE(say_and_wait(bob, "lobby", "again"));
  const std::optional<xmpp::Element> second = alice.wait_for(groupchat("lobby", "again"));
  ASSERT_TRUE(second) << alice.describe();
  const std::vector<std::string> second_ids = stanza_ids_by(*second, room_jid("lobby"));
  ASSERT_EQ(second_ids.size(), 1u);
  EXPECT_NE(second_ids[0], seen[0]);
}

TEST_F(MucMessageTest, Groupchat_FromNonOccupant_NotAcceptable) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));

  // §7.4: only occupants may send to all occupants.
  say(bob, "lobby", "intruding");
  const std::optional<xmpp::Element> error = bob.wait_for(message_error_from(room_jid("lobby")));
  ASSERT_TRUE(error) << bob.describe();
  EXPECT_EQ(stanza_error_condition(*error), "not-acceptable") << error->str();
  ASSERT_TRUE(say_and_wait(alice, "lobby", "marker"));
  EXPECT_FALSE(already_received(alice, groupchat("lobby", "intruding"))) << alice.describe();
}

TEST_F(MucMessageTest, Subject_SetByModerator_BroadcastAndSentOnEntry) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  XmppClient carol;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(login(carol, kCarol));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));
  // §7.2.16: with no subject set, an empty <subject/> still ends the entry.
  ASSERT_TRUE(join(bob, "lobby", "Bob"));
  const std::optional<xmpp::Element> empty = bob.wait_for(subject_message("lobby"));
  ASSERT_TRUE(empty) << bob.describe();
  EXPECT_EQ(empty->child_text("subject"), "");

  // §8.1.
  alice.send("<message type='groupchat' to='" + room_jid("lobby") +
             "'><subject>Fire drill at noon</subject></message>");
  for (XmppClient* client : {&alice, &bob}) {
    const std::optional<xmpp::Element> subject =
        client->wait_for(subject_message("lobby", "Fire drill at noon"));
    ASSERT_TRUE(subject) << client->describe();
    EXPECT_EQ(subject->attr_or("from"), occupant_jid("lobby", "Alice"));
    EXPECT_EQ(subject->child_text("subject"), "Fire drill at noon");
  }
  ASSERT_TRUE(join(carol, "lobby", "Carol"));
  const std::optional<xmpp::Element> on_entry = carol.wait_for(subject_message("lobby"));
  ASSERT_TRUE(on_entry) << carol.describe();
  EXPECT_EQ(on_entry->child_text("subject"), "Fire drill at noon");
  EXPECT_EQ(on_entry->attr_or("from"), occupant_jid("lobby", "Alice"));
}

TEST_F(MucMessageTest, Subject_ParticipantWithoutChangeSubject_Forbidden) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_room(alice, "lobby", "Alice", {{"muc#roomconfig_changesubject", {"0"}}}));
  ASSERT_TRUE(join(bob, "lobby", "Bob"));
  ASSERT_TRUE(bob.wait_for(subject_message("lobby"))) << bob.describe();

  // §8.1: forbidden without the privilege.
  bob.send("<message type='groupchat' to='" + room_jid("lobby") +
           "'><subject>Mine now</subject></message>");
  const std::optional<xmpp::Element> error = bob.wait_for(message_error_from(room_jid("lobby")));
  ASSERT_TRUE(error) << bob.describe();
  EXPECT_EQ(stanza_error_condition(*error), "forbidden") << error->str();

  // With muc#roomconfig_changesubject, participants may.
  ASSERT_EQ(configure(alice, "lobby", {{"muc#roomconfig_changesubject", {"1"}}})->attr_or("type"),
            "result");
  bob.send("<message type='groupchat' to='" + room_jid("lobby") +
           "'><subject>Ours</subject></message>");
  const std::optional<xmpp::Element> subject = alice.wait_for(subject_message("lobby", "Ours"));
  ASSERT_TRUE(subject) << alice.describe();
  EXPECT_EQ(subject->attr_or("from"), occupant_jid("lobby", "Bob"));
}

TEST_F(MucMessageTest, PrivateMessage_Allowed_DeliveredFromOccupantJid) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_room(alice, "lobby", "Alice", {{"muc#roomconfig_allowpm", {"anyone"}}}));
  ASSERT_TRUE(join(bob, "lobby", "Bob"));

  // §7.5.
  bob.send("<message type='chat' to='" + occupant_jid("lobby", "Alice") +
           "'><body>psst</body></message>");
  const std::optional<xmpp::Element> pm =
      alice.wait_for(private_message(occupant_jid("lobby", "Bob"), "psst"));
  ASSERT_TRUE(pm) << alice.describe();
  EXPECT_EQ(pm->attr_or("to"), alice.bound_jid());

  // To a nick nobody uses: item-not-found.
  bob.send("<message type='chat' to='" + occupant_jid("lobby", "Nobody") +
           "'><body>hello?</body></message>");
  const std::optional<xmpp::Element> error =
      bob.wait_for(message_error_from(occupant_jid("lobby", "Nobody")));
  ASSERT_TRUE(error) << bob.describe();
  EXPECT_EQ(stanza_error_condition(*error), "item-not-found") << error->str();
}

TEST_F(MucMessageTest, PrivateMessage_Disallowed_RefusedNotDelivered) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_room(alice, "lobby", "Alice", {{"muc#roomconfig_allowpm", {"none"}}}));
  ASSERT_TRUE(join(bob, "lobby", "Bob"));

  bob.send("<message type='chat' to='" + occupant_jid("lobby", "Alice") +
           "'><body>psst</body></message>");
  const std::optional<xmpp::Element> error =
      bob.wait_for(message_error_from(occupant_jid("lobby", "Alice")));
  ASSERT_TRUE(error) << bob.describe();
  const std::string condition = stanza_error_condition(*error);
  EXPECT_TRUE(condition == "forbidden" || condition == "not-acceptable") << error->str();
  ASSERT_TRUE(say_and_wait(bob, "lobby", "marker"));
  ASSERT_TRUE(alice.wait_for(groupchat("lobby", "marker"))) << alice.describe();
  EXPECT_FALSE(already_received(alice, private_message(occupant_jid("lobby", "Bob"), "psst")))
      << alice.describe();
}

TEST_F(MucMessageTest, OccupantId_OnPresenceAndMessages_StablePerUserDistinctAcrossUsers) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));
  const std::optional<xmpp::Element> bob_self = join(bob, "lobby", "Bob");
  ASSERT_TRUE(bob_self);

  // XEP-0421 §3: one occupant-id, set by the room, on the occupant's presence and messages.
  const std::optional<xmpp::Element> presence =
      alice.wait_for(occupant_presence("lobby", "Bob", ""));
  ASSERT_TRUE(presence) << alice.describe();
  const std::vector<std::string> presence_ids = occupant_ids(*presence);
  ASSERT_EQ(presence_ids.size(), 1u) << presence->str();
  EXPECT_FALSE(presence_ids[0].empty());
  EXPECT_EQ(occupant_ids(*bob_self), presence_ids) << bob_self->str();

  // A forged one is replaced.
  bob.send("<message type='groupchat' to='" + room_jid("lobby") +
           "'><body>who am i</body><occupant-id xmlns='urn:xmpp:occupant-id:0' "
           "id='forged'/></message>");
  const std::optional<xmpp::Element> message = alice.wait_for(groupchat("lobby", "who am i"));
  ASSERT_TRUE(message) << alice.describe();
  EXPECT_EQ(occupant_ids(*message), presence_ids) << message->str();

  const std::optional<xmpp::Element> alice_presence =
      bob.wait_for(occupant_presence("lobby", "Alice", ""));
  ASSERT_TRUE(alice_presence) << bob.describe();
  const std::vector<std::string> alice_ids = occupant_ids(*alice_presence);
  ASSERT_EQ(alice_ids.size(), 1u) << alice_presence->str();
  EXPECT_NE(alice_ids[0], presence_ids[0]);

  // Stable across a new nick and a new entry.
  ASSERT_TRUE(leave(bob, "lobby", "Bob"));
  const std::optional<xmpp::Element> again = join(bob, "lobby", "Robert");
  ASSERT_TRUE(again);
  EXPECT_EQ(occupant_ids(*again), presence_ids) << again->str();
}

TEST_F(MucMessageTest, SelfPing_Joined_Result_NotJoined_NotAcceptable) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));

  // XEP-0410 §3: a ping to one's own occupant JID tells whether one is still joined.
  const std::optional<xmpp::Element> joined =
      alice.iq(xml("<iq type='get' to='" + occupant_jid("lobby", "Alice") +
                   "'><ping xmlns='urn:xmpp:ping'/></iq>"));
  ASSERT_TRUE(joined) << alice.describe();
  EXPECT_EQ(joined->attr_or("type"), "result") << joined->str();

  const std::optional<xmpp::Element> not_joined =
      bob.iq(xml("<iq type='get' to='" + occupant_jid("lobby", "Bob") +
                 "'><ping xmlns='urn:xmpp:ping'/></iq>"));
  ASSERT_TRUE(not_joined) << bob.describe();
  EXPECT_EQ(not_joined->attr_or("type"), "error") << not_joined->str();
  EXPECT_EQ(stanza_error_condition(*not_joined), "not-acceptable") << not_joined->str();
}

}  // namespace
}  // namespace stoa::test
