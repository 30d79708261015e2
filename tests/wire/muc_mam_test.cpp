// The archive of rooms through MAM (XEP-0313 urn:xmpp:mam:2 and #extended, with XEP-0059
// paging): filters, paging edge cases, who may read it and whose real JIDs they see.

#include <map>

#include "tests/wire/muc_wire_test.hpp"

namespace stoa::test {
namespace {

constexpr std::string_view kMamNs = "urn:xmpp:mam:2";
constexpr std::string_view kForwardNs = "urn:xmpp:forward:0";

/// What a MAM query brought: the result messages in the order they came, then the IQ answer.
struct MamAnswer {
  std::optional<xmpp::Element> reply;
  std::vector<xmpp::Element> results;

  bool ok() const { return reply && reply->attr_or("type") == "result"; }
  std::string error() const { return reply ? stanza_error_condition(*reply) : "no reply"; }
  const xmpp::Element* fin() const { return reply ? reply->child("fin", kMamNs) : nullptr; }
  bool complete() const { return fin() && fin()->attr_or("complete") == "true"; }
  /// A child of the RSM <set/> of <fin/>, or null.
  const xmpp::Element* rsm(std::string_view name) const {
    const xmpp::Element* set = fin() ? fin()->child("set", kRsmNs) : nullptr;
    return set ? set->child(name, kRsmNs) : nullptr;
  }
  std::string rsm_text(std::string_view name) const {
    const xmpp::Element* child = rsm(name);
    return child ? child->text() : "(none)";
  }
  /// The forwarded messages' bodies, in the order the results came.
  std::vector<std::string> bodies() const {
    std::vector<std::string> out;
    for (const xmpp::Element& result : results) {
      out.push_back(forwarded(result)->child_text("body"));
    }
    return out;
  }
  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const xmpp::Element& result : results) {
      out.push_back(result.child("result", kMamNs)->attr_or("id"));
    }
    return out;
  }
  static const xmpp::Element* forwarded(const xmpp::Element& result) {
    return result.child("result", kMamNs)
        ->child("forwarded", kForwardNs)
        ->child("message", xmpp::ns::kClient);
  }
  std::string describe() const {
    std::string out = reply ? reply->str() : "no reply";
    for (const xmpp::Element& result : results) {
      out += "\n" + result.str();
    }
    return out;
  }
};

using Strings = std::vector<std::string>;

std::string rsm(std::string_view content) {
  return "<set xmlns='http://jabber.org/protocol/rsm'>" + std::string(content) + "</set>";
}

std::string mam_form(const Form& fields) {
  return form_xml(fields, kMamNs);
}

class MucMamTest : public MucTest {
 protected:
  /// Sends a MAM query with `content` to the room and collects what comes back.
  MamAnswer mam(XmppClient& client, std::string_view room, std::string_view content = "",
                std::string_view type = "set") {
    const std::string query_id = "q" + std::to_string(++queries_);
    MamAnswer answer;
    answer.reply = client.iq(xml("<iq type='" + std::string(type) + "' to='" + room_jid(room) +
                                 "'><query xmlns='urn:xmpp:mam:2' queryid='" + query_id + "'>" +
                                 std::string(content) + "</query></iq>"));
    // The results come before the IQ answer, so they are queued by now.
    const std::string from = room_jid(room);
    const StanzaPredicate is_result = [&](const xmpp::Element& stanza) {
      const xmpp::Element* result = stanza.child("result", kMamNs);
      return stanza.name() == "message" && stanza.attr_or("from") == from && result &&
             result->attr_or("queryid") == query_id;
    };
    while (std::optional<xmpp::Element> result = client.wait_for(is_result, {})) {
      answer.results.push_back(std::move(*result));
    }
    return answer;
  }

  /// Posts m1 ... m`n` (or `prefix`1 ...) and remembers each one's stanza-id by body.
  void post(XmppClient& client, std::string_view room, int n, std::string_view prefix = "m") {
    for (int i = 1; i <= n; ++i) {
      const std::string body = std::string(prefix) + std::to_string(i);
      std::optional<xmpp::Element> reflected = say_and_wait(client, room, body);
      ASSERT_TRUE(reflected);
      const xmpp::Element* sid = reflected->child("stanza-id", kStanzaIdNs);
      ASSERT_NE(sid, nullptr) << reflected->str();
      id_of_[body] = sid->attr_or("id");
    }
  }
  std::string id(const std::string& body) { return id_of_.at(body); }

