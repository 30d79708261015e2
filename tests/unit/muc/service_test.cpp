#include "muc/service.hpp"

#include <gtest/gtest.h>

#include "tests/unit/muc/room_test_support.hpp"

namespace stoa::muc::testing {
namespace {

TEST(RoomCreation, Anyone_LocalUsersOnly) {
  ServiceSettings settings = test_settings();
  EXPECT_FALSE(check_room_creation(settings, jid("alice@example.org/x"), 0));
  std::optional<xmpp::StanzaError> remote =
      check_room_creation(settings, jid("eve@elsewhere.example/x"), 0);
  ASSERT_TRUE(remote);
  EXPECT_EQ(remote->condition, xmpp::StanzaCondition::not_allowed);
}

TEST(RoomCreation, AdminsOnly_OthersNotAllowed) {
  ServiceSettings settings = test_settings();
  settings.room_creation = RoomCreation::admins;
  EXPECT_TRUE(check_room_creation(settings, jid("alice@example.org/x"), 0));
  EXPECT_FALSE(check_room_creation(settings, jid("admin@example.org/x"), 0));
}

TEST(RoomCreation, List_CreatorsAndAdminsOnly) {
  ServiceSettings settings = test_settings();
  settings.room_creation = RoomCreation::list;
  settings.room_creators = {"bob@example.org"};
  EXPECT_TRUE(check_room_creation(settings, jid("alice@example.org/x"), 0));
  EXPECT_FALSE(check_room_creation(settings, jid("bob@example.org/x"), 0));
  EXPECT_FALSE(check_room_creation(settings, jid("admin@example.org/x"), 0));
}

TEST(RoomCreation, RoomsPerUser_LimitedExceptForAdmins) {
  ServiceSettings settings = test_settings();
  settings.max_rooms_per_user = 2;
  EXPECT_FALSE(check_room_creation(settings, jid("alice@example.org/x"), 1));
  EXPECT_TRUE(check_room_creation(settings, jid("alice@example.org/x"), 2));
  EXPECT_FALSE(check_room_creation(settings, jid("admin@example.org/x"), 50));
}

TEST(CreatesRoom, OnlyAvailablePresenceWithNick) {
  EXPECT_TRUE(creates_room(xml("<presence from='a@example.org/r' to='" + kRoom + "/n'/>")));
  EXPECT_FALSE(creates_room(xml("<presence from='a@example.org/r' to='" + kRoom + "'/>")));
  EXPECT_FALSE(creates_room(
      xml("<presence type='unavailable' from='a@example.org/r' to='" + kRoom + "/n'/>")));
  EXPECT_FALSE(creates_room(xml("<message from='a@example.org/r' to='" + kRoom + "/n'/>")));
}

TEST(MissingRoom, MessagesAndIqsItemNotFound_PresenceWithoutNickJidMalformed) {
  std::optional<xmpp::Element> message = answer_missing_room(
      xml("<message type='groupchat' from='a@example.org/r' to='" + kRoom + "'/>"));
  ASSERT_TRUE(message);
  EXPECT_EQ(error_condition(*message), "item-not-found");
  EXPECT_EQ(message->attr_or("to"), "a@example.org/r");
  std::optional<xmpp::Element> iq =
      answer_missing_room(xml("<iq type='get' id='1' from='a@example.org/r' to='" + kRoom +
                              "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"));
  EXPECT_EQ(error_condition(*iq), "item-not-found");
  EXPECT_EQ(error_condition(
                *answer_missing_room(xml("<presence from='a@example.org/r' to='" + kRoom + "'/>"))),
            "jid-malformed");
  EXPECT_FALSE(answer_missing_room(
      xml("<presence type='unavailable' from='a@example.org/r' to='" + kRoom + "/n'/>")));
}

class ServiceDiscoTest : public ::testing::Test {
 protected:
  std::optional<xmpp::Element> ask(std::string_view query_xml) {
    return answer_service_stanza(
        xml("<iq type='get' id='q' from='a@example.org/r' to='conference.example.org'>" +
            std::string(query_xml) + "</iq>"),
        settings, rooms);
  }
  ServiceSettings settings = test_settings();
  std::vector<RoomListing> rooms;
};

TEST_F(ServiceDiscoTest, Info_ConferenceIdentityAndMucFeature) {
  std::optional<xmpp::Element> reply =
      ask("<query xmlns='http://jabber.org/protocol/disco#info'/>");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->attr_or("type"), "result");
  EXPECT_EQ(reply->attr_or("to"), "a@example.org/r");
  const xmpp::Element* query = reply->child("query", xmpp::ns::kDiscoInfo);
  EXPECT_EQ(query->child("identity", xmpp::ns::kDiscoInfo)->attr_or("category"), "conference");
  bool muc = false;
  for (const xmpp::Element* feature : query->children("feature", xmpp::ns::kDiscoInfo)) {
    muc = muc || feature->attr_or("var") == ns::kMuc;
  }
  EXPECT_TRUE(muc);
}

TEST_F(ServiceDiscoTest, Items_OnlyListedRoomsSortedAndPaged) {
  for (int i = 9; i >= 0; --i) {
    rooms.push_back(RoomListing{"r" + std::to_string(i) + "@conference.example.org",
                                "Room " + std::to_string(i),
                                i != 3,
                                true,
                                0,
                                {}});
  }
  std::optional<xmpp::Element> all = ask("<query xmlns='http://jabber.org/protocol/disco#items'/>");
  std::vector<const xmpp::Element*> items =
      all->child("query", xmpp::ns::kDiscoItems)->children("item", xmpp::ns::kDiscoItems);
  ASSERT_EQ(items.size(), 9u);  // r3 is hidden
  EXPECT_EQ(items[0]->attr_or("jid"), "r0@conference.example.org");
  EXPECT_EQ(items[0]->attr_or("name"), "Room 0");

  std::optional<xmpp::Element> page =
      ask("<query xmlns='http://jabber.org/protocol/disco#items'><set "
          "xmlns='http://jabber.org/protocol/rsm'><max>4</max><after>r1@conference.example.org"
          "</after></set></query>");
  const xmpp::Element* query = page->child("query", xmpp::ns::kDiscoItems);
  items = query->children("item", xmpp::ns::kDiscoItems);
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0]->attr_or("jid"), "r2@conference.example.org");
  EXPECT_EQ(items[1]->attr_or("jid"), "r4@conference.example.org");
  const xmpp::Element* set = query->child("set", ns::kRsm);
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->child_text("count", ns::kRsm), "9");
  EXPECT_EQ(set->child("first", ns::kRsm)->attr_or("index"), "2");
  EXPECT_EQ(set->child_text("last", ns::kRsm), "r6@conference.example.org");

  std::optional<xmpp::Element> last =
      ask("<query xmlns='http://jabber.org/protocol/disco#items'><set "
          "xmlns='http://jabber.org/protocol/rsm'><max>2</max><before/></set></query>");
  items = last->child("query", xmpp::ns::kDiscoItems)->children("item", xmpp::ns::kDiscoItems);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1]->attr_or("jid"), "r9@conference.example.org");
}

