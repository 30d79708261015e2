// Full-text search over the wire: XEP-0431 in a room's MAM, and the Stoa search across the
// rooms of the service (urn:stoa:search:0, docs/search.md), with who may read which room and
// whose real JIDs they see.

#include <algorithm>
#include <chrono>
#include <map>
#include <pqxx/pqxx>
#include <thread>

#include "tests/support/test_postgres.hpp"
#include "tests/support/wait.hpp"
#include "tests/wire/muc_wire_test.hpp"

namespace stoa::test {
namespace {

constexpr std::string_view kMamNs = "urn:xmpp:mam:2";
constexpr std::string_view kSearchNs = "urn:stoa:search:0";
constexpr std::string_view kForwardNs = "urn:xmpp:forward:0";
const std::string kFulltext = "{urn:xmpp:fulltext:0}fulltext";

using Strings = std::vector<std::string>;

/// The answer to a MAM query or a search: the result messages as they came, then the IQ.
struct Answer {
  std::string ns;  ///< of <result/> and <fin/>
  std::optional<xmpp::Element> reply;
  std::vector<xmpp::Element> results;

  bool ok() const { return reply && reply->attr_or("type") == "result"; }
  std::string error() const { return reply ? stanza_error_condition(*reply) : "no reply"; }
  const xmpp::Element* fin() const { return reply ? reply->child("fin", ns) : nullptr; }
  bool complete() const { return fin() && fin()->attr_or("complete") == "true"; }
  std::string rsm_text(std::string_view name) const {
    const xmpp::Element* set = fin() ? fin()->child("set", kRsmNs) : nullptr;
    const xmpp::Element* child = set ? set->child(name, kRsmNs) : nullptr;
    return child ? child->text() : "(none)";
  }
  const xmpp::Element& result(std::size_t i) const { return *results.at(i).child("result", ns); }
  const xmpp::Element* forwarded(std::size_t i) const {
    return result(i).child("forwarded", kForwardNs)->child("message", xmpp::ns::kClient);
  }
  std::vector<std::string> bodies() const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < results.size(); ++i) {
      out.push_back(forwarded(i)->child_text("body"));
    }
    return out;
  }
  /// "room: body" per result (the local part of the room).
  std::vector<std::string> found() const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < results.size(); ++i) {
      const std::string room = result(i).attr_or("room");
      out.push_back(room.substr(0, room.find('@')) + ": " + forwarded(i)->child_text("body"));
    }
    return out;
  }
  /// The real JID shown with result `i`, "" when none is.
  std::string real_jid(std::size_t i) const {
    const xmpp::Element* item = muc_user_item(*forwarded(i));
    return item ? item->attr_or("jid") : "";
  }
  std::string describe() const {
    std::string out = reply ? reply->str() : "no reply";
    for (const xmpp::Element& r : results) {
      out += "\n" + r.str();
    }
    return out;
  }
};

std::string rsm(std::string_view content) {
  return "<set xmlns='http://jabber.org/protocol/rsm'>" + std::string(content) + "</set>";
}

class MucSearchTest : public MucTest {
 protected:
  /// Sends <query xmlns=`ns`> with `content` to `to` and collects the answer.
  Answer ask(XmppClient& client, const std::string& to, std::string_view ns,
             std::string_view content) {
    const std::string query_id = "q" + std::to_string(++queries_);
    Answer answer;
    answer.ns = std::string(ns);
    answer.reply =
        client.iq(xml("<iq type='set' to='" + to + "'><query xmlns='" + std::string(ns) +
                      "' queryid='" + query_id + "'>" + std::string(content) + "</query></iq>"));
    // The results come before the IQ answer, so they are queued by now.
    const StanzaPredicate is_result = [&](const xmpp::Element& stanza) {
      const xmpp::Element* result = stanza.child("result", ns);
      return stanza.name() == "message" && stanza.attr_or("from") == to && result &&
             result->attr_or("queryid") == query_id;
    };
    while (std::optional<xmpp::Element> result = client.wait_for(is_result, {})) {
      answer.results.push_back(std::move(*result));
    }
    return answer;
  }
  Answer mam(XmppClient& client, std::string_view room, const Form& fields,
             std::string_view set = "") {
    return ask(client, room_jid(room), kMamNs, form_xml(fields, kMamNs) + std::string(set));
  }
  Answer search(XmppClient& client, const Form& fields, std::string_view set = "") {
    return ask(client, kService, kSearchNs, form_xml(fields, kSearchNs) + std::string(set));
  }
  Answer search_words(XmppClient& client, const std::string& words, std::string_view set = "") {
    return search(client, {{kFulltext, {words}}}, set);
  }

