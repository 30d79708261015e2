#include "muc/mam_query.hpp"

#include <gtest/gtest.h>

#include "tests/unit/muc/room_test_support.hpp"

namespace stoa::muc::testing {
namespace {

using xmpp::StanzaCondition;
using xmpp::StanzaError;

constexpr std::size_t kMaxPage = 50;

/// A <query xmlns='urn:xmpp:mam:2'/> with `content`, parsed.
std::variant<MamRequest, StanzaError> parse(std::string_view content,
                                            std::string_view attributes = "") {
  const xmpp::Element query = xml("<query xmlns='urn:xmpp:mam:2' " + std::string(attributes) + ">" +
                                  std::string(content) + "</query>");
  return parse_mam_query(query, jid(kRoom), kMaxPage);
}

/// A submitted MAM form with `fields` (XML of <field/> elements).
std::string form(std::string_view fields) {
  return "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'>"
         "<value>urn:xmpp:mam:2</value></field>" +
         std::string(fields) + "</x>";
}

std::string field(std::string_view var, std::string_view value) {
  return "<field var='" + std::string(var) + "'><value>" + std::string(value) + "</value></field>";
}

MamRequest accepted(const std::variant<MamRequest, StanzaError>& parsed) {
  if (const auto* error = std::get_if<StanzaError>(&parsed)) {
    throw std::runtime_error("refused: " + std::string(xmpp::to_string(error->condition)) + " " +
                             error->text);
  }
  return std::get<MamRequest>(parsed);
}

/// The condition of a refusal; fails the test when the query was accepted.
std::string refusal(const std::variant<MamRequest, StanzaError>& parsed) {
  const auto* error = std::get_if<StanzaError>(&parsed);
  if (!error) {
    ADD_FAILURE() << "the query was accepted";
    return "";
  }
  return std::string(xmpp::to_string(error->condition));
}

std::string refusal_text(const std::variant<MamRequest, StanzaError>& parsed) {
  const auto* error = std::get_if<StanzaError>(&parsed);
  return error ? error->text : "";
}

TEST(ParseMamQuery, Empty_EverythingFirstPageOfTheLimit) {
  const MamRequest request = accepted(parse(""));
  EXPECT_FALSE(request.query_id);
  EXPECT_FALSE(request.flip);
  EXPECT_FALSE(request.filters_by_real_jid);
  const ArchiveQuery& query = request.query;
  EXPECT_EQ(query.max, kMaxPage);
  EXPECT_FALSE(query.start || query.end || query.nick || query.sender || query.after_id ||
               query.before_id || query.page_after || query.page_before);
  EXPECT_TRUE(query.ids.empty());
}

TEST(ParseMamQuery, QueryId_Kept) {
  EXPECT_EQ(accepted(parse("", "queryid='f27'")).query_id, "f27");
}

TEST(ParseMamQuery, QueryIdTooLong_BadRequest) {
  EXPECT_EQ(refusal(parse("", "queryid='" + std::string(257, 'q') + "'")), "bad-request");
}

TEST(ParseMamQuery, Node_ItemNotFound) {
  EXPECT_EQ(refusal(parse("", "node='x'")), "item-not-found");
}

TEST(ParseMamQuery, EveryFilter_Read) {
  const MamRequest request = accepted(parse(
      form(field("start", "2024-05-01T10:00:00Z") + field("end", "2024-05-01T12:00:00.5+02:00") +
           field("with", kRoom + "/romeo") + field("after-id", "a1") + field("before-id", "b2") +
           "<field var='ids'><value>i1</value><value>i2</value></field>")));
  const ArchiveQuery& query = request.query;
  ASSERT_TRUE(query.start && query.end);
  EXPECT_EQ(format_timestamp(*query.start), "2024-05-01T10:00:00Z");
  EXPECT_EQ(format_timestamp(*query.end), "2024-05-01T10:00:00.500000Z");
  EXPECT_EQ(query.nick, "romeo");
  EXPECT_FALSE(query.sender);
  EXPECT_FALSE(request.filters_by_real_jid);
  EXPECT_EQ(query.after_id, "a1");
  EXPECT_EQ(query.before_id, "b2");
  EXPECT_EQ(query.ids, (std::vector<std::string>{"i1", "i2"}));
}

TEST(ParseMamQuery, WithBareRoom_NoFilter) {
  const MamRequest request = accepted(parse(form(field("with", kRoom))));
  EXPECT_FALSE(request.query.nick);
  EXPECT_FALSE(request.query.sender);
}

TEST(ParseMamQuery, WithRealFullJid_SenderBareJidAndMarked) {
  const MamRequest request = accepted(parse(form(field("with", "Romeo@Example.org/phone"))));
  EXPECT_EQ(request.query.sender, "romeo@example.org");
  EXPECT_FALSE(request.query.nick);
  EXPECT_TRUE(request.filters_by_real_jid);
}

TEST(ParseMamQuery, EmptyValues_NoFilter) {
  const MamRequest request =
      accepted(parse(form("<field var='with'/><field var='start'><value/>"
                          "</field>")));
  EXPECT_FALSE(request.query.sender || request.query.nick || request.query.start);
}

TEST(ParseMamQuery, MalformedValues_BadRequestNamingTheField) {
  for (const auto& [var, value] :
       std::vector<std::pair<std::string, std::string>>{{"start", "yesterday"},
                                                        {"end", "2024-13-01T00:00:00Z"},
                                                        {"start", "0000-12-31T23:00:00Z"},
                                                        {"with", "@broken"}}) {
    auto parsed = parse(form(field(var, value)));
    EXPECT_EQ(refusal(parsed), "bad-request") << var;
    EXPECT_NE(refusal_text(parsed).find(var), std::string::npos) << refusal_text(parsed);
  }
}

TEST(ParseMamQuery, UnknownField_FeatureNotImplementedNamingIt) {
  auto parsed = parse(form(field("{urn:example}colour", "blue")));
  EXPECT_EQ(refusal(parsed), "feature-not-implemented");
  EXPECT_NE(refusal_text(parsed).find("{urn:example}colour"), std::string::npos);
}

TEST(ParseMamQuery, MalformedForms_BadRequest) {
  EXPECT_EQ(refusal(parse("<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>"
                          "<value>urn:xmpp:mam:1</value></field></x>")),
            "bad-request");
  EXPECT_EQ(refusal(parse("<x xmlns='jabber:x:data' type='form'/>")), "bad-request");
  EXPECT_EQ(refusal(parse("<x xmlns='jabber:x:data' type='nonsense'/>")), "bad-request");
  EXPECT_EQ(refusal(parse(form(field("start", "2024-05-01T10:00:00Z") +
                               field("start", "2024-05-01T11:00:00Z")))),
            "bad-request");
  EXPECT_EQ(refusal(parse(form("<field var='after-id'><value>a</value><value>b</value></field>"))),
            "bad-request");
  EXPECT_EQ(refusal(parse(form("") + form(""))), "bad-request");
}

TEST(ParseMamQuery, MoreIdsThanAPage_BadRequest) {
  std::string values;
  for (std::size_t i = 0; i <= kMaxPage; ++i) {
    values += "<value>id" + std::to_string(i) + "</value>";
  }
  EXPECT_EQ(refusal(parse(form("<field var='ids'>" + values + "</field>"))), "bad-request");
}

TEST(ParseMamQuery, RsmMax_CappedAtTheLimitAndHonouredBelowIt) {
  const std::string set = "<set xmlns='http://jabber.org/protocol/rsm'><max>";
  EXPECT_EQ(accepted(parse(set + "1000</max></set>")).query.max, kMaxPage);
  EXPECT_EQ(accepted(parse(set + "7</max></set>")).query.max, 7u);
  EXPECT_EQ(accepted(parse(set + "0</max></set>")).query.max, 0u);
  EXPECT_EQ(refusal(parse(set + "-1</max></set>")), "bad-request");
}

TEST(ParseMamQuery, RsmAfterAndBefore_Read) {
  const MamRequest after = accepted(
      parse("<set xmlns='http://jabber.org/protocol/rsm'><max>5</max><after>x9</after></set>"));
  EXPECT_EQ(after.query.page_after, "x9");
  EXPECT_FALSE(after.query.page_before);
  const MamRequest last =
      accepted(parse("<set xmlns='http://jabber.org/protocol/rsm'><before/></set>"));
  EXPECT_EQ(last.query.page_before, "");
}

TEST(ParseMamQuery, RsmUnsupportedOrUndefined_Refused) {
  EXPECT_EQ(refusal(parse("<set xmlns='http://jabber.org/protocol/rsm'><index>3</index></set>")),
            "feature-not-implemented");
  EXPECT_EQ(refusal(parse("<set xmlns='http://jabber.org/protocol/rsm'><after>a</after>"
                          "<before>b</before></set>")),
            "bad-request");
  EXPECT_EQ(refusal(parse("<set xmlns='http://jabber.org/protocol/rsm'><after/></set>")),
            "bad-request");
}

TEST(ParseMamQuery, FlipPage_Read) {
  EXPECT_TRUE(accepted(parse("<flip-page/>")).flip);
}

TEST(MamQueryForm, ListsTheFieldsWithTheirTypes) {
  const xmpp::Element query = mam_query_form();
  ASSERT_TRUE(query.is("query", ns::kMam));
  const xmpp::Element* x = query.child("x", xmpp::ns::kDataForms);
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->attr_or("type"), "form");
  std::map<std::string, const xmpp::Element*> fields;
  for (const xmpp::Element* f : x->children("field", xmpp::ns::kDataForms)) {
    fields[f->attr_or("var")] = f;
  }
  ASSERT_EQ(fields.size(), 8u);
  EXPECT_EQ(fields["FORM_TYPE"]->child_text("value", xmpp::ns::kDataForms), ns::kMam);
  EXPECT_EQ(fields["with"]->attr_or("type"), "jid-single");
  for (const char* var :
       {"start", "end", "before-id", "after-id", "{urn:xmpp:fulltext:0}fulltext"}) {
    EXPECT_EQ(fields[var]->attr_or("type"), "text-single") << var;
  }
  EXPECT_EQ(fields["ids"]->attr_or("type"), "list-multi");
  const xmpp::Element* validate = fields["ids"]->child("validate", ns::kDataValidate);
  ASSERT_NE(validate, nullptr);
  EXPECT_NE(validate->child("open", ns::kDataValidate), nullptr);
  EXPECT_TRUE(fields["ids"]->children("option", xmpp::ns::kDataForms).empty());
}

ArchiveEntry entry(std::string id, std::string stanza) {
  ArchiveEntry out;
  out.stanza_id = std::move(id);
  out.timestamp = at(90);
  out.nick = "romeo";
  out.sender = "romeo@example.org";
  out.stanza = std::move(stanza);
  return out;
}

TEST(MamResultMessage, ForwardsTheArchivedMessageFromTheRoom) {
  const ArchiveEntry archived =
      entry("s1", "<message xmlns='jabber:client' from='" + kRoom +
                      "/romeo' to='someone@example.org/x' type='groupchat' id='c1'><body>hi</body>"
                      "<x xmlns='http://jabber.org/protocol/muc#user'><item jid='forged@evil'/></x>"
                      "</message>");
  std::optional<xmpp::Element> message = mam_result_message(archived, kRoom, "q1", "");
  ASSERT_TRUE(message);
  EXPECT_EQ(message->attr_or("from"), kRoom);
  EXPECT_FALSE(message->attr("to"));
  const xmpp::Element* result = message->child("result", ns::kMam);
  ASSERT_NE(result, nullptr);
  EXPECT_EQ(result->attr_or("queryid"), "q1");
  EXPECT_EQ(result->attr_or("id"), "s1");
  const xmpp::Element* forwarded = result->child("forwarded", xmpp::ns::kForward);
  ASSERT_NE(forwarded, nullptr);
  const xmpp::Element* delay = forwarded->child("delay", xmpp::ns::kDelay);
  ASSERT_NE(delay, nullptr);
  EXPECT_EQ(delay->attr_or("stamp"), format_timestamp(at(90)));
  const xmpp::Element* original = forwarded->child("message", xmpp::ns::kClient);
  ASSERT_NE(original, nullptr);
  EXPECT_EQ(original->attr_or("from"), kRoom + "/romeo");
  EXPECT_EQ(original->attr_or("id"), "c1");
  EXPECT_EQ(original->child_text("body"), "hi");
  // No 'to', and no muc#user <x/> the sender could have forged.
  EXPECT_FALSE(original->attr("to"));
  EXPECT_EQ(original->child("x", ns::kMucUser), nullptr);
}

TEST(MamResultMessage, RealJid_InAMucUserItem) {
  const ArchiveEntry archived =
      entry("s1", "<message xmlns='jabber:client' type='groupchat'><body>hi</body></message>");
  std::optional<xmpp::Element> message =
      mam_result_message(archived, kRoom, std::nullopt, "romeo@example.org");
  ASSERT_TRUE(message);
  EXPECT_FALSE(message->child("result", ns::kMam)->attr("queryid"));
  const xmpp::Element* original = message->child("result", ns::kMam)
                                      ->child("forwarded", xmpp::ns::kForward)
                                      ->child("message", xmpp::ns::kClient);
  const xmpp::Element* item = item_of(*original);
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(item->attr_or("jid"), "romeo@example.org");
}

TEST(MamResultMessage, UnparsableStanza_Nullopt) {
  EXPECT_FALSE(mam_result_message(entry("s1", "<message"), kRoom, std::nullopt, ""));
}

TEST(MamFin, Page_FirstWithIndexLastAndCount) {
  ArchivePage page;
  page.entries = {entry("a", ""), entry("b", ""), entry("c", "")};
  page.count = 10;
  page.first_index = 4;
  const xmpp::Element fin = mam_fin(page);
  EXPECT_TRUE(fin.is("fin", ns::kMam));
  EXPECT_FALSE(fin.attr("complete"));
  const xmpp::Element* set = fin.child("set", ns::kRsm);
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->child_text("first", ns::kRsm), "a");
  EXPECT_EQ(set->child("first", ns::kRsm)->attr_or("index"), "4");
  EXPECT_EQ(set->child_text("last", ns::kRsm), "c");
  EXPECT_EQ(set->child_text("count", ns::kRsm), "10");
}

