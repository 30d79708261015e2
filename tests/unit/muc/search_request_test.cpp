#include "muc/search_request.hpp"

#include <gtest/gtest.h>

#include <map>

#include "muc/muc_namespaces.hpp"
#include "tests/unit/muc/room_test_support.hpp"

namespace stoa::muc::testing {
namespace {

constexpr std::string_view kFrom = "alice@example.org/phone";
const std::string kService = "conference.example.org";

/// An IQ `type` to the service with <query xmlns='urn:stoa:search:0'>`content`</query>.
xmpp::Element iq(std::string_view content, std::string_view type = "set",
                 std::string_view attributes = "") {
  return xml("<iq type='" + std::string(type) + "' id='s1' from='" + std::string(kFrom) + "' to='" +
             kService + "'><query xmlns='urn:stoa:search:0' " + std::string(attributes) + ">" +
             std::string(content) + "</query></iq>");
}

std::string field(std::string_view var, std::string_view value) {
  return "<field var='" + std::string(var) + "'><value>" + std::string(value) + "</value></field>";
}

std::string form(std::string_view fields) {
  return "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'>"
         "<value>urn:stoa:search:0</value></field>" +
         std::string(fields) + "</x>";
}

std::string text(std::string_view words) {
  return field("{urn:xmpp:fulltext:0}fulltext", words);
}

std::variant<xmpp::Element, ServeSearch> read(const xmpp::Element& request,
                                              std::string_view from = kFrom) {
  ServiceSettings settings = test_settings();
  settings.mam_max_page = 50;
  return read_search_request(request, jid(from), settings);
}

ServeSearch accepted(const std::variant<xmpp::Element, ServeSearch>& read) {
  if (const auto* answer = std::get_if<xmpp::Element>(&read)) {
    throw std::runtime_error("answered at once: " + answer->str());
  }
  return std::get<ServeSearch>(read);
}

/// The error condition answered; "" (and a failure) when the search was accepted.
std::string refusal(const std::variant<xmpp::Element, ServeSearch>& read) {
  const auto* answer = std::get_if<xmpp::Element>(&read);
  if (!answer) {
    ADD_FAILURE() << "the search was accepted";
    return "";
  }
  EXPECT_EQ(answer->attr_or("to"), kFrom);
  EXPECT_EQ(answer->attr_or("id"), "s1");
  return error_condition(*answer);
}

TEST(IsSearchRequest, GetsAndSetsOfTheQueryOnly) {
  EXPECT_TRUE(is_search_request(iq("", "get")));
  EXPECT_TRUE(is_search_request(iq("", "set")));
  EXPECT_FALSE(is_search_request(iq("", "result")));
  EXPECT_FALSE(
      is_search_request(xml("<iq type='get' id='x'><query xmlns='urn:xmpp:mam:2'/></iq>")));
  EXPECT_FALSE(is_search_request(xml("<message><query xmlns='urn:stoa:search:0'/></message>")));
  EXPECT_FALSE(is_search_request(
      xml("<iq type='set' id='x'><query xmlns='urn:stoa:search:0'/><ping xmlns='urn:xmpp:ping'/>"
          "</iq>")));
}

TEST(ReadSearchRequest, Get_TheForm) {
  const auto answer = read(iq("", "get"));
  const xmpp::Element& reply = std::get<xmpp::Element>(answer);
  EXPECT_EQ(reply.attr_or("type"), "result");
  EXPECT_EQ(reply.attr_or("to"), kFrom);
  const xmpp::Element* query = reply.child("query", ns::kStoaSearch);
  ASSERT_NE(query, nullptr);
  std::optional<DataForm> parsed = parse_form(*query->child("x", xmpp::ns::kDataForms));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->type, "form");
  EXPECT_EQ(parsed->form_type(), ns::kStoaSearch);
  std::map<std::string, std::string> types;
  for (const FormField& f : parsed->fields) {
    types[f.var] = f.type;
  }
  EXPECT_EQ(types,
            (std::map<std::string, std::string>{{"FORM_TYPE", "hidden"},
                                                {"{urn:xmpp:fulltext:0}fulltext", "text-single"},
                                                {"start", "text-single"},
                                                {"end", "text-single"},
                                                {"room", "jid-single"}}));
}

TEST(ReadSearchRequest, EveryField_ReadWithTheScopeOfTheRequester) {
  const ServeSearch search = accepted(read(
      iq(form(text("release notes") + field("start", "2024-05-01T10:00:00Z") +
              field("end", "2024-05-02T10:00:00Z") + field("room", "Dev@Conference.Example.org")),
         "set", "queryid='q7'")));
  EXPECT_EQ(search.to.str(), kFrom);
  EXPECT_EQ(search.iq_id, "s1");
  EXPECT_EQ(search.query_id, "q7");
  EXPECT_EQ(search.query.text, "release notes");
  EXPECT_EQ(search.query.start, parse_timestamp("2024-05-01T10:00:00Z"));
  EXPECT_EQ(search.query.end, parse_timestamp("2024-05-02T10:00:00Z"));
  EXPECT_EQ(search.query.room, "dev@conference.example.org");
  EXPECT_EQ(search.query.max, 50u);
  EXPECT_FALSE(search.query.page_after);
  EXPECT_FALSE(search.query.page_before);
  EXPECT_FALSE(search.query.last_page);
  EXPECT_EQ(search.scope.service, kService);
  EXPECT_EQ(search.scope.user, kFrom);
  EXPECT_EQ(search.scope.user_bare, "alice@example.org");
  EXPECT_EQ(search.scope.user_domain, "example.org");
  EXPECT_FALSE(search.scope.service_admin);
}

TEST(ReadSearchRequest, ServiceAdmin_Marked) {
  EXPECT_TRUE(accepted(read(iq(form(text("x"))), "admin@example.org/desk")).scope.service_admin);
}

TEST(ReadSearchRequest, OlderFieldNames_TheText) {
  EXPECT_EQ(accepted(read(iq(form(field("withtext", "a b"))))).query.text, "a b");
  EXPECT_EQ(accepted(read(iq(form(field("full-text-search", "c"))))).query.text, "c");
  EXPECT_EQ(refusal(read(iq(form(text("a") + field("withtext", "b"))))), "bad-request");
}

TEST(ReadSearchRequest, NoTextOrNoForm_BadRequest) {
  EXPECT_EQ(refusal(read(iq(""))), "bad-request");
  EXPECT_EQ(refusal(read(iq(form("")))), "bad-request");
  EXPECT_EQ(refusal(read(iq(form(text(""))))), "bad-request");
  EXPECT_EQ(refusal(read(iq(form(text(std::string(1025, 'a')))))), "bad-request");
  EXPECT_TRUE(std::holds_alternative<ServeSearch>(read(iq(form(text(std::string(1024, 'a')))))));
}

TEST(ReadSearchRequest, MalformedFields_BadRequest) {
  for (const auto& [var, value] :
       std::vector<std::pair<std::string, std::string>>{{"start", "yesterday"},
                                                        {"end", "2024-13-01T00:00:00Z"},
                                                        {"room", "conference.example.org"},
                                                        {"room", "dev@conference.example.org/nick"},
                                                        {"room", "dev@elsewhere.example.org"},
                                                        {"room", "@@"},
                                                        {"FORM_TYPE", "urn:xmpp:mam:2"}}) {
    SCOPED_TRACE(var + "=" + value);
    EXPECT_EQ(refusal(read(iq(form(text("x") + field(var, value))))), "bad-request");
  }
  EXPECT_EQ(refusal(read(iq(form(text("x") + text("y"))))), "bad-request");
  EXPECT_EQ(refusal(read(iq(
                form(text("x") + "<field var='start'><value>a</value><value>b</value></field>")))),
            "bad-request");
  EXPECT_EQ(refusal(read(iq("<x xmlns='jabber:x:data' type='form'/>"))), "bad-request");
  EXPECT_EQ(refusal(read(iq(form(text("x")) + form(text("y"))))), "bad-request");
  EXPECT_EQ(refusal(read(iq(form(text("x")), "set", "queryid='" + std::string(257, 'q') + "'"))),
            "bad-request");
}

TEST(ReadSearchRequest, UnknownField_FeatureNotImplemented) {
  EXPECT_EQ(refusal(read(iq(form(text("x") + field("with", "bob@example.org"))))),
            "feature-not-implemented");
}

TEST(ReadSearchRequest, Rsm_MaxCappedCursorsReadLastPage) {
  const std::string set_open = "<set xmlns='http://jabber.org/protocol/rsm'>";
  EXPECT_EQ(accepted(read(iq(form(text("x")) + set_open + "<max>500</max></set>"))).query.max, 50u);
  EXPECT_EQ(accepted(read(iq(form(text("x")) + set_open + "<max>0</max></set>"))).query.max, 0u);
  EXPECT_TRUE(accepted(read(iq(form(text("x")) + set_open + "<before/></set>"))).query.last_page);
  const ServeSearch after =
      accepted(read(iq(form(text("x")) + set_open + "<after>1700000000000001.42</after></set>")));
  ASSERT_TRUE(after.query.page_after);
  EXPECT_EQ(after.query.page_after->seq, 42);
  EXPECT_EQ(after.query.page_after->at, Timestamp(std::chrono::microseconds(1700000000000001)));
  EXPECT_TRUE(accepted(read(iq(form(text("x")) + set_open + "<before>5.6</before></set>")))
                  .query.page_before);
}

TEST(ReadSearchRequest, RsmRefusals) {
  const std::string set_open = "<set xmlns='http://jabber.org/protocol/rsm'>";
  EXPECT_EQ(refusal(read(iq(form(text("x")) + set_open + "<after>m1</after></set>"))),
            "item-not-found");
  EXPECT_EQ(refusal(read(iq(form(text("x")) + set_open + "<after/></set>"))), "item-not-found");
  EXPECT_EQ(refusal(read(iq(form(text("x")) + set_open + "<index>3</index></set>"))),
            "feature-not-implemented");
  EXPECT_EQ(refusal(read(iq(form(text("x")) + set_open +
                            "<after>1.1</after><before>2.2</before>"
                            "</set>"))),
            "bad-request");
  EXPECT_EQ(refusal(read(iq(form(text("x")) + set_open + "<max>-1</max></set>"))), "bad-request");
}

TEST(SearchCursor, RoundTripsAndRefusesAnythingElse) {
  for (const SearchPosition& position :
       {SearchPosition{Timestamp(std::chrono::microseconds(1700000000123456)), 7},
        SearchPosition{Timestamp(std::chrono::microseconds(-5000)), 0}}) {
    EXPECT_EQ(parse_search_cursor(format_search_cursor(position)), position);
  }
  for (const char* bad :
       {"", ".", "1.", ".1", "1.2.3", "a.1", "1.-1", "1 .2", "+1.2", "99999999999999999999.1",
        "1.99999999999999999999", "-62135596800000001.1", "253402300800000000.1"}) {
    EXPECT_FALSE(parse_search_cursor(bad)) << bad;
  }
}

SearchHit hit(bool shows_real_jid, std::string sender = "bob@example.org") {
  SearchHit out;
  out.room = "dev@conference.example.org";
  out.entry.stanza_id = "sid-1";
  out.entry.timestamp = at(90);
  out.entry.nick = "bob";
  out.entry.sender = std::move(sender);
  out.entry.stanza =
      "<message xmlns='jabber:client' from='dev@conference.example.org/bob' type='groupchat'>"
      "<body>release notes</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>";
  out.position = SearchPosition{out.entry.timestamp, 12};
  out.shows_real_jid = shows_real_jid;
  return out;
}

const xmpp::Element* real_jid_item(const xmpp::Element& message) {
  const xmpp::Element* forwarded = message.child("result", ns::kStoaSearch)
                                       ->child("forwarded", xmpp::ns::kForward)
                                       ->child("message", xmpp::ns::kClient);
  const xmpp::Element* x = forwarded->child("x", ns::kMucUser);
  return x ? x->child("item", ns::kMucUser) : nullptr;
}

TEST(SearchResultMessage, FromTheServiceNamingRoomIdAndCursor) {
  std::optional<xmpp::Element> message =
      search_result_message(hit(false), kService, "q7", "alice@example.org");
  ASSERT_TRUE(message);
  EXPECT_EQ(message->attr_or("from"), kService);
  const xmpp::Element* result = message->child("result", ns::kStoaSearch);
  ASSERT_NE(result, nullptr);
  EXPECT_EQ(result->attr_or("queryid"), "q7");
  EXPECT_EQ(result->attr_or("room"), "dev@conference.example.org");
  EXPECT_EQ(result->attr_or("id"), "sid-1");
  EXPECT_EQ(result->attr_or("cursor"), format_search_cursor(hit(false).position));
  const xmpp::Element* forwarded = result->child("forwarded", xmpp::ns::kForward);
  ASSERT_NE(forwarded, nullptr);
  EXPECT_EQ(forwarded->child("delay", xmpp::ns::kDelay)->attr_or("stamp"),
            format_timestamp(at(90)));
  EXPECT_EQ(forwarded->child("message", xmpp::ns::kClient)->child_text("body", xmpp::ns::kClient),
            "release notes");
  // The archived muc#user <x/> is not passed on, and no real JID is added.
  EXPECT_EQ(forwarded->child("message", xmpp::ns::kClient)->child("x", ns::kMucUser), nullptr);
}

TEST(SearchResultMessage, RealJidWhereShownOrOwn) {
  const xmpp::Element* item = nullptr;
  std::optional<xmpp::Element> shown =
      search_result_message(hit(true), kService, std::nullopt, "alice@example.org");
  ASSERT_TRUE(shown);
  EXPECT_FALSE(shown->child("result", ns::kStoaSearch)->attr("queryid"));
  item = real_jid_item(*shown);
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(item->attr_or("jid"), "bob@example.org");
  std::optional<xmpp::Element> own = search_result_message(
      hit(false, "alice@example.org"), kService, std::nullopt, "alice@example.org");
  item = real_jid_item(*own);
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(item->attr_or("jid"), "alice@example.org");
}

TEST(SearchResultMessage, UnparsableStanza_Nullopt) {
  SearchHit broken = hit(true);
  broken.entry.stanza = "<message";
  EXPECT_FALSE(search_result_message(broken, kService, std::nullopt, "alice@example.org"));
}

TEST(SearchFin, CursorsIndexCountComplete) {
  SearchPage page;
  page.hits = {hit(false), hit(false)};
  page.hits[1].position.seq = 13;
  page.count = 9;
  page.first_index = 4;
  const xmpp::Element fin = search_fin(page);
  EXPECT_TRUE(fin.is("fin", ns::kStoaSearch));
  EXPECT_FALSE(fin.attr("complete"));
  const xmpp::Element* set = fin.child("set", ns::kRsm);
  EXPECT_EQ(set->child_text("first", ns::kRsm), format_search_cursor(page.hits[0].position));
  EXPECT_EQ(set->child("first", ns::kRsm)->attr_or("index"), "4");
  EXPECT_EQ(set->child_text("last", ns::kRsm), format_search_cursor(page.hits[1].position));
  EXPECT_EQ(set->child_text("count", ns::kRsm), "9");

  SearchPage empty;
  empty.complete = true;
  const xmpp::Element none = search_fin(empty);
  EXPECT_EQ(none.attr_or("complete"), "true");
  EXPECT_EQ(none.child("set", ns::kRsm)->child("first", ns::kRsm), nullptr);
  EXPECT_EQ(none.child("set", ns::kRsm)->child("count", ns::kRsm), nullptr);
}

}  // namespace
}  // namespace stoa::muc::testing