  /// Sends a search for `words` without waiting for its answer; returns the IQ's id.
  std::string send_search(XmppClient& client, const std::string& words) {
    const std::string id = client.next_id();
    client.send(xml("<iq type='set' id='" + id + "' to='" + kService + "'><query xmlns='" +
                    std::string(kSearchNs) + "'>" + form_xml({{kFulltext, {words}}}, kSearchNs) +
                    "</query></iq>"));
    return id;
  }

  /// Waits (bounded) until a session of `dsn` waits for a lock on `table`.
  static testing::AssertionResult someone_waits_for(const std::string& dsn,
                                                    const std::string& table) {
    pqxx::connection connection(dsn);
    const auto deadline = std::chrono::steady_clock::now() + kWaitTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pqxx::nontransaction tx(connection);
      if (tx.exec_params("SELECT 1 FROM pg_locks WHERE NOT granted AND relation = $1::regclass",
                         table)
              .size() > 0) {
        return testing::AssertionSuccess();
      }
      tx.commit();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return testing::AssertionFailure() << "nobody waits for " << table;
  }

  static bool has_feature(const std::optional<xmpp::Element>& info, std::string_view feature) {
    if (!info) {
      return false;
    }
    const xmpp::Element* query = info->child("query", kDiscoInfoNs);
    if (!query) {
      return false;
    }
    for (const xmpp::Element* f : query->children("feature", kDiscoInfoNs)) {
      if (f->attr_or("var") == feature) {
        return true;
      }
    }
    return false;
  }

  int queries_ = 0;
};

TEST_F(MucSearchTest, MamFulltext_AdvertisedFilteredAndPaged) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lobby"));
  EXPECT_TRUE(has_feature(disco_info(alice, room_jid("lobby")), "urn:xmpp:fulltext:0"));
  for (const char* body : {"deploy one", "lunch?", "Deploy two", "the deployment", "deploy 3"}) {
    ASSERT_TRUE(say_and_wait(alice, "lobby", body));
  }
  Answer page = mam(alice, "lobby", {{kFulltext, {"deploy"}}}, rsm("<max>2</max>"));
  ASSERT_TRUE(page.ok()) << page.describe();
  EXPECT_EQ(page.bodies(), (Strings{"deploy one", "Deploy two"}));
  EXPECT_FALSE(page.complete());
  EXPECT_EQ(page.rsm_text("count"), "3");
  page = mam(alice, "lobby", {{kFulltext, {"deploy"}}},
             rsm("<max>2</max><after>" + page.rsm_text("last") + "</after>"));
  EXPECT_EQ(page.bodies(), Strings{"deploy 3"});
  EXPECT_TRUE(page.complete()) << page.describe();
  page = mam(alice, "lobby", {{kFulltext, {"deploy"}}}, rsm("<max>1</max><before/>"));
  EXPECT_EQ(page.bodies(), Strings{"deploy 3"});
}

TEST_F(MucSearchTest, MamFulltext_NoMatchAndBadInput) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lobby"));
  ASSERT_TRUE(say_and_wait(alice, "lobby", "hello world"));
  const Answer none = mam(alice, "lobby", {{kFulltext, {"goodbye"}}});
  ASSERT_TRUE(none.ok()) << none.describe();
  EXPECT_TRUE(none.results.empty());
  EXPECT_TRUE(none.complete());
  EXPECT_EQ(none.rsm_text("count"), "0");
  // Search syntax never fails: stray quotes and operators are read as well as they can be.
  for (const char* text : {"\"hello", "hello & | ! (", "!!!", "'", "<->"}) {
    const Answer odd = mam(alice, "lobby", {{kFulltext, {text}}});
    EXPECT_TRUE(odd.ok()) << text << ": " << odd.describe();
  }
  EXPECT_EQ(mam(alice, "lobby", {{kFulltext, {"\"hello"}}}).bodies(), Strings{"hello world"});
  EXPECT_EQ(mam(alice, "lobby", {{kFulltext, {std::string(1025, 'a')}}}).error(), "bad-request");
  EXPECT_EQ(mam(alice, "lobby", {{kFulltext, {"a", "b"}}}).error(), "bad-request");
  // The older name of the field works too.
  EXPECT_EQ(mam(alice, "lobby", {{"withtext", {"world"}}}).bodies(), Strings{"hello world"});
}

