#include <gtest/gtest.h>

#include "tests/unit/muc/room_test_support.hpp"

namespace stoa::muc::testing {
namespace {

constexpr std::string_view kAlice = "alice@example.org/phone";
constexpr std::string_view kBob = "bob@example.org/laptop";
constexpr std::string_view kCarol = "carol@example.org/x";

class RoomAdminTest : public RoomTest {
 protected:
  void SetUp() override {
    create();
    join(kAlice, "alice");
    join(kBob, "bob");
  }
  std::string reply_type(const Outcome& out, std::string_view to) {
    for (const xmpp::Element* stanza : received_by(out, to)) {
      if (stanza->name() == "iq") {
        return stanza->attr_or("type") == "error" ? error_condition(*stanza)
                                                  : stanza->attr_or("type");
      }
    }
    return "no reply";
  }
};

TEST_F(RoomAdminTest, Kick_ByModerator_VictimFirstThenResultThenOthers_307) {
  Outcome out = admin_set(kOwner, "<item nick='bob' role='none'><reason>spam</reason></item>");
  EXPECT_EQ(room->occupant("bob"), nullptr);
  std::vector<const Send*> all = sends(out);
  ASSERT_GE(all.size(), 3u);
  EXPECT_EQ(all[0]->to, std::vector<xmpp::Jid>{jid(kBob)});
  const xmpp::Element& victim = all[0]->stanza;
  EXPECT_EQ(victim.attr_or("type"), "unavailable");
  EXPECT_TRUE(has_status(victim, 307));
  EXPECT_TRUE(has_status(victim, 110));
  EXPECT_EQ(item_of(victim)->attr_or("role"), "none");
  EXPECT_EQ(item_of(victim)->child("actor", ns::kMucUser)->attr_or("nick"), "owner");
  EXPECT_EQ(item_of(victim)->child_text("reason", ns::kMucUser), "spam");
  EXPECT_EQ(all[1]->stanza.name(), "iq");
  EXPECT_EQ(all[1]->stanza.attr_or("type"), "result");
  const xmpp::Element& to_alice = only_to(out, kAlice);
  EXPECT_TRUE(has_status(to_alice, 307));
  EXPECT_FALSE(has_status(to_alice, 110));
}

TEST_F(RoomAdminTest, Kick_ByParticipant_Forbidden) {
  Outcome out = admin_set(kAlice, "<item nick='bob' role='none'/>");
  EXPECT_EQ(reply_type(out, kAlice), "forbidden");
  EXPECT_NE(room->occupant("bob"), nullptr);
}

TEST_F(RoomAdminTest, Kick_Admin_NotAllowed) {
  admin_set(kOwner, "<item affiliation='admin' jid='alice@example.org'/>");
  admin_set(kOwner, "<item nick='bob' role='moderator'/>");
  Outcome out = admin_set(kBob, "<item nick='alice' role='none'/>");
  EXPECT_EQ(reply_type(out, kBob), "not-allowed");
}

TEST_F(RoomAdminTest, Kick_UnknownNick_ItemNotFound) {
  EXPECT_EQ(reply_type(admin_set(kOwner, "<item nick='nobody' role='none'/>"), kOwner),
            "item-not-found");
}

TEST_F(RoomAdminTest, Voice_RevokeAndGrant_PresenceWithNewRole) {
  Outcome revoked = admin_set(kOwner, "<item nick='alice' role='visitor'/>");
  EXPECT_EQ(room->occupant("alice")->role, Role::visitor);
  EXPECT_EQ(item_of(only_to(revoked, kBob))->attr_or("role"), "visitor");
  EXPECT_EQ(error_condition(only_to(say(kAlice, "hm"), kAlice)), "forbidden");
  admin_set(kOwner, "<item nick='alice' role='participant'/>");
  EXPECT_EQ(room->occupant("alice")->role, Role::participant);
}

TEST_F(RoomAdminTest, Moderator_GrantedOnlyByAdmins) {
  admin_set(kOwner, "<item nick='bob' role='moderator'/>");
  EXPECT_EQ(room->occupant("bob")->role, Role::moderator);
  Outcome out = admin_set(kBob, "<item nick='alice' role='moderator'/>");
  EXPECT_EQ(reply_type(out, kBob), "forbidden");
  // A moderator by grant cannot silence another one; an admin can revoke it.
  admin_set(kOwner, "<item nick='alice' role='moderator'/>");
  EXPECT_EQ(reply_type(admin_set(kBob, "<item nick='alice' role='visitor'/>"), kBob),
            "not-allowed");
  EXPECT_EQ(reply_type(admin_set(kOwner, "<item nick='alice' role='participant'/>"), kOwner),
            "result");
  EXPECT_EQ(room->occupant("alice")->role, Role::participant);
}

TEST_F(RoomAdminTest, Ban_PresentUser_Removed301AndStored) {
  Outcome out = admin_set(kOwner,
                          "<item affiliation='outcast' jid='bob@example.org'><reason>bye</reason>"
                          "</item>");
  ASSERT_EQ(store_ops<SetAffiliation>(out).size(), 1u);
  EXPECT_EQ(store_ops<SetAffiliation>(out).front()->record,
            (AffiliationRecord{"bob@example.org", Affiliation::outcast, "bye"}));
  EXPECT_LT(first_index<SetAffiliation>(out), first_index<Send>(out));
  EXPECT_EQ(room->occupant("bob"), nullptr);
  const xmpp::Element& victim = *received_by(out, kBob).front();
  EXPECT_TRUE(has_status(victim, 301));
  EXPECT_EQ(item_of(victim)->attr_or("affiliation"), "outcast");
  EXPECT_TRUE(has_status(only_to(out, kAlice), 301));
  EXPECT_EQ(room->affiliation_of(jid(kBob)), Affiliation::outcast);
}

TEST_F(RoomAdminTest, Ban_AbsentUser_StoredOnly) {
  Outcome out = admin_set(kOwner, "<item affiliation='outcast' jid='carol@example.org'/>");
  EXPECT_EQ(store_ops<SetAffiliation>(out).size(), 1u);
  EXPECT_EQ(reply_type(out, kOwner), "result");
  EXPECT_EQ(error_condition(only_to(join(kCarol, "carol"), kCarol)), "forbidden");
}

TEST_F(RoomAdminTest, Ban_WholeDomain_AppliesToItsUsers) {
  admin_set(kOwner, "<item affiliation='outcast' jid='evil.example'/>");
  EXPECT_EQ(error_condition(only_to(join("mallory@evil.example/r", "m"), "mallory@evil.example/r")),
            "forbidden");
}

TEST_F(RoomAdminTest, Affiliation_ByParticipant_Forbidden) {
  Outcome out = admin_set(kAlice, "<item affiliation='member' jid='carol@example.org'/>");
  EXPECT_EQ(reply_type(out, kAlice), "forbidden");
  EXPECT_TRUE(store_ops<SetAffiliation>(out).empty());
}

TEST_F(RoomAdminTest, Affiliation_AdminCannotTouchOwnersOrGrantAdmin) {
  admin_set(kOwner, "<item affiliation='admin' jid='alice@example.org'/>");
  EXPECT_EQ(room->occupant("alice")->role, Role::moderator);
  EXPECT_EQ(reply_type(admin_set(kAlice, "<item affiliation='outcast' jid='owner@example.org'/>"),
                       kAlice),
            "not-allowed");
  EXPECT_EQ(
      reply_type(admin_set(kAlice, "<item affiliation='admin' jid='bob@example.org'/>"), kAlice),
      "forbidden");
  EXPECT_EQ(
      reply_type(admin_set(kAlice, "<item affiliation='member' jid='bob@example.org'/>"), kAlice),
      "result");
}

TEST_F(RoomAdminTest, Affiliation_RevokingAdmin_DropsModeratorRole) {
  admin_set(kOwner, "<item affiliation='admin' jid='alice@example.org'/>");
  Outcome out = admin_set(kOwner, "<item affiliation='member' jid='alice@example.org'/>");
  EXPECT_EQ(room->occupant("alice")->role, Role::participant);
  EXPECT_EQ(item_of(only_to(out, kBob))->attr_or("affiliation"), "member");
}

TEST_F(RoomAdminTest, LastOwner_CannotStepDown_Conflict) {
  Outcome out = admin_set(kOwner, "<item affiliation='member' jid='owner@example.org'/>");
  EXPECT_EQ(reply_type(out, kOwner), "conflict");
  EXPECT_TRUE(store_ops<SetAffiliation>(out).empty());
  admin_set(kOwner, "<item affiliation='owner' jid='alice@example.org'/>");
  EXPECT_EQ(
      reply_type(admin_set(kOwner, "<item affiliation='member' jid='owner@example.org'/>"), kOwner),
      "result");
}

TEST_F(RoomAdminTest, Bulk_OneBadItem_NothingChanges) {
  Outcome out = admin_set(kOwner,
                          "<item affiliation='member' jid='carol@example.org'/>"
                          "<item affiliation='member' jid='not a jid@@'/>");
  EXPECT_EQ(reply_type(out, kOwner), "jid-malformed");
  EXPECT_TRUE(store_ops<SetAffiliation>(out).empty());
  EXPECT_EQ(room->affiliation_of(jid(kCarol)), Affiliation::none);
}

TEST_F(RoomAdminTest, Bulk_SeveralChanges_AllApplied) {
  Outcome out = admin_set(kOwner,
                          "<item affiliation='member' jid='carol@example.org'/>"
                          "<item affiliation='member' jid='dave@example.org'/>"
                          "<item nick='bob' role='visitor'/>");
  EXPECT_EQ(store_ops<SetAffiliation>(out).size(), 2u);
  EXPECT_EQ(room->occupant("bob")->role, Role::visitor);
}

TEST_F(RoomAdminTest, Lists_MemberListForAdminsAndAllowedRoles) {
  admin_set(kOwner,
            "<item affiliation='member' jid='carol@example.org'><reason>friend</reason>"
            "</item>");
  Outcome out = admin_get(kOwner, "<item affiliation='member'/>");
  const xmpp::Element& result = *received_by(out, kOwner).front();
  ASSERT_EQ(result.attr_or("type"), "result");
  std::vector<const xmpp::Element*> items =
      result.child("query", ns::kMucAdmin)->children("item", ns::kMucAdmin);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]->attr_or("jid"), "carol@example.org");
  EXPECT_EQ(items[0]->child_text("reason", ns::kMucAdmin), "friend");
  // getmemberlist allows every role by default.
  EXPECT_EQ(received_by(admin_get(kAlice, "<item affiliation='member'/>"), kAlice)
                .front()
                ->attr_or("type"),
            "result");
  configure(kOwner, "<field var='muc#roomconfig_getmemberlist'><value>moderator</value></field>");
  EXPECT_EQ(reply_type(admin_get(kAlice, "<item affiliation='member'/>"), kAlice), "forbidden");
}