TEST(MamFin, EmptyCompletePage_CountOnlyAndComplete) {
  ArchivePage page;
  page.complete = true;
  page.count = 0;
  const xmpp::Element fin = mam_fin(page);
  EXPECT_EQ(fin.attr_or("complete"), "true");
  const xmpp::Element* set = fin.child("set", ns::kRsm);
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->child("first", ns::kRsm), nullptr);
  EXPECT_EQ(set->child("last", ns::kRsm), nullptr);
  EXPECT_EQ(set->child_text("count", ns::kRsm), "0");
}

TEST(MamFin, CountUnknown_NeitherCountNorIndex) {
  ArchivePage page;
  page.entries = {entry("a", ""), entry("b", "")};
  const xmpp::Element fin = mam_fin(page);
  const xmpp::Element* set = fin.child("set", ns::kRsm);
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->child_text("first", ns::kRsm), "a");
  EXPECT_FALSE(set->child("first", ns::kRsm)->attr("index"));
  EXPECT_EQ(set->child_text("last", ns::kRsm), "b");
  EXPECT_EQ(set->child("count", ns::kRsm), nullptr);
}

TEST(MamMetadata, StartAndEndOrNothing) {
  const xmpp::Element full =
      mam_metadata(ArchiveMetadata{ArchiveEnd{"first", at(1)}, ArchiveEnd{"last", at(2)}});
  ASSERT_TRUE(full.is("metadata", ns::kMam));
  ASSERT_NE(full.child("start", ns::kMam), nullptr);
  EXPECT_EQ(full.child("start", ns::kMam)->attr_or("id"), "first");
  EXPECT_EQ(full.child("start", ns::kMam)->attr_or("timestamp"), format_timestamp(at(1)));
  EXPECT_EQ(full.child("end", ns::kMam)->attr_or("id"), "last");
  EXPECT_EQ(full.child("end", ns::kMam)->attr_or("timestamp"), format_timestamp(at(2)));
  EXPECT_FALSE(mam_metadata(ArchiveMetadata{}).has_children());
}

}  // namespace
}  // namespace stoa::muc::testing