TEST_F(MucSearchTest, Service_AdvertisesTheSearchAndAnswersTheForm) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  EXPECT_TRUE(has_feature(disco_info(alice, kService), kSearchNs));
  std::optional<xmpp::Element> reply =
      alice.iq(xml("<iq type='get' to='" + kService + "'><query xmlns='urn:stoa:search:0'/></iq>"));
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->attr_or("type"), "result") << reply->str();
  const xmpp::Element* form = data_form(*reply->child("query", kSearchNs));
  ASSERT_NE(form, nullptr) << reply->str();
  EXPECT_EQ(form_value(*form, "FORM_TYPE"), kSearchNs);
  for (const char* var : {"{urn:xmpp:fulltext:0}fulltext", "start", "end", "room"}) {
    EXPECT_NE(form_field(*form, var), nullptr) << var;
  }
}

TEST_F(MucSearchTest, AcrossRooms_RoomNamedInArchiveOrderAndPaged) {
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(alice_in_new_room(alice, "lobby"));
  ASSERT_TRUE(create_instant_room(alice, "dev", "Alice"));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(say_and_wait(alice, "lobby", "release planning"));
  ASSERT_TRUE(say_and_wait(alice, "dev", "release branch cut"));
  ASSERT_TRUE(say_and_wait(alice, "lobby", "lunch"));
  ASSERT_TRUE(say_and_wait(alice, "dev", "release tagged"));

  // Bob is in neither room: open rooms are readable by anyone they do not ban.
  const Answer all = search_words(bob, "release");
  ASSERT_TRUE(all.ok()) << all.describe();
  EXPECT_EQ(all.found(),
            (Strings{"lobby: release planning", "dev: release branch cut", "dev: release tagged"}));
  EXPECT_TRUE(all.complete());
  EXPECT_EQ(all.rsm_text("count"), "3");
  for (std::size_t i = 0; i < all.results.size(); ++i) {
    EXPECT_EQ(all.results[i].attr_or("from"), kService);
    EXPECT_FALSE(all.result(i).attr_or("id").empty());
    EXPECT_EQ(all.forwarded(i)->attr_or("type"), "groupchat");
    EXPECT_NE(all.result(i).child("forwarded", kForwardNs)->child("delay", kDelayNs), nullptr);
  }
  // The result's id is the room's stanza-id: the same message through the room's MAM.
  const Answer in_room = mam(bob, "dev", {{"ids", {all.result(1).attr_or("id")}}});
  EXPECT_EQ(in_room.bodies(), Strings{"release branch cut"}) << in_room.describe();

  // Newest first page, then the page before it.
  Answer page = search_words(bob, "release", rsm("<max>2</max><before/>"));
  EXPECT_EQ(page.found(), (Strings{"dev: release branch cut", "dev: release tagged"}));
  EXPECT_FALSE(page.complete());
  page = search_words(bob, "release",
                      rsm("<max>2</max><before>" + page.rsm_text("first") + "</before>"));
  EXPECT_EQ(page.found(), Strings{"lobby: release planning"});
  EXPECT_TRUE(page.complete()) << page.describe();

  // One room only, and a time range.
  EXPECT_EQ(search(bob, {{kFulltext, {"release"}}, {"room", {room_jid("lobby")}}}).found(),
            Strings{"lobby: release planning"});
  const std::string second_stamp =
      all.result(1).child("forwarded", kForwardNs)->child("delay", kDelayNs)->attr_or("stamp");
  EXPECT_EQ(search(bob, {{kFulltext, {"release"}}, {"start", {second_stamp}}}).found(),
            (Strings{"dev: release branch cut", "dev: release tagged"}));
}

TEST_F(MucSearchTest, MembersOnlyRoom_HiddenFromNonMembersUntilAffiliated) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  XmppClient bob;
  XmppClient boss;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(login(boss, kBoss));
  ASSERT_TRUE(create_room(alice, "club", "Alice", {{"muc#roomconfig_membersonly", {"1"}}}));
  ASSERT_TRUE(say_and_wait(alice, "club", "secret handshake"));

  const Answer outsider = search_words(bob, "handshake");
  ASSERT_TRUE(outsider.ok()) << outsider.describe();
  EXPECT_TRUE(outsider.results.empty()) << outsider.describe();
  // Naming the room does not help, nor tell that it exists.
  const Answer named = search(bob, {{kFulltext, {"handshake"}}, {"room", {room_jid("club")}}});
  ASSERT_TRUE(named.ok()) << named.describe();
  EXPECT_TRUE(named.results.empty());
  // The owner and the service administrator see it.
  EXPECT_EQ(search_words(alice, "handshake").found(), Strings{"club: secret handshake"});
  EXPECT_EQ(search_words(boss, "handshake").found(), Strings{"club: secret handshake"});

  ASSERT_EQ(admin_query(alice, "club", "set", "<item affiliation='member' jid='" + kBob + "'/>")
                ->attr_or("type"),
            "result");
  EXPECT_EQ(search_words(bob, "handshake").found(), Strings{"club: secret handshake"});
}