TEST_F(RoomAdminTest, Lists_OutcastAndOwnerLists_Restricted) {
  EXPECT_EQ(reply_type(admin_get(kAlice, "<item affiliation='outcast'/>"), kAlice), "forbidden");
  admin_set(kOwner, "<item affiliation='admin' jid='alice@example.org'/>");
  EXPECT_EQ(reply_type(admin_get(kAlice, "<item affiliation='outcast'/>"), kAlice), "result");
  EXPECT_EQ(reply_type(admin_get(kAlice, "<item affiliation='owner'/>"), kAlice), "forbidden");
  EXPECT_EQ(reply_type(admin_get(kOwner, "<item affiliation='owner'/>"), kOwner), "result");
}

TEST_F(RoomAdminTest, Lists_RoleListForModeratorsWithNicks) {
  Outcome out = admin_get(kOwner, "<item role='participant'/>");
  const xmpp::Element& result = *received_by(out, kOwner).front();
  std::vector<const xmpp::Element*> items =
      result.child("query", ns::kMucAdmin)->children("item", ns::kMucAdmin);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]->attr_or("nick"), "alice");
  EXPECT_EQ(items[0]->attr_or("jid"), kAlice);
  EXPECT_EQ(reply_type(admin_get(kAlice, "<item role='moderator'/>"), kAlice), "forbidden");
}