  std::map<std::string, std::string> id_of_;
  int queries_ = 0;
};

TEST_F(MucMamTest, EmptyRoom_NoResultsCompleteCountZero) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "quiet"));
  const MamAnswer answer = mam(alice, "quiet");
  ASSERT_TRUE(answer.ok()) << answer.describe();
  EXPECT_TRUE(answer.results.empty());
  EXPECT_TRUE(answer.complete()) << answer.describe();
  EXPECT_EQ(answer.rsm_text("count"), "0");
  EXPECT_EQ(answer.rsm("first"), nullptr);
  EXPECT_EQ(answer.rsm("last"), nullptr);
}

TEST_F(MucMamTest, Messages_ForwardedInOrderFromTheOccupantWithStampsAndStanzaIds) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));
  post(alice, "lobby", 3);

  // Bob never entered: anyone who may enter an open room may read it.
  const MamAnswer answer = mam(bob, "lobby");
  ASSERT_TRUE(answer.ok()) << answer.describe();
  EXPECT_EQ(answer.bodies(), (Strings{"m1", "m2", "m3"}));
  // The archive ids are the stanza-ids the room gave the messages (XEP-0359).
  EXPECT_EQ(answer.ids(), (Strings{id("m1"), id("m2"), id("m3")}));
  for (const xmpp::Element& result : answer.results) {
    EXPECT_EQ(result.attr_or("from"), room_jid("lobby"));
    const xmpp::Element* forwarded = result.child("result", kMamNs)->child("forwarded", kForwardNs);
    const xmpp::Element* delay = forwarded->child("delay", kDelayNs);
    ASSERT_NE(delay, nullptr) << result.str();
    EXPECT_FALSE(delay->attr_or("stamp").empty());
    const xmpp::Element* original = MamAnswer::forwarded(result);
    EXPECT_EQ(original->attr_or("from"), occupant_jid("lobby", "Alice"));
    EXPECT_EQ(original->attr_or("type"), "groupchat");
    EXPECT_FALSE(original->attr("to")) << result.str();
  }
  EXPECT_TRUE(answer.complete());
  EXPECT_EQ(answer.rsm_text("first"), id("m1"));
  EXPECT_EQ(answer.rsm("first")->attr_or("index"), "0");
  EXPECT_EQ(answer.rsm_text("last"), id("m3"));
  EXPECT_EQ(answer.rsm_text("count"), "3");
}

TEST_F(MucMamTest, ExactlyOnePage_Complete) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lobby"));
  post(alice, "lobby", 3);
  const MamAnswer answer = mam(alice, "lobby", rsm("<max>3</max>"));
  ASSERT_TRUE(answer.ok()) << answer.describe();
  EXPECT_EQ(answer.bodies(), (Strings{"m1", "m2", "m3"}));
  EXPECT_TRUE(answer.complete()) << answer.describe();
}

TEST_F(MucMamTest, PagingForwards_CompleteOnlyOnTheLastPageAndEmptyPastTheEnd) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lobby"));
  post(alice, "lobby", 5);

  MamAnswer page = mam(alice, "lobby", rsm("<max>2</max>"));
  EXPECT_EQ(page.bodies(), (Strings{"m1", "m2"}));
  EXPECT_FALSE(page.complete()) << page.describe();
  EXPECT_EQ(page.rsm_text("count"), "5");

  page = mam(alice, "lobby", rsm("<max>2</max><after>" + page.rsm_text("last") + "</after>"));
  EXPECT_EQ(page.bodies(), (Strings{"m3", "m4"}));
  EXPECT_FALSE(page.complete());
  EXPECT_EQ(page.rsm("first")->attr_or("index"), "2");

  page = mam(alice, "lobby", rsm("<max>2</max><after>" + page.rsm_text("last") + "</after>"));
  EXPECT_EQ(page.bodies(), Strings{"m5"});
  EXPECT_TRUE(page.complete()) << page.describe();

  page = mam(alice, "lobby", rsm("<max>2</max><after>" + id("m5") + "</after>"));
  ASSERT_TRUE(page.ok()) << page.describe();
  EXPECT_TRUE(page.results.empty());
  EXPECT_TRUE(page.complete());
  EXPECT_EQ(page.rsm_text("count"), "5");
}

