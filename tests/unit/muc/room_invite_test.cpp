#include <gtest/gtest.h>

#include "muc/data_form.hpp"
#include "tests/unit/muc/room_test_support.hpp"

namespace stoa::muc::testing {
namespace {

constexpr std::string_view kAlice = "alice@example.org/phone";
constexpr std::string_view kBob = "bob@example.org/laptop";

class RoomInviteTest : public RoomTest {
 protected:
  Outcome invite(std::string_view from, std::string_view to, std::string_view reason = "") {
    return handle(
        "<message id='i1' from='" + std::string(from) + "' to='" + kRoom +
        "'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='" + std::string(to) + "'>" +
        (reason.empty() ? std::string() : "<reason>" + std::string(reason) + "</reason>") +
        "</invite></x></message>");
  }
  Outcome request_voice(std::string_view from) {
    return handle("<message from='" + std::string(from) + "' to='" + kRoom +
                  "'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>"
                  "http://jabber.org/protocol/muc#request</value></field><field "
                  "var='muc#role'><value>participant</value></field></x></message>");
  }
};

TEST_F(RoomInviteTest, Invite_FromModerator_RelayedFromRoomWithInviterAndReason) {
  create(field("muc#roomconfig_passwordprotectedroom", "1") +
         field("muc#roomconfig_roomsecret", "pw"));
  Outcome out = invite(kOwner, "carol@example.org", "join us");
  const xmpp::Element& invitation = only_to(out, "carol@example.org");
  EXPECT_EQ(invitation.attr_or("from"), kRoom);
  const xmpp::Element* x = invitation.child("x", ns::kMucUser);
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->child("invite", ns::kMucUser)->attr_or("from"), kOwner);
  EXPECT_EQ(x->child("invite", ns::kMucUser)->child_text("reason", ns::kMucUser), "join us");
  EXPECT_EQ(x->child_text("password", ns::kMucUser), "pw");
  EXPECT_NE(invitation.child_text("body").find(kRoom), std::string::npos);
}

TEST_F(RoomInviteTest, Invite_ByParticipantWhenNotAllowed_Forbidden) {
  create();
  join(kAlice, "alice");
  EXPECT_EQ(error_condition(only_to(invite(kAlice, "carol@example.org"), kAlice)), "forbidden");
  configure(kOwner, field("muc#roomconfig_allowinvites", "1"));
  EXPECT_EQ(only_to(invite(kAlice, "carol@example.org"), "carol@example.org").attr_or("from"),
            kRoom);
}

TEST_F(RoomInviteTest, Invite_FromOutsider_NotAcceptable) {
  create(field("muc#roomconfig_allowinvites", "1"));
  EXPECT_EQ(error_condition(only_to(invite(kBob, "carol@example.org"), kBob)), "not-acceptable");
}

TEST_F(RoomInviteTest, Invite_MalformedInvitee_JidMalformedAndNothingSent) {
  create();
  Outcome out = invite(kOwner, "@@bad");
  EXPECT_EQ(error_condition(only_to(out, kOwner)), "jid-malformed");
  EXPECT_EQ(sends(out).size(), 1u);
}

TEST_F(RoomInviteTest, Invite_MembersOnlyRoom_InviteeBecomesMember) {
  create(field("muc#roomconfig_membersonly", "1"));
  Outcome out = invite(kOwner, "carol@example.org/pc");
  ASSERT_EQ(store_ops<SetAffiliation>(out).size(), 1u);
  EXPECT_EQ(store_ops<SetAffiliation>(out).front()->record,
            (AffiliationRecord{"carol@example.org", Affiliation::member, ""}));
  EXPECT_EQ(room->affiliation_of(jid("carol@example.org")), Affiliation::member);
  join("carol@example.org/pc", "carol");
  EXPECT_NE(room->occupant("carol"), nullptr);
}

TEST_F(RoomInviteTest, Decline_RelayedToInviterFromRoom) {
  create();
  Outcome out = handle("<message from='carol@example.org/pc' to='" + kRoom +
                       "'><x xmlns='http://jabber.org/protocol/muc#user'><decline "
                       "to='owner@example.org'><reason>busy</reason></decline></x></message>");
  const xmpp::Element& decline = only_to(out, "owner@example.org");
  EXPECT_EQ(decline.attr_or("from"), kRoom);
  const xmpp::Element* item = decline.child("x", ns::kMucUser)->child("decline", ns::kMucUser);
  EXPECT_EQ(item->attr_or("from"), "carol@example.org");
  EXPECT_EQ(item->child_text("reason", ns::kMucUser), "busy");
}

TEST_F(RoomInviteTest, VoiceRequest_VisitorAsks_ModeratorsGetFormThenApproveGrantsVoice) {
  create(field("muc#roomconfig_moderatedroom", "1"));
  join(kAlice, "alice");
  ASSERT_EQ(room->occupant("alice")->role, Role::visitor);
  Outcome asked = request_voice(kAlice);
  const xmpp::Element& to_owner = only_to(asked, kOwner);
  std::optional<DataForm> form = parse_form(*to_owner.child("x", xmpp::ns::kDataForms));
  ASSERT_TRUE(form);
  EXPECT_EQ(form->form_type(), ns::kMucRequest);
  EXPECT_EQ(form->field("muc#roomnick")->value(), "alice");
  EXPECT_EQ(form->field("muc#jid")->value(), kAlice);
  // A second request while the first is pending reaches nobody.
  EXPECT_TRUE(request_voice(kAlice).actions.empty());

  Outcome approved =
      handle("<message from='" + std::string(kOwner) + "' to='" + kRoom +
             "'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>"
             "http://jabber.org/protocol/muc#request</value></field><field var='muc#role'><value>"
             "participant</value></field><field var='muc#roomnick'><value>alice</value></field>"
             "<field var='muc#request_allow'><value>true</value></field></x></message>");
  EXPECT_EQ(room->occupant("alice")->role, Role::participant);
  EXPECT_EQ(item_of(*received_by(approved, kAlice).front())->attr_or("role"), "participant");
}

TEST_F(RoomInviteTest, VoiceRequest_Disabled_NotAllowed_AndParticipantsNotAcceptable) {
  create(field("muc#roomconfig_moderatedroom", "1") +
         field("muc#roomconfig_allowvoicerequests", "0"));
  join(kAlice, "alice");
  EXPECT_EQ(error_condition(only_to(request_voice(kAlice), kAlice)), "not-allowed");
  join(kBob, "bob");
  admin_set(kOwner, "<item nick='bob' role='participant'/>");
  EXPECT_EQ(error_condition(only_to(request_voice(kBob), kBob)), "not-acceptable");
}

TEST_F(RoomInviteTest, VoiceApproval_ByNonModerator_Forbidden) {
  create(field("muc#roomconfig_moderatedroom", "1"));
  join(kAlice, "alice");
  Outcome out = handle(
      "<message from='" + std::string(kAlice) + "' to='" + kRoom +
      "'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>"
      "http://jabber.org/protocol/muc#request</value></field><field var='muc#roomnick'><value>"
      "alice</value></field><field var='muc#request_allow'><value>1</value></field></x>"
      "</message>");
  EXPECT_EQ(error_condition(only_to(out, kAlice)), "forbidden");
  EXPECT_EQ(room->occupant("alice")->role, Role::visitor);
}

}  // namespace
}  // namespace stoa::muc::testing
