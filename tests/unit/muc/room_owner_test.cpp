#include <gtest/gtest.h>

#include "muc/data_form.hpp"
#include "tests/unit/muc/room_test_support.hpp"

namespace stoa::muc::testing {
namespace {

constexpr std::string_view kAlice = "alice@example.org/phone";
constexpr std::string_view kBob = "bob@example.org/laptop";

class RoomOwnerTest : public RoomTest {
 protected:
  std::string iq_result(const Outcome& out, std::string_view to) {
    for (const xmpp::Element* stanza : received_by(out, to)) {
      if (stanza->name() == "iq") {
        return stanza->attr_or("type") == "error" ? error_condition(*stanza)
                                                  : stanza->attr_or("type");
      }
    }
    return "no reply";
  }
  std::optional<DataForm> config_form_of(const Outcome& out) {
    for (const xmpp::Element* stanza : received_by(out, kOwner)) {
      if (const xmpp::Element* query = stanza->child("query", ns::kMucOwner)) {
        return parse_form(*query->child("x", xmpp::ns::kDataForms));
      }
    }
    return std::nullopt;
  }
};

TEST_F(RoomOwnerTest, ConfigForm_OwnerGetsCurrentValues) {
  create(field("muc#roomconfig_roomname", "Plans") + field("muc#roomconfig_persistentroom", "1"));
  Outcome out = handle("<iq type='get' id='f' from='" + std::string(kOwner) + "' to='" + kRoom +
                       "'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
  std::optional<DataForm> form = config_form_of(out);
  ASSERT_TRUE(form);
  EXPECT_EQ(form->type, "form");
  EXPECT_EQ(form->form_type(), ns::kMucRoomConfig);
  EXPECT_EQ(form->field("muc#roomconfig_roomname")->value(), "Plans");
  EXPECT_EQ(form->field("muc#roomconfig_persistentroom")->value(), "1");
  EXPECT_EQ(form->field("muc#roomconfig_roomowners")->values,
            std::vector<std::string>{"owner@example.org"});
  for (const char* var :
       {"muc#roomconfig_roomdesc", "muc#roomconfig_publicroom", "muc#roomconfig_membersonly",
        "muc#roomconfig_moderatedroom", "muc#roomconfig_passwordprotectedroom",
        "muc#roomconfig_roomsecret", "muc#roomconfig_whois", "muc#roomconfig_maxusers",
        "muc#roomconfig_allowinvites", "muc#roomconfig_allowpm", "muc#roomconfig_changesubject",
        "muc#roomconfig_enablelogging", "muc#roomconfig_getmemberlist",
        "muc#roomconfig_presencebroadcast", "muc#maxhistoryfetch", "muc#roomconfig_roomadmins"}) {
    EXPECT_NE(form->field(var), nullptr) << var;
  }
}

TEST_F(RoomOwnerTest, ConfigForm_NonOwner_Forbidden) {
  create();
  join(kAlice, "alice");
  Outcome out = handle("<iq type='get' id='f' from='" + std::string(kAlice) + "' to='" + kRoom +
                       "'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
  EXPECT_EQ(iq_result(out, kAlice), "forbidden");
  EXPECT_EQ(iq_result(configure(kAlice, ""), kAlice), "forbidden");
}

TEST_F(RoomOwnerTest, Submit_StoresConfigAndUnlocks) {
  join(kOwner, "owner");
  ASSERT_TRUE(room->is_locked());
  Outcome out = configure(kOwner, field("muc#roomconfig_persistentroom", "1") +
                                      field("muc#roomconfig_roomdesc", "A room"));
  EXPECT_FALSE(room->is_locked());
  ASSERT_EQ(store_ops<SaveConfig>(out).size(), 1u);
  EXPECT_TRUE(store_ops<SaveConfig>(out).front()->config.persistent);
  EXPECT_EQ(store_ops<SaveConfig>(out).front()->config.description, "A room");
  EXPECT_LT(first_index<SaveConfig>(out), first_index<Send>(out));
  EXPECT_EQ(iq_result(out, kOwner), "result");
  // The initial configuration announces nothing.
  EXPECT_EQ(received_by(out, kOwner).size(), 1u);
}

TEST_F(RoomOwnerTest, Submit_InvalidValues_BadRequestOrNotAcceptable) {
  create();
  EXPECT_EQ(iq_result(configure(kOwner, field("muc#roomconfig_membersonly", "maybe")), kOwner),
            "bad-request");
  EXPECT_EQ(iq_result(configure(kOwner, field("muc#roomconfig_maxusers", "lots")), kOwner),
            "bad-request");
  EXPECT_EQ(iq_result(configure(kOwner, field("muc#roomconfig_maxusers", "999999")), kOwner),
            "not-acceptable");
  EXPECT_EQ(iq_result(configure(kOwner, field("muc#roomconfig_whois", "everybody")), kOwner),
            "bad-request");
  EXPECT_EQ(
      iq_result(configure(kOwner, field("muc#roomconfig_passwordprotectedroom", "1")), kOwner),
      "not-acceptable");
  EXPECT_EQ(iq_result(configure(kOwner, field("muc#maxhistoryfetch", "5000")), kOwner),
            "not-acceptable");
  EXPECT_EQ(iq_result(configure(kOwner, "<field var='muc#roomconfig_roomowners'/>"), kOwner),
            "conflict");
  EXPECT_FALSE(room->config().members_only);
}

TEST_F(RoomOwnerTest, Submit_Changes_OccupantsToldWithStatusCodes) {
  create();
  join(kAlice, "alice");
  Outcome out = configure(kOwner, field("muc#roomconfig_roomname", "New") +
                                      field("muc#roomconfig_whois", "anyone") +
                                      field("muc#roomconfig_enablelogging", "0"));
  const xmpp::Element& notice = *received_by(out, kAlice).back();
  EXPECT_EQ(notice.name(), "message");
  EXPECT_EQ(notice.attr_or("from"), kRoom);
  EXPECT_TRUE(has_status(notice, 104));
  EXPECT_TRUE(has_status(notice, 171));
  EXPECT_TRUE(has_status(notice, 172));
}

TEST_F(RoomOwnerTest, Submit_MembersOnly_NonMembersRemoved322) {
  create();
  join(kAlice, "alice");
  join(kBob, "bob");
  admin_set(kOwner, "<item affiliation='member' jid='alice@example.org'/>");
  Outcome out = configure(kOwner, field("muc#roomconfig_membersonly", "1"));
  EXPECT_EQ(room->occupant("bob"), nullptr);
  EXPECT_NE(room->occupant("alice"), nullptr);
  EXPECT_TRUE(has_status(*received_by(out, kBob).front(), 322));
}

TEST_F(RoomOwnerTest, Submit_OwnerAndAdminLists_BecomeAffiliations) {
  create();
  join(kAlice, "alice");
  Outcome out =
      configure(kOwner,
                "<field var='muc#roomconfig_roomowners'><value>owner@example.org</value>"
                "<value>alice@example.org</value></field><field var='muc#roomconfig_roomadmins'>"
                "<value>bob@example.org</value></field>");
  EXPECT_EQ(store_ops<SetAffiliation>(out).size(), 2u);
  EXPECT_EQ(room->affiliation_of(jid(kAlice)), Affiliation::owner);
  EXPECT_EQ(room->affiliation_of(jid(kBob)), Affiliation::admin);
  EXPECT_EQ(room->occupant("alice")->role, Role::moderator);
  // Dropping alice from the owner list takes her ownership away again.
  configure(kOwner,
            "<field var='muc#roomconfig_roomowners'><value>owner@example.org</value></field>");
  EXPECT_EQ(room->affiliation_of(jid(kAlice)), Affiliation::none);
  EXPECT_EQ(room->occupant("alice")->role, Role::participant);
}

TEST_F(RoomOwnerTest, CancelInitialConfiguration_DestroysRoom) {
  join(kOwner, "owner");
  Outcome out = handle("<iq type='set' id='c' from='" + std::string(kOwner) + "' to='" + kRoom +
                       "'><query xmlns='http://jabber.org/protocol/muc#owner'><x "
                       "xmlns='jabber:x:data' type='cancel'/></query></iq>");
  EXPECT_TRUE(out.room_gone);
  EXPECT_EQ(store_ops<DeleteRoom>(out).size(), 1u);
}

TEST_F(RoomOwnerTest, Destroy_WithReasonAndVenue_EveryoneToldStoreDeleted) {
  create(field("muc#roomconfig_persistentroom", "1"));
  join(kAlice, "alice");
  Outcome out =
      handle("<iq type='set' id='d' from='" + std::string(kOwner) + "' to='" + kRoom +
             "'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy "
             "jid='new@conference.example.org'><reason>moved</reason></destroy></query></iq>");
  EXPECT_TRUE(out.room_gone);
  EXPECT_EQ(first_index<DeleteRoom>(out), 0);
  const xmpp::Element& told = only_to(out, kAlice);
  EXPECT_EQ(told.attr_or("type"), "unavailable");
  EXPECT_EQ(told.attr_or("from"), kRoom + "/alice");
  const xmpp::Element* destroy = told.child("x", ns::kMucUser)->child("destroy", ns::kMucUser);
  ASSERT_NE(destroy, nullptr);
  EXPECT_EQ(destroy->attr_or("jid"), "new@conference.example.org");
  EXPECT_EQ(destroy->child_text("reason", ns::kMucUser), "moved");
  EXPECT_EQ(item_of(told)->attr_or("role"), "none");
  EXPECT_EQ(iq_result(out, kOwner), "result");
  EXPECT_EQ(room->occupant_count(), 0u);
  EXPECT_TRUE(handle("<presence from='" + std::string(kAlice) + "' to='" + kRoom + "/alice'/>")
                  .actions.empty());
}

TEST_F(RoomOwnerTest, Destroy_BadVenue_JidMalformedAndRoomKept) {
  create();
  Outcome out = handle("<iq type='set' id='d' from='" + std::string(kOwner) + "' to='" + kRoom +
                       "'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy "
                       "jid='@@'/></query></iq>");
  EXPECT_EQ(iq_result(out, kOwner), "jid-malformed");
  EXPECT_FALSE(out.room_gone);
}

TEST_F(RoomOwnerTest, Destroy_ByNonOwner_Forbidden) {
  create();
  join(kAlice, "alice");
  Outcome out = handle("<iq type='set' id='d' from='" + std::string(kAlice) + "' to='" + kRoom +
                       "'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/>"
                       "</query></iq>");
  EXPECT_EQ(iq_result(out, kAlice), "forbidden");
  EXPECT_FALSE(out.room_gone);
}

TEST_F(RoomOwnerTest, Persistent_ConfiguredTemporaryWhileEmpty_Deleted) {
  create(field("muc#roomconfig_persistentroom", "1"));
  leave(kOwner, "owner");
  Outcome out = configure(kOwner, field("muc#roomconfig_persistentroom", "0"));
  EXPECT_TRUE(out.room_gone);
  EXPECT_EQ(store_ops<DeleteRoom>(out).size(), 1u);
}

TEST_F(RoomOwnerTest, RestoredRoom_KeepsConfigSubjectAffiliationsAndOccupantIds) {
  create(field("muc#roomconfig_persistentroom", "1") + field("muc#roomconfig_membersonly", "1"));
  admin_set(kOwner, "<item affiliation='member' jid='alice@example.org'/>");
  handle("<message type='groupchat' from='" + std::string(kOwner) + "' to='" + kRoom +
         "'><subject>kept</subject></message>");
  const std::string id_before(room->occupant("owner")->occupant_id());
  Room restored(room->snapshot(), settings, ids);
  EXPECT_TRUE(restored.config().members_only);
  EXPECT_EQ(restored.subject().text, "kept");
  EXPECT_EQ(restored.affiliation_of(jid(kAlice)), Affiliation::member);
  Outcome joined = restored.handle(
      xml("<presence from='" + std::string(kOwner) + "' to='" + kRoom + "/owner'/>"), now);
  EXPECT_EQ(restored.occupant("owner")->occupant_id(), id_before);
  EXPECT_TRUE(store_ops<CreateRoom>(joined).empty());
}

}  // namespace
}  // namespace stoa::muc::testing
