// Who may read a room's archive through MAM, and what of it (XEP-0313, MUC archives).

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/muc/room_test_support.hpp"

namespace stoa::muc::testing {
namespace {

constexpr std::string_view kAlice = "alice@example.org/phone";
constexpr std::string_view kBob = "bob@example.org/laptop";

class RoomMamTest : public RoomTest {
 protected:
  /// An IQ of `type` with a MAM <query/> holding `content`, from `from`.
  Outcome mam(std::string_view from, std::string_view content = "", std::string_view type = "set") {
    return handle("<iq type='" + std::string(type) + "' id='q1' from='" + std::string(from) +
                  "' to='" + kRoom + "'><query xmlns='urn:xmpp:mam:2' queryid='f1'>" +
                  std::string(content) + "</query></iq>");
  }
  /// A copy of the only ServeArchive of an outcome; fails the test when there is not exactly
  /// one.
  static std::optional<ServeArchive> served(const Outcome& out) {
    std::vector<const ServeArchive*> found = store_ops<ServeArchive>(out);
    if (found.size() != 1) {
      ADD_FAILURE() << found.size() << " archive requests";
      return std::nullopt;
    }
    return *found.front();
  }
  static std::string with(std::string_view jid) {
    return "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>"
           "urn:xmpp:mam:2</value></field><field var='with'><value>" +
           std::string(jid) + "</value></field></x>";
  }
  std::vector<std::string> disco_features(std::string_view from) {
    Outcome out = handle("<iq type='get' id='d' from='" + std::string(from) + "' to='" + kRoom +
                         "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
    std::vector<std::string> found;
    const xmpp::Element* query = only_to(out, from).child("query", xmpp::ns::kDiscoInfo);
    for (const xmpp::Element* feature : query->children("feature", xmpp::ns::kDiscoInfo)) {
      found.push_back(feature->attr_or("var"));
    }
    return found;
  }
};

TEST_F(RoomMamTest, OpenRoom_OutsiderQueries_RequestForTheHostWithoutRealJids) {
  create();
  Outcome out = mam(kAlice);
  const std::optional<ServeArchive> serve = served(out);
  ASSERT_TRUE(serve);
  EXPECT_EQ(serve->to.str(), kAlice);
  EXPECT_EQ(serve->iq_id, "q1");
  EXPECT_EQ(serve->query_id, "f1");
  EXPECT_EQ(serve->requester, "alice@example.org");
  EXPECT_FALSE(serve->metadata);
  EXPECT_FALSE(serve->show_real_jids);
  EXPECT_EQ(serve->query.max, settings.mam_max_page);
  // The room itself sends nothing: the host answers once the archive has been read.
  EXPECT_TRUE(sends(out).empty());
}

TEST_F(RoomMamTest, MaxAboveTheServiceLimit_Capped) {
  settings.mam_max_page = 10;
  create();
  const std::optional<ServeArchive> serve =
      served(mam(kAlice, "<set xmlns='http://jabber.org/protocol/rsm'><max>500</max></set>"));
  ASSERT_TRUE(serve);
  EXPECT_EQ(serve->query.max, 10u);
}

TEST_F(RoomMamTest, MembersOnly_NonMemberForbiddenMemberServed) {
  create(field("muc#roomconfig_membersonly", "1"));
  EXPECT_EQ(error_condition(only_to(mam(kAlice), kAlice)), "forbidden");
  admin_set(kOwner, "<item affiliation='member' jid='alice@example.org'/>");
  EXPECT_TRUE(served(mam(kAlice)));
}

TEST_F(RoomMamTest, Outcast_Forbidden) {
  create();
  admin_set(kOwner, "<item affiliation='outcast' jid='alice@example.org'/>");
  Outcome out = mam(kAlice);
  EXPECT_EQ(error_condition(only_to(out, kAlice)), "forbidden");
  EXPECT_TRUE(store_ops<ServeArchive>(out).empty());
}

TEST_F(RoomMamTest, PasswordProtected_OnlyThoseInsideOrOwners) {
  create(field("muc#roomconfig_passwordprotectedroom", "1") +
         field("muc#roomconfig_roomsecret", "pw"));
  EXPECT_EQ(error_condition(only_to(mam(kAlice), kAlice)), "forbidden");
  join(kAlice, "alice", "<x xmlns='http://jabber.org/protocol/muc'><password>pw</password></x>");
  ASSERT_NE(room->occupant("alice"), nullptr);
  EXPECT_TRUE(served(mam(kAlice)));
  // Any session of an occupant's account may ask, not only the one in the room.
  EXPECT_TRUE(served(mam("alice@example.org/desk")));
  EXPECT_TRUE(served(mam("owner@example.org/elsewhere")));
}

TEST_F(RoomMamTest, LoggingDisabled_ServiceUnavailableAndNotAdvertised) {
  create(field("muc#roomconfig_enablelogging", "0"));
  EXPECT_EQ(error_condition(only_to(mam(kOwner), kOwner)), "service-unavailable");
  std::vector<std::string> features = disco_features(kAlice);
  EXPECT_EQ(std::ranges::find(features, "urn:xmpp:mam:2"), features.end());
}

TEST_F(RoomMamTest, LoggingEnabled_MamAndExtendedAdvertised) {
  create();
  std::vector<std::string> features = disco_features(kAlice);
  EXPECT_NE(std::ranges::find(features, "urn:xmpp:mam:2"), features.end());
  EXPECT_NE(std::ranges::find(features, "urn:xmpp:mam:2#extended"), features.end());
}

TEST_F(RoomMamTest, Whois_RealJidsForModeratorsAdminsOrEveryoneInNonAnonymousRooms) {
  create();
  join(kAlice, "alice");
  const std::optional<ServeArchive> participant = served(mam(kAlice));
  ASSERT_TRUE(participant);
  EXPECT_FALSE(participant->show_real_jids);
  // The owner is a moderator in the room.
  const std::optional<ServeArchive> moderator = served(mam(kOwner));
  ASSERT_TRUE(moderator);
  EXPECT_TRUE(moderator->show_real_jids);
  // An admin would enter as a moderator, so sees them from outside too.
  admin_set(kOwner, "<item affiliation='admin' jid='bob@example.org'/>");
  const std::optional<ServeArchive> admin = served(mam(kBob));
  ASSERT_TRUE(admin);
  EXPECT_TRUE(admin->show_real_jids);

  configure(kOwner, field("muc#roomconfig_whois", "anyone"));
  const std::optional<ServeArchive> anyone = served(mam(kAlice));
  ASSERT_TRUE(anyone);
  EXPECT_TRUE(anyone->show_real_jids);
}

TEST_F(RoomMamTest, WithRealJid_OnlyForThoseWhoSeeRealJidsOrTheirOwn) {
  create();
  EXPECT_EQ(error_condition(only_to(mam(kAlice, with("bob@example.org")), kAlice)), "forbidden");
  const std::optional<ServeArchive> own = served(mam(kAlice, with("alice@example.org")));
  ASSERT_TRUE(own);
  EXPECT_EQ(own->query.sender, "alice@example.org");
  const std::optional<ServeArchive> by_owner = served(mam(kOwner, with("bob@example.org")));
  ASSERT_TRUE(by_owner);
  EXPECT_EQ(by_owner->query.sender, "bob@example.org");
}

TEST_F(RoomMamTest, WithOccupantJid_AnyoneWhoMayRead) {
  create();
  const std::optional<ServeArchive> serve = served(mam(kAlice, with(kRoom + "/owner")));
  ASSERT_TRUE(serve);
  EXPECT_EQ(serve->query.nick, "owner");
  EXPECT_FALSE(serve->query.sender);
}

TEST_F(RoomMamTest, MalformedQuery_BadRequestAndNothingServed) {
  create();
  Outcome out = mam(kAlice, with("@"));
  EXPECT_EQ(error_condition(only_to(out, kAlice)), "bad-request");
  EXPECT_TRUE(store_ops<ServeArchive>(out).empty());
}

TEST_F(RoomMamTest, Get_TheQueryForm) {
  create();
  Outcome out = mam(kAlice, "", "get");
  const xmpp::Element& reply = only_to(out, kAlice);
  EXPECT_EQ(reply.attr_or("type"), "result");
  const xmpp::Element* query = reply.child("query", ns::kMam);
  ASSERT_NE(query, nullptr);
  EXPECT_NE(query->child("x", xmpp::ns::kDataForms), nullptr);
  EXPECT_TRUE(store_ops<ServeArchive>(out).empty());
}

TEST_F(RoomMamTest, Metadata_GetServedSetRefused) {
  create();
  const std::string metadata = "<metadata xmlns='urn:xmpp:mam:2'/>";
  Outcome get = handle("<iq type='get' id='m1' from='" + std::string(kAlice) + "' to='" + kRoom +
                       "'>" + metadata + "</iq>");
  const std::optional<ServeArchive> serve = served(get);
  ASSERT_TRUE(serve);
  EXPECT_TRUE(serve->metadata);
  EXPECT_EQ(serve->iq_id, "m1");
  Outcome set = handle("<iq type='set' id='m2' from='" + std::string(kAlice) + "' to='" + kRoom +
                       "'>" + metadata + "</iq>");
  EXPECT_EQ(error_condition(only_to(set, kAlice)), "bad-request");
}

TEST_F(RoomMamTest, LockedRoom_OthersGetItemNotFound) {
  join(kOwner, "owner");
  ASSERT_TRUE(room->is_locked());
  EXPECT_EQ(error_condition(only_to(mam(kAlice), kAlice)), "item-not-found");
}

}  // namespace
}  // namespace stoa::muc::testing