TEST_F(MucMamTest, PagingBackwards_LastPageFirstThenOlder) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lobby"));
  post(alice, "lobby", 5);

  MamAnswer page = mam(alice, "lobby", rsm("<max>2</max><before/>"));
  EXPECT_EQ(page.bodies(), (Strings{"m4", "m5"}));
  EXPECT_FALSE(page.complete());
  EXPECT_EQ(page.rsm("first")->attr_or("index"), "3");

  page = mam(alice, "lobby", rsm("<max>2</max><before>" + page.rsm_text("first") + "</before>"));
  EXPECT_EQ(page.bodies(), (Strings{"m2", "m3"}));
  EXPECT_FALSE(page.complete());

  page = mam(alice, "lobby", rsm("<max>2</max><before>" + page.rsm_text("first") + "</before>"));
  EXPECT_EQ(page.bodies(), Strings{"m1"});
  EXPECT_TRUE(page.complete()) << page.describe();
}

TEST_F(MucMamTest, FlipPage_NewestFirstSamePage) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lobby"));
  post(alice, "lobby", 4);
  const MamAnswer page = mam(alice, "lobby", rsm("<max>3</max><before/>") + "<flip-page/>");
  EXPECT_EQ(page.bodies(), (Strings{"m4", "m3", "m2"}));
  EXPECT_EQ(page.rsm_text("first"), id("m2"));
  EXPECT_EQ(page.rsm_text("last"), id("m4"));
}

TEST_F(MucMamTest, UnknownIds_ItemNotFound) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lobby"));
  post(alice, "lobby", 1);
  EXPECT_EQ(mam(alice, "lobby", rsm("<after>no-such-id</after>")).error(), "item-not-found");
  EXPECT_EQ(mam(alice, "lobby", rsm("<before>no-such-id</before>")).error(), "item-not-found");
  EXPECT_EQ(mam(alice, "lobby", mam_form({{"after-id", {"no-such-id"}}})).error(),
            "item-not-found");
  EXPECT_EQ(mam(alice, "lobby", mam_form({{"before-id", {"no-such-id"}}})).error(),
            "item-not-found");
  const MamAnswer ids = mam(alice, "lobby", mam_form({{"ids", {id("m1"), "no-such-id"}}}));
  EXPECT_EQ(ids.error(), "item-not-found");
  EXPECT_TRUE(ids.results.empty());
}

TEST_F(MucMamTest, StartAndEnd_InclusiveTimeRange) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lobby"));
  post(alice, "lobby", 5);
  // The stamps the archive gives, read back from it.
  const MamAnswer all = mam(alice, "lobby");
  ASSERT_EQ(all.results.size(), 5u) << all.describe();
  std::vector<std::string> stamps;
  for (const xmpp::Element& result : all.results) {
    stamps.push_back(result.child("result", kMamNs)
                         ->child("forwarded", kForwardNs)
                         ->child("delay", kDelayNs)
                         ->attr_or("stamp"));
  }
  const MamAnswer range =
      mam(alice, "lobby", mam_form({{"start", {stamps[1]}}, {"end", {stamps[3]}}}));
  EXPECT_EQ(range.bodies(), (Strings{"m2", "m3", "m4"})) << range.describe();
  EXPECT_EQ(range.rsm_text("count"), "3");
  EXPECT_EQ(mam(alice, "lobby", mam_form({{"start", {stamps[4]}}})).bodies(), Strings{"m5"});
  EXPECT_EQ(mam(alice, "lobby", mam_form({{"end", {stamps[0]}}})).bodies(), Strings{"m1"});
}

TEST_F(MucMamTest, IdsAndIdRange_ExtendedFilters) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lobby"));
  post(alice, "lobby", 5);
  EXPECT_EQ(mam(alice, "lobby", mam_form({{"ids", {id("m4"), id("m2")}}})).bodies(),
            (Strings{"m2", "m4"}));
  const MamAnswer range =
      mam(alice, "lobby", mam_form({{"after-id", {id("m1")}}, {"before-id", {id("m5")}}}));
  EXPECT_EQ(range.bodies(), (Strings{"m2", "m3", "m4"}));
  EXPECT_TRUE(range.complete());
}