TEST_F(MucSearchTest, BannedUser_NotTheRoomThatBannedThem) {
  XmppClient alice;
  XmppClient carol;
  ASSERT_TRUE(alice_in_new_room(alice, "lobby"));
  ASSERT_TRUE(create_instant_room(alice, "dev", "Alice"));
  ASSERT_TRUE(login(carol, kCarol));
  ASSERT_TRUE(say_and_wait(alice, "lobby", "standup notes"));
  ASSERT_TRUE(say_and_wait(alice, "dev", "standup moved"));
  EXPECT_EQ(search_words(carol, "standup").found(),
            (Strings{"lobby: standup notes", "dev: standup moved"}));
  ASSERT_EQ(admin_query(alice, "lobby", "set", "<item affiliation='outcast' jid='" + kCarol + "'/>")
                ->attr_or("type"),
            "result");
  EXPECT_EQ(search_words(carol, "standup").found(), Strings{"dev: standup moved"});
}

TEST_F(MucSearchTest, RealJids_OnlyWhereTheRoomShowsThem) {
  XmppClient alice;
  XmppClient bob;
  XmppClient boss;
  ASSERT_TRUE(alice_in_new_room(alice, "masked"));
  ASSERT_TRUE(create_room(alice, "open", "Alice", {{"muc#roomconfig_whois", {"anyone"}}}));
  ASSERT_TRUE(login(bob, kBob));
  ASSERT_TRUE(login(boss, kBoss));
  ASSERT_TRUE(join(bob, "masked", "Bob"));
  ASSERT_TRUE(say_and_wait(alice, "masked", "quarterly figures"));
  ASSERT_TRUE(say_and_wait(bob, "masked", "quarterly review"));
  ASSERT_TRUE(say_and_wait(alice, "open", "quarterly party"));

  const Answer seen_by_bob = search_words(bob, "quarterly");
  ASSERT_EQ(seen_by_bob.results.size(), 3u) << seen_by_bob.describe();
  EXPECT_EQ(seen_by_bob.real_jid(0), "");      // semi-anonymous: not Alice's
  EXPECT_EQ(seen_by_bob.real_jid(1), kBob);    // his own
  EXPECT_EQ(seen_by_bob.real_jid(2), kAlice);  // non-anonymous room

  // The owner of the semi-anonymous room, and the service administrator, see them all.
  for (XmppClient* client : {&alice, &boss}) {
    const Answer all = search_words(*client, "quarterly");
    ASSERT_EQ(all.results.size(), 3u) << all.describe();
    EXPECT_EQ(all.real_jid(0), kAlice);
    EXPECT_EQ(all.real_jid(1), kBob);
    EXPECT_EQ(all.real_jid(2), kAlice);
  }
}

TEST_F(MucSearchTest, RoomWithoutArchive_NeverSearched) {
  XmppClient alice;
  ASSERT_TRUE(alice_in_new_room(alice, "lobby"));
  ASSERT_TRUE(create_room(alice, "offrecord", "Alice", {{"muc#roomconfig_enablelogging", {"0"}}}));
  ASSERT_TRUE(say_and_wait(alice, "offrecord", "nothing to see"));
  ASSERT_TRUE(say_and_wait(alice, "lobby", "nothing new"));
  EXPECT_EQ(search_words(alice, "nothing").found(), Strings{"lobby: nothing new"});
}

