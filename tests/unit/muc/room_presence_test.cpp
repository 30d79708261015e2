#include <gtest/gtest.h>

#include "muc/occupant_id.hpp"
#include "tests/unit/muc/room_test_support.hpp"

namespace stoa::muc::testing {
namespace {

constexpr std::string_view kAlice = "alice@example.org/phone";
constexpr std::string_view kBob = "bob@example.org/laptop";

class RoomPresenceTest : public RoomTest {};

TEST_F(RoomPresenceTest, Create_FirstJoin_OwnerLockedWith201AndStoredFirst) {
  Outcome out = join(kOwner, "owner");
  EXPECT_TRUE(room->is_locked());
  EXPECT_FALSE(room->is_fresh());
  ASSERT_EQ(store_ops<CreateRoom>(out).size(), 1u);
  const StoredRoom& stored = store_ops<CreateRoom>(out).front()->room;
  EXPECT_EQ(stored.jid, kRoom);
  ASSERT_EQ(stored.affiliations.size(), 1u);
  EXPECT_EQ(stored.affiliations[0],
            (AffiliationRecord{"owner@example.org", Affiliation::owner, ""}));
  EXPECT_FALSE(stored.occupant_id_secret.empty());
  EXPECT_EQ(first_index<CreateRoom>(out), 0);  // before anything is sent

  std::vector<const xmpp::Element*> got = received_by(out, kOwner);
  ASSERT_EQ(got.size(), 2u);  // self-presence, then the (empty) subject
  const xmpp::Element& self = *got[0];
  EXPECT_EQ(self.attr_or("from"), kRoom + "/owner");
  EXPECT_TRUE(has_status(self, 110));
  EXPECT_TRUE(has_status(self, 201));
  EXPECT_EQ(item_of(self)->attr_or("affiliation"), "owner");
  EXPECT_EQ(item_of(self)->attr_or("role"), "moderator");
  EXPECT_EQ(item_of(self)->attr_or("jid"), kOwner);
  ASSERT_NE(got[1]->child("subject"), nullptr);
  EXPECT_EQ(got[1]->child_text("subject"), "");
}

TEST_F(RoomPresenceTest, Create_WithoutMucExtension_InstantRoomUnlocked) {
  Outcome out = join(kOwner, "owner", "");
  EXPECT_FALSE(room->is_locked());
  EXPECT_TRUE(has_status(*received_by(out, kOwner).front(), 201));
}

TEST_F(RoomPresenceTest, Locked_OtherUserJoins_ItemNotFound) {
  join(kOwner, "owner");
  Outcome out = join(kAlice, "alice");
  EXPECT_EQ(error_condition(only_to(out, kAlice)), "item-not-found");
  EXPECT_EQ(room->occupant_count(), 1u);
}

TEST_F(RoomPresenceTest, FreshRoom_StanzaThatDoesNotCreate_RoomGoneWithoutStoreOps) {
  Outcome out = handle("<presence type='unavailable' from='" + std::string(kAlice) + "' to='" +
                       kRoom + "/alice'/>");
  EXPECT_TRUE(out.room_gone);
  EXPECT_TRUE(store_ops<CreateRoom>(out).empty());
}

TEST_F(RoomPresenceTest, Join_NoNick_JidMalformed) {
  create();
  Outcome out = handle("<presence from='" + std::string(kAlice) + "' to='" + kRoom + "'/>");
  EXPECT_EQ(error_condition(only_to(out, kAlice)), "jid-malformed");
}

TEST_F(RoomPresenceTest, Join_OthersSeeNewcomerAndNewcomerSeesOthersThenSelfLast) {
  create();
  join(kAlice, "alice");
  Outcome out = join(kBob, "bob");
  std::vector<const xmpp::Element*> bob_got = received_by(out, kBob);
  ASSERT_GE(bob_got.size(), 4u);  // owner, alice, self, subject
  EXPECT_EQ(bob_got[0]->attr_or("from"), kRoom + "/alice");
  EXPECT_EQ(bob_got[1]->attr_or("from"), kRoom + "/owner");
  EXPECT_EQ(bob_got[2]->attr_or("from"), kRoom + "/bob");
  EXPECT_TRUE(has_status(*bob_got[2], 110));
  EXPECT_FALSE(has_status(*bob_got[0], 110));
  const xmpp::Element& to_alice = only_to(out, kAlice);
  EXPECT_EQ(to_alice.attr_or("from"), kRoom + "/bob");
  EXPECT_FALSE(has_status(to_alice, 110));
  EXPECT_EQ(item_of(to_alice)->attr("jid"), nullptr);  // semi-anonymous: alice is no moderator
  EXPECT_EQ(item_of(only_to(out, kOwner))->attr_or("jid"), kBob);  // the owner moderates
}

TEST_F(RoomPresenceTest, Join_NonAnonymousRoom_EveryoneSeesJidsAndSelfGets100) {
  create(field("muc#roomconfig_whois", "anyone"));
  join(kAlice, "alice");
  Outcome out = join(kBob, "bob");
  EXPECT_EQ(item_of(only_to(out, kAlice))->attr_or("jid"), kBob);
  std::vector<const xmpp::Element*> bob_got = received_by(out, kBob);
  EXPECT_EQ(item_of(*bob_got[0])->attr_or("jid"), kAlice);
  EXPECT_TRUE(has_status(*bob_got[2], 100));
}

TEST_F(RoomPresenceTest, Join_LoggingEnabled_SelfPresenceHas170) {
  create();
  Outcome out = join(kAlice, "alice");
  const xmpp::Element& self = *received_by(out, kAlice)[1];
  EXPECT_TRUE(has_status(self, 110));
  EXPECT_TRUE(has_status(self, 170));
}

TEST_F(RoomPresenceTest, Join_OccupantIdStableAndDerivedFromRealJid) {
  create();
  Outcome first = join(kAlice, "alice");
  const xmpp::Element* id = received_by(first, kAlice)[1]->child("occupant-id", ns::kOccupantId);
  ASSERT_NE(id, nullptr);
  leave(kAlice, "alice");
  Outcome again = join("alice@example.org/other", "alice2");
  const xmpp::Element* id2 =
      received_by(again, "alice@example.org/other")[1]->child("occupant-id", ns::kOccupantId);
  ASSERT_NE(id2, nullptr);
  EXPECT_EQ(id->attr_or("id"), id2->attr_or("id"));
  EXPECT_NE(id->attr_or("id"), received_by(join(kBob, "bob"), kBob)[2]
                                   ->child("occupant-id", ns::kOccupantId)
                                   ->attr_or("id"));
}

TEST_F(RoomPresenceTest, Join_ForgedOccupantIdAndMucUserStripped) {
  create();
  Outcome out = join(kAlice, "alice",
                     kMucX +
                         "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/>"
                         "<x xmlns='http://jabber.org/protocol/muc#user'><status "
                         "code='201'/></x><show>away</show>");
  const xmpp::Element& self = *received_by(out, kAlice)[1];
  EXPECT_EQ(self.children("occupant-id", ns::kOccupantId).size(), 1u);
  EXPECT_NE(self.child("occupant-id", ns::kOccupantId)->attr_or("id"), "forged");
  EXPECT_FALSE(has_status(self, 201));
  EXPECT_EQ(self.child_text("show"), "away");
}

TEST_F(RoomPresenceTest, Join_NickInUseByOtherUser_Conflict) {
  create();
  join(kAlice, "alice");
  Outcome out = join(kBob, "alice");
  const xmpp::Element& error = only_to(out, kBob);
  EXPECT_EQ(error_condition(error), "conflict");
  EXPECT_EQ(error.attr_or("from"), kRoom + "/alice");
}

TEST_F(RoomPresenceTest, Join_SameUserSecondResourceSameNick_MultiSession) {
  create();
  join(kAlice, "alice");
  Outcome out = join("alice@example.org/laptop", "alice");
  EXPECT_EQ(room->occupant_count(), 2u);  // owner and alice
  ASSERT_EQ(room->occupant("alice")->sessions.size(), 2u);
  std::vector<const xmpp::Element*> second = received_by(out, "alice@example.org/laptop");
  ASSERT_FALSE(second.empty());
  bool self_seen = false;
  for (const xmpp::Element* stanza : second) {
    self_seen =
        self_seen || (stanza->attr_or("from") == kRoom + "/alice" && has_status(*stanza, 110));
  }
  EXPECT_TRUE(self_seen);
  // The first session sees its occupant's presence updated, as itself.
  EXPECT_TRUE(has_status(only_to(out, kAlice), 110));

  // One session leaving: only it is told, the occupant stays.
  Outcome left = leave("alice@example.org/laptop", "alice");
  EXPECT_NE(room->occupant("alice"), nullptr);
  EXPECT_EQ(only_to(left, "alice@example.org/laptop").attr_or("type"), "unavailable");
  EXPECT_TRUE(received_by(left, std::string(kOwner)).size() <= 1u);
  for (const xmpp::Element* stanza : received_by(left, kOwner)) {
    EXPECT_NE(stanza->attr_or("type"), "unavailable");
  }
}

TEST_F(RoomPresenceTest, Join_Banned_Forbidden) {
  create();
  admin_set(kOwner, "<item affiliation='outcast' jid='alice@example.org'/>");
  EXPECT_EQ(error_condition(only_to(join(kAlice, "alice"), kAlice)), "forbidden");
}

TEST_F(RoomPresenceTest, Join_MembersOnlyNonMember_RegistrationRequired) {
  create(field("muc#roomconfig_membersonly", "1"));
  EXPECT_EQ(error_condition(only_to(join(kAlice, "alice"), kAlice)), "registration-required");
  admin_set(kOwner, "<item affiliation='member' jid='alice@example.org'/>");
  Outcome out = join(kAlice, "alice");
  EXPECT_EQ(item_of(*received_by(out, kAlice)[1])->attr_or("affiliation"), "member");
}

TEST_F(RoomPresenceTest, Join_Password_NotAuthorizedUnlessGiven) {
  create(field("muc#roomconfig_passwordprotectedroom", "1") +
         field("muc#roomconfig_roomsecret", "s3cret"));
  EXPECT_EQ(error_condition(only_to(join(kAlice, "alice"), kAlice)), "not-authorized");
  EXPECT_EQ(error_condition(only_to(
                join(kAlice, "alice",
                     "<x xmlns='http://jabber.org/protocol/muc'><password>wrong</password></x>"),
                kAlice)),
            "not-authorized");
  Outcome out = join(kAlice, "alice",
                     "<x xmlns='http://jabber.org/protocol/muc'><password>s3cret</password></x>");
  EXPECT_EQ(error_condition(*received_by(out, kAlice).front()), "");
  EXPECT_NE(room->occupant("alice"), nullptr);
}

TEST_F(RoomPresenceTest, Join_MaxUsersReached_ServiceUnavailableButAdminsEnter) {
  create(field("muc#roomconfig_maxusers", "2"));
  join(kAlice, "alice");
  EXPECT_EQ(error_condition(only_to(join(kBob, "bob"), kBob)), "service-unavailable");
  admin_set(kOwner, "<item affiliation='admin' jid='bob@example.org'/>");
  join(kBob, "bob");
  EXPECT_NE(room->occupant("bob"), nullptr);
}

TEST_F(RoomPresenceTest, Join_ServiceOccupantLimit_AppliesToEveryone) {
  settings.max_occupants_per_room = 2;
  create();
  join(kAlice, "alice");
  EXPECT_EQ(error_condition(only_to(join("admin@example.org/x", "boss"), "admin@example.org/x")),
            "service-unavailable");
}

TEST_F(RoomPresenceTest, Join_OverlongNick_NotAcceptable) {
  create();
  EXPECT_EQ(error_condition(only_to(join(kAlice, std::string(300, 'n')), kAlice)),
            "not-acceptable");
}

TEST_F(RoomPresenceTest, Join_ModeratedRoom_NewcomerIsVisitor) {
  create(field("muc#roomconfig_moderatedroom", "1"));
  join(kAlice, "alice");
  EXPECT_EQ(room->occupant("alice")->role, Role::visitor);
}

TEST_F(RoomPresenceTest, Join_HistoryPlannedBeforeSubject) {
  create();
  Outcome out = handle("<presence from='" + std::string(kAlice) + "' to='" + kRoom +
                       "/alice'><x xmlns='http://jabber.org/protocol/muc'><history "
                       "maxstanzas='5' seconds='60'/></x></presence>");
  ASSERT_EQ(store_ops<SendHistory>(out).size(), 1u);
  const SendHistory& history = *store_ops<SendHistory>(out).front();
  EXPECT_EQ(history.to, jid(kAlice));
  EXPECT_EQ(history.query.max_messages, 5u);
  EXPECT_EQ(history.query.since, now - std::chrono::seconds(60));
  int history_at = first_index<SendHistory>(out);
  ASSERT_GE(history_at, 1);
  const auto& last = std::get<Send>(out.actions.back());
  EXPECT_NE(last.stanza.child("subject"), nullptr);
  EXPECT_LT(history_at, static_cast<int>(out.actions.size()) - 1);
}

TEST_F(RoomPresenceTest, Join_HistoryZero_NothingPlanned) {
  create();
  Outcome out = handle("<presence from='" + std::string(kAlice) + "' to='" + kRoom +
                       "/alice'><x xmlns='http://jabber.org/protocol/muc'><history "
                       "maxchars='0'/></x></presence>");
  EXPECT_TRUE(store_ops<SendHistory>(out).empty());
}

TEST_F(RoomPresenceTest, Join_HistoryCappedByRoomAndService) {
  settings.max_history = 30;
  create(field("muc#maxhistoryfetch", "25"));
  Outcome out = handle("<presence from='" + std::string(kAlice) + "' to='" + kRoom +
                       "/alice'><x xmlns='http://jabber.org/protocol/muc'><history "
                       "maxstanzas='1000'/></x></presence>");
  EXPECT_EQ(store_ops<SendHistory>(out).front()->query.max_messages, 25u);
}

TEST_F(RoomPresenceTest, NickChange_303ThenNewPresence) {
  create();
  join(kAlice, "alice");
  Outcome out = join(kAlice, "alicia", "");
  std::vector<const xmpp::Element*> owner_got = received_by(out, kOwner);
  ASSERT_EQ(owner_got.size(), 2u);
  EXPECT_EQ(owner_got[0]->attr_or("type"), "unavailable");
  EXPECT_EQ(owner_got[0]->attr_or("from"), kRoom + "/alice");
  EXPECT_TRUE(has_status(*owner_got[0], 303));
  EXPECT_EQ(item_of(*owner_got[0])->attr_or("nick"), "alicia");
  EXPECT_EQ(owner_got[1]->attr_or("from"), kRoom + "/alicia");
  std::vector<const xmpp::Element*> self_got = received_by(out, kAlice);
  ASSERT_EQ(self_got.size(), 2u);
  EXPECT_TRUE(has_status(*self_got[0], 110));
  EXPECT_TRUE(has_status(*self_got[0], 303));
  EXPECT_TRUE(has_status(*self_got[1], 110));
  EXPECT_EQ(room->occupant("alice"), nullptr);
  EXPECT_NE(room->occupant("alicia"), nullptr);
}

TEST_F(RoomPresenceTest, NickChange_ToTakenNick_Conflict) {
  create();
  join(kAlice, "alice");
  Outcome out = join(kAlice, "owner", "");
  EXPECT_EQ(error_condition(only_to(out, kAlice)), "conflict");
  EXPECT_NE(room->occupant("alice"), nullptr);
}

TEST_F(RoomPresenceTest, PresenceUpdate_BroadcastWithNewShow) {
  create();
  join(kAlice, "alice");
  Outcome out = join(kAlice, "alice", "<show>dnd</show>");
  EXPECT_EQ(only_to(out, kOwner).child_text("show"), "dnd");
  EXPECT_TRUE(has_status(only_to(out, kAlice), 110));
}

TEST_F(RoomPresenceTest, Rejoin_SameSessionWithMucX_GetsStateAgain) {
  create();
  join(kAlice, "alice");
  Outcome out = join(kAlice, "alice");
  std::vector<const xmpp::Element*> got = received_by(out, kAlice);
  ASSERT_EQ(got.size(), 3u);  // owner's presence, self-presence, subject
  EXPECT_TRUE(has_status(*got[1], 110));
  EXPECT_NE(got[2]->child("subject"), nullptr);
}

TEST_F(RoomPresenceTest, Leave_UnavailableToAllAndStatusRelayed) {
  create();
  join(kAlice, "alice");
  Outcome out = handle("<presence type='unavailable' from='" + std::string(kAlice) + "' to='" +
                       kRoom + "/alice'><status>bye</status></presence>");
  const xmpp::Element& to_owner = only_to(out, kOwner);
  EXPECT_EQ(to_owner.attr_or("type"), "unavailable");
  EXPECT_EQ(to_owner.child_text("status"), "bye");
  EXPECT_EQ(item_of(to_owner)->attr_or("role"), "none");
  EXPECT_TRUE(has_status(only_to(out, kAlice), 110));
  EXPECT_EQ(room->occupant("alice"), nullptr);
}

TEST_F(RoomPresenceTest, Leave_LastOccupantOfTemporaryRoom_DeletedAndGone) {
  create();
  Outcome out = leave(kOwner, "owner");
  EXPECT_TRUE(out.room_gone);
  EXPECT_EQ(store_ops<DeleteRoom>(out).size(), 1u);
}

TEST_F(RoomPresenceTest, Leave_LastOccupantOfPersistentRoom_Stays) {
  create(field("muc#roomconfig_persistentroom", "1"));
  Outcome out = leave(kOwner, "owner");
  EXPECT_FALSE(out.room_gone);
  EXPECT_TRUE(store_ops<DeleteRoom>(out).empty());
}

TEST_F(RoomPresenceTest, SessionGone_OccupantLeaves) {
  create();
  join(kAlice, "alice");
  Outcome out = room->sessions_gone({jid(kAlice)}, now);
  EXPECT_EQ(only_to(out, kOwner).attr_or("type"), "unavailable");
  EXPECT_FALSE(has_status(only_to(out, kOwner), 333));
  EXPECT_EQ(room->occupant("alice"), nullptr);
}

TEST_F(RoomPresenceTest, SessionsGoneTogether_OthersToldOfEach_LeaversOfNone) {
  create();
  join(kAlice, "alice");
  join(kBob, "bob");
  join("carol@example.org/c", "carol");
  Outcome out = room->sessions_gone({jid(kAlice), jid(kBob)}, now);
  EXPECT_EQ(room->occupant("alice"), nullptr);
  EXPECT_EQ(room->occupant("bob"), nullptr);
  for (std::string_view stays : {kOwner, std::string_view("carol@example.org/c")}) {
    std::vector<std::string> told;
    for (const xmpp::Element* stanza : received_by(out, stays)) {
      EXPECT_EQ(stanza->attr_or("type"), "unavailable");
      told.push_back(stanza->attr_or("from"));
    }
    EXPECT_EQ(told, (std::vector<std::string>{kRoom + "/alice", kRoom + "/bob"})) << stays;
  }
  EXPECT_TRUE(received_by(out, kAlice).empty());
  EXPECT_TRUE(received_by(out, kBob).empty());
  std::vector<std::string> leaves;
  for (const RecordEvent* recorded : store_ops<RecordEvent>(out)) {
    EXPECT_EQ(recorded->event.kind, RoomEventKind::leave);
    leaves.push_back(recorded->event.actor_nick);
  }
  EXPECT_EQ(leaves, (std::vector<std::string>{"alice", "bob"}));
}

TEST_F(RoomPresenceTest, SessionsGone_OneOfAnOccupantsSessions_OccupantStays) {
  create();
  join(kAlice, "alice");
  join("alice@example.org/laptop", "alice");
  Outcome out = room->sessions_gone({jid("alice@example.org/laptop"), jid(kBob)}, now);
  ASSERT_NE(room->occupant("alice"), nullptr);
  EXPECT_EQ(room->occupant("alice")->sessions.size(), 1u);
  EXPECT_TRUE(received_by(out, "alice@example.org/laptop").empty());
  for (const xmpp::Element* stanza : received_by(out, kOwner)) {
    EXPECT_NE(stanza->attr_or("type"), "unavailable");
  }
  EXPECT_TRUE(store_ops<RecordEvent>(out).empty());
}

TEST_F(RoomPresenceTest, PresenceError_FromOccupant_Removed) {
  create();
  join(kAlice, "alice");
  Outcome out = handle("<presence type='error' from='" + std::string(kAlice) + "' to='" + kRoom +
                       "/alice'><error type='cancel'><gone "
                       "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>");
  EXPECT_EQ(room->occupant("alice"), nullptr);
  EXPECT_TRUE(has_status(only_to(out, kOwner), 333));
}

TEST_F(RoomPresenceTest, PresenceBroadcast_VisitorsExcluded_OnlyModeratorsSeeThem) {
  create(field("muc#roomconfig_moderatedroom", "1") +
         "<field var='muc#roomconfig_presencebroadcast'><value>moderator</value>"
         "<value>participant</value></field>");
  admin_set(kOwner, "<item affiliation='member' jid='bob@example.org'/>");
  join(kBob, "bob");
  Outcome out = join(kAlice, "alice");  // a visitor
  EXPECT_EQ(received_by(out, kBob).size(), 0u);
  EXPECT_EQ(received_by(out, kOwner).size(), 1u);
}

TEST_F(RoomPresenceTest, LargeRoom_ParticipantJoinsAndLeavesReachOnlyModerators) {
  settings.participant_update_limit = 2;
  create();
  join(kAlice, "alice");
  Outcome out = join(kBob, "bob");  // three occupants now: above the limit
  EXPECT_EQ(received_by(out, kAlice).size(), 0u);
  EXPECT_EQ(received_by(out, kOwner).size(), 1u);
  // The newcomer still gets its self-presence and sees the moderator, not the participant.
  std::vector<const xmpp::Element*> bob_got = received_by(out, kBob);
  ASSERT_EQ(bob_got.size(), 3u);
  EXPECT_EQ(bob_got[0]->attr_or("from"), kRoom + "/owner");
  EXPECT_TRUE(has_status(*bob_got[1], 110));
  Outcome left = leave(kBob, "bob");
  EXPECT_EQ(received_by(left, kAlice).size(), 0u);
  EXPECT_EQ(received_by(left, kOwner).size(), 1u);
}

TEST_F(RoomPresenceTest, PresenceToRoomFromNonOccupantWithoutNick_Ignored_ProbesIgnored) {
  create();
  Outcome out = handle("<presence type='probe' from='" + std::string(kAlice) + "' to='" + kRoom +
                       "/owner'/>");
  EXPECT_TRUE(out.actions.empty());
}

}  // namespace
}  // namespace stoa::muc::testing