TEST_F(MucMamTest, WithOccupantJid_ThatNicksMessages) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lobby"));
  post(alice, "lobby", 2, "a");
  post(bob, "lobby", 2, "b");
  post(alice, "lobby", 1, "c");
  const MamAnswer answer =
      mam(bob, "lobby", mam_form({{"with", {occupant_jid("lobby", "Alice")}}}));
  EXPECT_EQ(answer.bodies(), (Strings{"a1", "a2", "c1"})) << answer.describe();
  EXPECT_EQ(answer.rsm_text("count"), "3");
}

TEST_F(MucMamTest, WithRealJid_ModeratorsOnlyInSemiAnonymousRoom) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lobby"));
  post(alice, "lobby", 1, "a");
  post(bob, "lobby", 1, "b");
  // Bob could learn who Alice is by filtering on her JID: not in a semi-anonymous room.
  EXPECT_EQ(mam(bob, "lobby", mam_form({{"with", {kAlice}}})).error(), "forbidden");
  // His own JID tells him nothing new.
  EXPECT_EQ(mam(bob, "lobby", mam_form({{"with", {kBob}}})).bodies(), Strings{"b1"});
  // The owner is a moderator: she sees real JIDs, so may filter by them.
  EXPECT_EQ(mam(alice, "lobby", mam_form({{"with", {kBob}}})).bodies(), Strings{"b1"});
}

TEST_F(MucMamTest, MaxAboveTheServiceLimit_Capped) {
  ASSERT_TRUE(start_muc({{"muc.mam_max_page", "3"}}));
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));
  post(alice, "lobby", 5);
  MamAnswer page = mam(alice, "lobby", rsm("<max>100</max>"));
  EXPECT_EQ(page.bodies(), (Strings{"m1", "m2", "m3"}));
  EXPECT_FALSE(page.complete());
  EXPECT_EQ(page.rsm_text("count"), "5");
  // Without <max/>, the service's page.
  page = mam(alice, "lobby");
  EXPECT_EQ(page.results.size(), 3u);
  EXPECT_FALSE(page.complete());
}

TEST_F(MucMamTest, MembersOnly_NonMemberForbiddenMemberReadsWithoutEntering) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_room(alice, "club", "Alice", {{"muc#roomconfig_membersonly", {"1"}}}));
  post(alice, "club", 2);
  const MamAnswer refused = mam(bob, "club");
  EXPECT_EQ(refused.error(), "forbidden") << refused.describe();
  EXPECT_TRUE(refused.results.empty());

  ASSERT_EQ(admin_query(alice, "club", "set", "<item affiliation='member' jid='" + kBob + "'/>")
                ->attr_or("type"),
            "result");
  EXPECT_EQ(mam(bob, "club").bodies(), (Strings{"m1", "m2"}));
}

TEST_F(MucMamTest, Outcast_Forbidden) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));
  post(alice, "lobby", 1);
  ASSERT_EQ(admin_query(alice, "lobby", "set", "<item affiliation='outcast' jid='" + kBob + "'/>")
                ->attr_or("type"),
            "result");
  EXPECT_EQ(mam(bob, "lobby").error(), "forbidden");
}

TEST_F(MucMamTest, Whois_RealJidsOnlyToThoseWhoMaySeeThem) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_and_bob_in_room(alice, bob, "lobby"));
  post(alice, "lobby", 1, "a");
  post(bob, "lobby", 1, "b");

  // Semi-anonymous: Bob (a participant) sees only his own real JID; Alice (a moderator) both.
  const MamAnswer by_bob = mam(bob, "lobby");
  ASSERT_EQ(by_bob.results.size(), 2u) << by_bob.describe();
  EXPECT_EQ(muc_user_item(*MamAnswer::forwarded(by_bob.results[0])), nullptr)
      << by_bob.results[0].str();
  ASSERT_NE(muc_user_item(*MamAnswer::forwarded(by_bob.results[1])), nullptr);
  EXPECT_EQ(bare_jid(muc_user_item(*MamAnswer::forwarded(by_bob.results[1]))->attr_or("jid")),
            kBob);
  const MamAnswer by_alice = mam(alice, "lobby");
  ASSERT_EQ(by_alice.results.size(), 2u);
  ASSERT_NE(muc_user_item(*MamAnswer::forwarded(by_alice.results[1])), nullptr);
  EXPECT_EQ(bare_jid(muc_user_item(*MamAnswer::forwarded(by_alice.results[1]))->attr_or("jid")),
            kBob);

  // Non-anonymous: everyone sees them.
  ASSERT_EQ(configure(alice, "lobby", {{"muc#roomconfig_whois", {"anyone"}}})->attr_or("type"),
            "result");
  const MamAnswer open = mam(bob, "lobby");
  ASSERT_EQ(open.results.size(), 2u);
  ASSERT_NE(muc_user_item(*MamAnswer::forwarded(open.results[0])), nullptr);
  EXPECT_EQ(bare_jid(muc_user_item(*MamAnswer::forwarded(open.results[0]))->attr_or("jid")),
            kAlice);
}