TEST_F(MucSearchTest, BadRequests_RightErrors) {
  ASSERT_TRUE(start_muc());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  EXPECT_EQ(search(alice, {}).error(), "bad-request");
  EXPECT_EQ(search_words(alice, "").error(), "bad-request");
  EXPECT_EQ(search(alice, {{kFulltext, {"x"}}, {"room", {"lobby@elsewhere.localhost"}}}).error(),
            "bad-request");
  EXPECT_EQ(search(alice, {{kFulltext, {"x"}}, {"start", {"soon"}}}).error(), "bad-request");
  EXPECT_EQ(search(alice, {{kFulltext, {"x"}}, {"colour", {"blue"}}}).error(),
            "feature-not-implemented");
  EXPECT_EQ(search_words(alice, "x", rsm("<after>not-a-cursor</after>")).error(), "item-not-found");
  EXPECT_EQ(search_words(alice, "x", rsm("<index>2</index>")).error(), "feature-not-implemented");
  const Answer no_words = search_words(alice, "!!!");
  ASSERT_TRUE(no_words.ok()) << no_words.describe();
  EXPECT_TRUE(no_words.results.empty());
  // The service is still there for the next one.
  EXPECT_TRUE(search_words(alice, "anything").ok());
}

TEST_F(MucSearchTest, CountLimits_Configured) {
  ASSERT_TRUE(start_muc({{"muc.search_count_limit", "2"}, {"muc.mam_count_limit", "2"}}));
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));
  for (const char* body : {"tick one", "tick two", "tick three", "tock"}) {
    ASSERT_TRUE(say_and_wait(alice, "lobby", body));
  }
  // Three matches are more than two: all of them, without a count.
  const Answer many = search_words(alice, "tick");
  ASSERT_TRUE(many.ok()) << many.describe();
  EXPECT_EQ(many.results.size(), 3u);
  EXPECT_EQ(many.rsm_text("count"), "(none)") << many.describe();
  EXPECT_EQ(search_words(alice, "tock").rsm_text("count"), "1");
  const Answer in_room = mam(alice, "lobby", {{kFulltext, {"tick"}}});
  ASSERT_TRUE(in_room.ok()) << in_room.describe();
  EXPECT_EQ(in_room.results.size(), 3u);
  EXPECT_EQ(in_room.rsm_text("count"), "(none)") << in_room.describe();
  EXPECT_EQ(mam(alice, "lobby", {{kFulltext, {"tock"}}}).rsm_text("count"), "1");
}

TEST_F(MucSearchTest, SearchesAtOnce_LimitedByConfiguration) {
  const std::string dsn = create_test_database();
  ASSERT_TRUE(start_muc({{"database.dsn", toml_string(dsn)},
                         {"muc.search_max_queries", "1"},
                         {"muc.search_timeout_ms", "600000"}}));
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));
  ASSERT_TRUE(say_and_wait(alice, "lobby", "held up"));
  // The one search allowed waits for a lock on the affiliations, which the search reads.
  pqxx::connection other(dsn);
  pqxx::work locking(other);
  locking.exec("LOCK TABLE muc_affiliations IN ACCESS EXCLUSIVE MODE");
  const std::string held = send_search(alice, "held");
  ASSERT_TRUE(someone_waits_for(dsn, "muc_affiliations"));
  const Answer refused = search_words(alice, "held");
  EXPECT_EQ(refused.error(), "resource-constraint") << refused.describe();
  locking.abort();
  const std::optional<xmpp::Element> answer = alice.wait_for([&](const xmpp::Element& stanza) {
    return stanza.name() == "iq" && stanza.attr_or("id") == held;
  });
  ASSERT_TRUE(answer) << alice.describe();
  EXPECT_EQ(answer->attr_or("type"), "result") << answer->str();
}

TEST_F(MucSearchTest, SearchTimeout_Configured) {
  const std::string dsn = create_test_database();
  ASSERT_TRUE(start_muc({{"database.dsn", toml_string(dsn)}, {"muc.search_timeout_ms", "100"}}));
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(create_instant_room(alice, "lobby", "Alice"));
  ASSERT_TRUE(say_and_wait(alice, "lobby", "slow going"));
  pqxx::connection other(dsn);
  pqxx::work locking(other);
  locking.exec("LOCK TABLE muc_affiliations IN ACCESS EXCLUSIVE MODE");
  const Answer cancelled = search_words(alice, "slow");
  ASSERT_EQ(cancelled.error(), "resource-constraint") << cancelled.describe();
  // Cancelled by the configured timeout, not the default one.
  const xmpp::Element* text =
      cancelled.reply->child("error")->child("text", xmpp::ns::kStanzaErrors);
  ASSERT_NE(text, nullptr) << cancelled.describe();
  EXPECT_NE(text->text().find("100 ms"), std::string::npos) << cancelled.describe();
  locking.abort();
  EXPECT_EQ(search_words(alice, "slow").bodies(), Strings{"slow going"});
}

}  // namespace
}  // namespace stoa::test