TEST_F(ServiceDiscoTest, Items_UnknownAfterKey_ItemNotFound_BadMaxBadRequest) {
  EXPECT_EQ(error_condition(*ask("<query xmlns='http://jabber.org/protocol/disco#items'><set "
                                 "xmlns='http://jabber.org/protocol/rsm'><after>nope</after>"
                                 "</set></query>")),
            "item-not-found");
  EXPECT_EQ(error_condition(*ask("<query xmlns='http://jabber.org/protocol/disco#items'><set "
                                 "xmlns='http://jabber.org/protocol/rsm'><max>-1</max></set>"
                                 "</query>")),
            "bad-request");
}

TEST_F(ServiceDiscoTest, OtherStanzas_PingAnsweredUnknownIqServiceUnavailable) {
  EXPECT_EQ(ask("<ping xmlns='urn:xmpp:ping'/>")->attr_or("type"), "result");
  EXPECT_EQ(error_condition(*ask("<query xmlns='jabber:iq:register'/>")), "service-unavailable");
  EXPECT_FALSE(answer_service_stanza(
      xml("<presence from='a@example.org/r' to='conference.example.org'/>"), settings, rooms));
  EXPECT_EQ(error_condition(*answer_service_stanza(
                xml("<message from='a@example.org/r' to='conference.example.org'><body>x</body>"
                    "</message>"),
                settings, rooms)),
            "service-unavailable");
}

}  // namespace
}  // namespace stoa::muc::testing