TEST_F(MucMamTest, QueryForm_FieldsTheArchiveTakes) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lobby"));
  const MamAnswer answer = mam(alice, "lobby", "", "get");
  ASSERT_TRUE(answer.ok()) << answer.describe();
  const xmpp::Element* form = data_form(*answer.reply->child("query", kMamNs));
  ASSERT_NE(form, nullptr) << answer.describe();
  EXPECT_EQ(form_value(*form, "FORM_TYPE"), kMamNs);
  for (const char* var : {"with", "start", "end", "before-id", "after-id", "ids"}) {
    EXPECT_NE(form_field(*form, var), nullptr) << var;
  }
}

TEST_F(MucMamTest, Metadata_FirstAndLastOrEmpty) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lobby"));
  const std::string request =
      "<iq type='get' to='" + room_jid("lobby") + "'><metadata xmlns='urn:xmpp:mam:2'/></iq>";
  std::optional<xmpp::Element> empty = alice.iq(xml(request));
  ASSERT_TRUE(empty);
  ASSERT_EQ(empty->attr_or("type"), "result") << empty->str();
  ASSERT_NE(empty->child("metadata", kMamNs), nullptr);
  EXPECT_FALSE(empty->child("metadata", kMamNs)->has_children());

  post(alice, "lobby", 3);
  std::optional<xmpp::Element> reply = alice.iq(xml(request));
  ASSERT_TRUE(reply);
  const xmpp::Element* metadata = reply->child("metadata", kMamNs);
  ASSERT_NE(metadata, nullptr) << reply->str();
  ASSERT_NE(metadata->child("start", kMamNs), nullptr);
  EXPECT_EQ(metadata->child("start", kMamNs)->attr_or("id"), id("m1"));
  EXPECT_FALSE(metadata->child("start", kMamNs)->attr_or("timestamp").empty());
  EXPECT_EQ(metadata->child("end", kMamNs)->attr_or("id"), id("m3"));
}

TEST_F(MucMamTest, MalformedQueries_RefusedNamingTheProblem) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lobby"));
  EXPECT_EQ(mam(alice, "lobby", mam_form({{"start", {"yesterday"}}})).error(), "bad-request");
  EXPECT_EQ(mam(alice, "lobby", rsm("<max>lots</max>")).error(), "bad-request");
  EXPECT_EQ(mam(alice, "lobby", mam_form({{"{urn:example}mood", {"happy"}}})).error(),
            "feature-not-implemented");
}

TEST_F(MucMamTest, Discovery_ExtendedAdvertisedOnlyWithLogging) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "logged"));
  ASSERT_TRUE(create_room(alice, "unlogged", "Alice", {{"muc#roomconfig_enablelogging", {"0"}}}));
  std::optional<xmpp::Element> logged = disco_info(alice, room_jid("logged"));
  ASSERT_TRUE(logged);
  EXPECT_TRUE(has_feature(*logged->child("query", kDiscoInfoNs), "urn:xmpp:mam:2"));
  EXPECT_TRUE(has_feature(*logged->child("query", kDiscoInfoNs), "urn:xmpp:mam:2#extended"));
  std::optional<xmpp::Element> unlogged = disco_info(alice, room_jid("unlogged"));
  ASSERT_TRUE(unlogged);
  EXPECT_FALSE(has_feature(*unlogged->child("query", kDiscoInfoNs), "urn:xmpp:mam:2"));
  EXPECT_EQ(mam(alice, "unlogged").error(), "service-unavailable");
}

}  // namespace
}  // namespace stoa::test
