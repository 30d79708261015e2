#include <gtest/gtest.h>

#include <algorithm>

#include "muc/data_form.hpp"
#include "tests/unit/muc/room_test_support.hpp"

namespace stoa::muc::testing {
namespace {

constexpr std::string_view kAlice = "alice@example.org/phone";

class RoomDiscoTest : public RoomTest {
 protected:
  const xmpp::Element* query_of(const Outcome& out, std::string_view to, std::string_view xmlns) {
    for (const xmpp::Element* stanza : received_by(out, to)) {
      if (const xmpp::Element* query = stanza->child("query", xmlns)) {
        return query;
      }
    }
    return nullptr;
  }
  std::vector<std::string> features(const xmpp::Element& query) {
    std::vector<std::string> out;
    for (const xmpp::Element* feature : query.children("feature", xmpp::ns::kDiscoInfo)) {
      out.push_back(feature->attr_or("var"));
    }
    return out;
  }
  Outcome disco(std::string_view from, std::string_view xmlns, std::string_view to = kRoom,
                std::string_view inner = "") {
    return handle("<iq type='get' id='d' from='" + std::string(from) + "' to='" + std::string(to) +
                  "'><query xmlns='" + std::string(xmlns) + "'>" + std::string(inner) +
                  "</query></iq>");
  }
};

TEST_F(RoomDiscoTest, Info_FeaturesFollowConfiguration) {
  create(field("muc#roomconfig_persistentroom", "1") + field("muc#roomconfig_membersonly", "1") +
         field("muc#roomconfig_moderatedroom", "1") + field("muc#roomconfig_publicroom", "0") +
         field("muc#roomconfig_whois", "anyone") +
         field("muc#roomconfig_passwordprotectedroom", "1") +
         field("muc#roomconfig_roomsecret", "x"));
  Outcome out = disco(kAlice, xmpp::ns::kDiscoInfo);
  const xmpp::Element* query = query_of(out, kAlice, xmpp::ns::kDiscoInfo);
  ASSERT_NE(query, nullptr);
  std::vector<std::string> found = features(*query);
  for (const char* feature :
       {"http://jabber.org/protocol/muc", "muc_persistent", "muc_membersonly", "muc_moderated",
        "muc_passwordprotected", "muc_hidden", "muc_nonanonymous", "urn:xmpp:occupant-id:0",
        "urn:xmpp:sid:0", "http://jabber.org/protocol/muc#self-ping-optimization"}) {
    EXPECT_NE(std::ranges::find(found, feature), found.end()) << feature;
  }
  for (const char* absent : {"muc_temporary", "muc_open", "muc_unmoderated", "muc_unsecured",
                             "muc_public", "muc_semianonymous"}) {
    EXPECT_EQ(std::ranges::find(found, absent), found.end()) << absent;
  }
  EXPECT_EQ(query->child("identity", xmpp::ns::kDiscoInfo)->attr_or("category"), "conference");
}

TEST_F(RoomDiscoTest, Info_RoomInfoFormWithDescriptionSubjectAndOccupants) {
  create(field("muc#roomconfig_roomdesc", "About things") +
         field("muc#roomconfig_roomname", "Things"));
  handle("<message type='groupchat' from='" + std::string(kOwner) + "' to='" + kRoom +
         "'><subject>Today</subject></message>");
  Outcome out = disco(kAlice, xmpp::ns::kDiscoInfo);
  const xmpp::Element* query = query_of(out, kAlice, xmpp::ns::kDiscoInfo);
  std::optional<DataForm> info = parse_form(*query->child("x", xmpp::ns::kDataForms));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->form_type(), ns::kMucRoomInfo);
  EXPECT_EQ(info->field("muc#roominfo_description")->value(), "About things");
  EXPECT_EQ(info->field("muc#roominfo_subject")->value(), "Today");
  EXPECT_EQ(info->field("muc#roominfo_occupants")->value(), "1");
  EXPECT_EQ(query->child("identity", xmpp::ns::kDiscoInfo)->attr_or("name"), "Things");
}

TEST_F(RoomDiscoTest, LockedRoom_OthersGetItemNotFound) {
  join(kOwner, "owner");
  EXPECT_EQ(error_condition(only_to(disco(kAlice, xmpp::ns::kDiscoInfo), kAlice)),
            "item-not-found");
  Outcome owner = disco(kOwner, xmpp::ns::kDiscoInfo);
  EXPECT_NE(query_of(owner, kOwner, xmpp::ns::kDiscoInfo), nullptr);
}

TEST_F(RoomDiscoTest, Items_OccupantsSeeNicksOutsidersNothing) {
  create();
  join(kAlice, "alice");
  Outcome in_room = disco(kAlice, xmpp::ns::kDiscoItems);
  const xmpp::Element* inside = query_of(in_room, kAlice, xmpp::ns::kDiscoItems);
  ASSERT_NE(inside, nullptr);
  std::vector<const xmpp::Element*> items = inside->children("item", xmpp::ns::kDiscoItems);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]->attr_or("jid"), kRoom + "/alice");
  Outcome from_outside = disco("eve@example.org/x", xmpp::ns::kDiscoItems);
  const xmpp::Element* outside = query_of(from_outside, "eve@example.org/x", xmpp::ns::kDiscoItems);
  ASSERT_NE(outside, nullptr);
  EXPECT_FALSE(outside->has_children());
}