TEST_F(RoomAdminTest, Lists_MalformedRequests_BadRequest) {
  EXPECT_EQ(reply_type(admin_get(kOwner, ""), kOwner), "bad-request");
  EXPECT_EQ(reply_type(admin_get(kOwner, "<item affiliation='boss'/>"), kOwner), "bad-request");
  EXPECT_EQ(reply_type(admin_get(kOwner, "<item affiliation='none'/>"), kOwner), "bad-request");
  EXPECT_EQ(reply_type(admin_set(kOwner, "<item nick='bob' role='king'/>"), kOwner), "bad-request");
}

TEST_F(RoomAdminTest, ServiceAdmin_OwnsEveryRoomWithoutAffiliation) {
  Outcome out = admin_set("admin@example.org/console", "<item nick='bob' role='none'/>");
  EXPECT_EQ(room->occupant("bob"), nullptr);
  EXPECT_EQ(room->affiliation_of(jid("admin@example.org/console")), Affiliation::owner);
}

TEST_F(RoomAdminTest, MembersOnly_RevokingMembership_Removes321) {
  admin_set(kOwner,
            "<item affiliation='member' jid='alice@example.org'/>"
            "<item affiliation='member' jid='bob@example.org'/>");
  configure(kOwner, field("muc#roomconfig_membersonly", "1"));
  Outcome out = admin_set(kOwner, "<item affiliation='none' jid='bob@example.org'/>");
  EXPECT_EQ(room->occupant("bob"), nullptr);
  EXPECT_TRUE(has_status(*received_by(out, kBob).front(), 321));
}

}  // namespace
}  // namespace stoa::muc::testing
