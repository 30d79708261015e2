#include <gtest/gtest.h>

#include "tests/unit/muc/room_test_support.hpp"

namespace stoa::muc::testing {
namespace {

constexpr std::string_view kAlice = "alice@example.org/phone";
constexpr std::string_view kBob = "bob@example.org/laptop";

class RoomMessageTest : public RoomTest {
 protected:
  void SetUp() override {
    create();
    join(kAlice, "alice");
    join(kBob, "bob");
  }
};

TEST_F(RoomMessageTest, Groupchat_ArchivedBeforeBroadcastToEveryoneWithIds) {
  Outcome out = say(kAlice, "hello");
  ASSERT_EQ(store_ops<AppendArchive>(out).size(), 1u);
  EXPECT_LT(first_index<AppendArchive>(out), first_index<Send>(out));
  ASSERT_EQ(sends(out).size(), 1u);
  const Send& send = *sends(out).front();
  EXPECT_EQ(send.to.size(), 3u);  // the sender's reflection included
  EXPECT_EQ(send.stanza.attr_or("from"), kRoom + "/alice");
  EXPECT_EQ(send.stanza.attr_or("type"), "groupchat");
  EXPECT_EQ(send.stanza.attr_or("id"), "m1");  // the client's id, for its reflection
  EXPECT_EQ(send.stanza.attr("to"), nullptr);
  const xmpp::Element* sid = send.stanza.child("stanza-id", ns::kStanzaId);
  ASSERT_NE(sid, nullptr);
  EXPECT_EQ(sid->attr_or("by"), kRoom);
  const ArchiveEntry& entry = store_ops<AppendArchive>(out).front()->entry;
  EXPECT_EQ(sid->attr_or("id"), entry.stanza_id);
  EXPECT_EQ(entry.nick, "alice");
  EXPECT_EQ(entry.sender, "alice@example.org");
  EXPECT_EQ(entry.timestamp, now);
  EXPECT_EQ(entry.kind, ArchiveKind::message);
  EXPECT_EQ(entry.stanza, send.stanza.str(xmpp::ns::kClient));
  EXPECT_EQ(send.stanza.child("occupant-id", ns::kOccupantId)->attr_or("id"),
            room->occupant("alice")->occupant_id());
}

TEST_F(RoomMessageTest, Groupchat_RecipientsSharedUntilSomeoneComesOrGoes) {
  Outcome first = say(kAlice, "one");
  Outcome second = say(kBob, "two");
  // One list for both messages, not a copy each.
  EXPECT_EQ(&sends(first).front()->to.list(), &sends(second).front()->to.list());

  join("carol@example.org/desk", "carol");
  Outcome after_join = say(kAlice, "three");
  EXPECT_EQ(sends(after_join).front()->to.size(), 4u);
  // A message decided before keeps the list it was decided with (it may still be waiting for
  // its archive write).
  EXPECT_EQ(sends(first).front()->to.size(), 3u);

  leave(kBob, "bob");
  EXPECT_EQ(sends(say(kAlice, "four")).front()->to.size(), 3u);
}

TEST_F(RoomMessageTest, Groupchat_ForgedIdsFromClientStripped) {
  Outcome out = handle("<message type='groupchat' from='" + std::string(kAlice) + "' to='" + kRoom +
                       "'><body>x</body><stanza-id xmlns='urn:xmpp:sid:0' id='fake' by='" + kRoom +
                       "'/><stanza-id xmlns='urn:xmpp:sid:0' id='keep' by='alice@example.org'/>"
                       "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='fake'/></message>");
  const xmpp::Element& broadcast = sends(out).front()->stanza;
  int by_room = 0;
  for (const xmpp::Element* sid : broadcast.children("stanza-id", ns::kStanzaId)) {
    if (sid->attr_or("by") == kRoom) {
      ++by_room;
      EXPECT_NE(sid->attr_or("id"), "fake");
    }
  }
  EXPECT_EQ(by_room, 1);
  EXPECT_EQ(broadcast.children("stanza-id", ns::kStanzaId).size(), 2u);
  ASSERT_EQ(broadcast.children("occupant-id", ns::kOccupantId).size(), 1u);
  EXPECT_NE(broadcast.child("occupant-id", ns::kOccupantId)->attr_or("id"), "fake");
}

TEST_F(RoomMessageTest, Groupchat_WithoutBody_RelayedNotArchived) {
  Outcome out = handle("<message type='groupchat' from='" + std::string(kAlice) + "' to='" + kRoom +
                       "'><composing xmlns='http://jabber.org/protocol/chatstates'/>"
                       "</message>");
  EXPECT_TRUE(store_ops<AppendArchive>(out).empty());
  ASSERT_EQ(sends(out).size(), 1u);
  EXPECT_EQ(sends(out).front()->stanza.child("stanza-id", ns::kStanzaId), nullptr);
}

TEST_F(RoomMessageTest, Groupchat_NonOccupant_NotAcceptable) {
  Outcome out = say("carol@example.org/x", "let me in");
  EXPECT_EQ(error_condition(only_to(out, "carol@example.org/x")), "not-acceptable");
  EXPECT_TRUE(store_ops<AppendArchive>(out).empty());
}

TEST_F(RoomMessageTest, Groupchat_VisitorInModeratedRoom_Forbidden) {
  configure(kOwner, field("muc#roomconfig_moderatedroom", "1"));
  join("carol@example.org/x", "carol");
  Outcome out = say("carol@example.org/x", "can I speak?");
  EXPECT_EQ(error_condition(only_to(out, "carol@example.org/x")), "forbidden");
}

TEST_F(RoomMessageTest, Subject_ByParticipantNotAllowed_Forbidden) {
  Outcome out = handle("<message type='groupchat' from='" + std::string(kAlice) + "' to='" + kRoom +
                       "'><subject>mine</subject></message>");
  EXPECT_EQ(error_condition(only_to(out, kAlice)), "forbidden");
  EXPECT_EQ(room->subject().text, "");
}

TEST_F(RoomMessageTest, Subject_ByModerator_StoredArchivedBroadcastAndSentOnJoin) {
  now = at(50);
  Outcome out = handle("<message type='groupchat' from='" + std::string(kOwner) + "' to='" + kRoom +
                       "'><subject>Plans</subject></message>");
  ASSERT_EQ(store_ops<SaveSubject>(out).size(), 1u);
  EXPECT_EQ(store_ops<SaveSubject>(out).front()->subject, (RoomSubject{"Plans", "owner", now}));
  ASSERT_EQ(store_ops<AppendArchive>(out).size(), 1u);
  EXPECT_EQ(store_ops<AppendArchive>(out).front()->entry.kind, ArchiveKind::subject);
  EXPECT_LT(first_index<AppendArchive>(out), first_index<Send>(out));
  EXPECT_EQ(sends(out).front()->to.size(), 3u);
  EXPECT_EQ(sends(out).front()->stanza.child_text("subject"), "Plans");

  Outcome joined = join("carol@example.org/x", "carol");
  const xmpp::Element& subject = *received_by(joined, "carol@example.org/x").back();
  EXPECT_EQ(subject.child_text("subject"), "Plans");
  EXPECT_EQ(subject.attr_or("from"), kRoom + "/owner");
  EXPECT_EQ(subject.child("body"), nullptr);
}

TEST_F(RoomMessageTest, Subject_ParticipantsAllowedByConfig_Accepted) {
  configure(kOwner, field("muc#roomconfig_changesubject", "1"));
  Outcome out = handle("<message type='groupchat' from='" + std::string(kAlice) + "' to='" + kRoom +
                       "'><subject>ours</subject></message>");
  EXPECT_EQ(room->subject().text, "ours");
  EXPECT_EQ(store_ops<SaveSubject>(out).size(), 1u);
}

TEST_F(RoomMessageTest, SubjectWithBody_IsAnOrdinaryMessage) {
  Outcome out = handle("<message type='groupchat' from='" + std::string(kAlice) + "' to='" + kRoom +
                       "'><subject>thread</subject><body>text</body></message>");
  EXPECT_TRUE(store_ops<SaveSubject>(out).empty());
  EXPECT_EQ(store_ops<AppendArchive>(out).size(), 1u);
}

TEST_F(RoomMessageTest, PrivateMessage_RelayedFromOccupantJidToAllSessionsOfTarget) {
  join("bob@example.org/phone", "bob");
  Outcome out = handle("<message type='chat' id='p1' from='" + std::string(kAlice) + "' to='" +
                       kRoom + "/bob'><body>psst</body></message>");
  ASSERT_EQ(sends(out).size(), 1u);
  const Send& send = *sends(out).front();
  EXPECT_EQ(send.to.size(), 2u);
  EXPECT_EQ(send.stanza.attr_or("from"), kRoom + "/alice");
  EXPECT_EQ(send.stanza.attr_or("type"), "chat");
  EXPECT_EQ(send.stanza.child_text("body"), "psst");
  EXPECT_NE(send.stanza.child("x", ns::kMucUser), nullptr);
  EXPECT_TRUE(store_ops<AppendArchive>(out).empty());
}

TEST_F(RoomMessageTest, PrivateMessage_UnknownNick_ItemNotFound) {
  Outcome out = handle("<message type='chat' from='" + std::string(kAlice) + "' to='" + kRoom +
                       "/nobody'><body>?</body></message>");
  EXPECT_EQ(error_condition(only_to(out, kAlice)), "item-not-found");
}

TEST_F(RoomMessageTest, PrivateMessage_TypeGroupchat_BadRequest) {
  Outcome out = handle("<message type='groupchat' from='" + std::string(kAlice) + "' to='" + kRoom +
                       "/bob'><body>?</body></message>");
  EXPECT_EQ(error_condition(only_to(out, kAlice)), "bad-request");
}

TEST_F(RoomMessageTest, PrivateMessage_FromNonOccupant_NotAcceptable) {
  Outcome out = handle("<message type='chat' from='carol@example.org/x' to='" + kRoom +
                       "/bob'><body>?</body></message>");
  EXPECT_EQ(error_condition(only_to(out, "carol@example.org/x")), "not-acceptable");
}

TEST_F(RoomMessageTest, PrivateMessage_PolicyModerators_ParticipantForbiddenModeratorAllowed) {
  configure(kOwner, field("muc#roomconfig_allowpm", "moderators"));
  Outcome refused = handle("<message type='chat' from='" + std::string(kAlice) + "' to='" + kRoom +
                           "/bob'><body>?</body></message>");
  EXPECT_EQ(error_condition(only_to(refused, kAlice)), "forbidden");
  Outcome allowed = handle("<message type='chat' from='" + std::string(kOwner) + "' to='" + kRoom +
                           "/bob'><body>ok</body></message>");
  EXPECT_EQ(only_to(allowed, kBob).child_text("body"), "ok");
}

TEST_F(RoomMessageTest, PrivateMessage_PolicyNone_EvenModeratorsForbidden) {
  configure(kOwner, field("muc#roomconfig_allowpm", "none"));
  Outcome out = handle("<message type='chat' from='" + std::string(kOwner) + "' to='" + kRoom +
                       "/bob'><body>?</body></message>");
  EXPECT_EQ(error_condition(only_to(out, kOwner)), "forbidden");
}

TEST_F(RoomMessageTest, MessageErrorMeaningGone_FromOccupant_RemovesIt) {
  Outcome out = handle("<message type='error' from='" + std::string(kBob) + "' to='" + kRoom +
                       "'><error type='cancel'><recipient-unavailable "
                       "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
  EXPECT_EQ(room->occupant("bob"), nullptr);
  EXPECT_TRUE(has_status(only_to(out, kAlice), 333));
}

TEST_F(RoomMessageTest, NormalMessageToRoomWithoutKnownPayload_BadRequest) {
  Outcome out = handle("<message from='" + std::string(kAlice) + "' to='" + kRoom +
                       "'><body>hi</body></message>");
  EXPECT_EQ(error_condition(only_to(out, kAlice)), "bad-request");
}

TEST_F(RoomMessageTest, ErrorReply_NeverAnsweredWithError) {
  Outcome out = handle("<message type='error' from='carol@example.org/x' to='" + kRoom +
                       "'><error type='cancel'><bad-request "
                       "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
  EXPECT_TRUE(out.actions.empty());
}

}  // namespace
}  // namespace stoa::muc::testing