TEST_F(RoomDiscoTest, Items_PagedWithRsm) {
  create();
  for (int i = 0; i < 5; ++i) {
    join("u" + std::to_string(i) + "@example.org/r", "u" + std::to_string(i));
  }
  Outcome out = disco(kOwner, xmpp::ns::kDiscoItems, kRoom,
                      "<set xmlns='http://jabber.org/protocol/rsm'><max>2</max><after>u0</after>"
                      "</set>");
  const xmpp::Element* query = query_of(out, kOwner, xmpp::ns::kDiscoItems);
  std::vector<const xmpp::Element*> items = query->children("item", xmpp::ns::kDiscoItems);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]->attr_or("name"), "u1");
  EXPECT_EQ(query->child("set", ns::kRsm)->child_text("count", ns::kRsm), "6");
}

TEST_F(RoomDiscoTest, SelfPing_JoinedResult_NotJoinedNotAcceptable) {
  create();
  join(kAlice, "alice");
  auto ping = [this](std::string_view from, std::string_view nick) {
    return handle("<iq type='get' id='p' from='" + std::string(from) + "' to='" + kRoom + "/" +
                  std::string(nick) + "'><ping xmlns='urn:xmpp:ping'/></iq>");
  };
  EXPECT_EQ(only_to(ping(kAlice, "alice"), kAlice).attr_or("type"), "result");
  EXPECT_EQ(
      error_condition(only_to(ping("alice@example.org/gone", "alice"), "alice@example.org/gone")),
      "not-acceptable");
  EXPECT_EQ(error_condition(only_to(ping(kAlice, "owner"), kAlice)), "service-unavailable");
}

TEST_F(RoomDiscoTest, UnknownIq_ServiceUnavailable_PingToRoomAnswered) {
  create();
  Outcome unknown = handle("<iq type='get' id='v' from='" + std::string(kAlice) + "' to='" + kRoom +
                           "'><query xmlns='jabber:iq:version'/></iq>");
  EXPECT_EQ(error_condition(only_to(unknown, kAlice)), "service-unavailable");
  Outcome ping = handle("<iq type='get' id='p' from='" + std::string(kAlice) + "' to='" + kRoom +
                        "'><ping xmlns='urn:xmpp:ping'/></iq>");
  EXPECT_EQ(only_to(ping, kAlice).attr_or("type"), "result");
  Outcome result =
      handle("<iq type='result' id='p' from='" + std::string(kAlice) + "' to='" + kRoom + "'/>");
  EXPECT_TRUE(result.actions.empty());
}

}  // namespace
}  // namespace stoa::muc::testing
