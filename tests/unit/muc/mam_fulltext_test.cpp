// XEP-0431 full-text search in the room's MAM: the form field, its older names, and the
// disco feature.

#include <gtest/gtest.h>

#include <algorithm>

#include "muc/data_form.hpp"
#include "muc/mam_query.hpp"
#include "tests/unit/muc/room_test_support.hpp"

namespace stoa::muc::testing {
namespace {

using xmpp::StanzaError;

std::variant<MamRequest, StanzaError> parse_form_fields(std::string_view fields) {
  return parse_mam_query(
      xml("<query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'>"
          "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>" +
          std::string(fields) + "</x></query>"),
      jid(kRoom), 50);
}

std::string field(std::string_view var, std::string_view value) {
  return "<field var='" + std::string(var) + "'><value>" + std::string(value) + "</value></field>";
}

std::optional<std::string> fulltext_of(const std::variant<MamRequest, StanzaError>& parsed) {
  if (const auto* error = std::get_if<StanzaError>(&parsed)) {
    ADD_FAILURE() << "refused: " << error->text;
    return std::nullopt;
  }
  return std::get<MamRequest>(parsed).query.fulltext;
}

std::string condition_of(const std::variant<MamRequest, StanzaError>& parsed) {
  const auto* error = std::get_if<StanzaError>(&parsed);
  return error ? std::string(xmpp::to_string(error->condition)) : "accepted";
}

TEST(MamFulltext, Field_ReadWithTheOtherFilters) {
  auto parsed = parse_form_fields(field("{urn:xmpp:fulltext:0}fulltext", "\"red car\" -blue") +
                                  field("start", "2024-05-01T10:00:00Z"));
  EXPECT_EQ(fulltext_of(parsed), "\"red car\" -blue");
  EXPECT_TRUE(std::get<MamRequest>(parsed).query.start);
}

TEST(MamFulltext, EmptyOrAbsent_NoFilter) {
  EXPECT_EQ(fulltext_of(parse_form_fields("")), std::nullopt);
  EXPECT_EQ(fulltext_of(parse_form_fields(field("{urn:xmpp:fulltext:0}fulltext", ""))),
            std::nullopt);
}

TEST(MamFulltext, OlderNames_Accepted) {
  EXPECT_EQ(fulltext_of(parse_form_fields(field("withtext", "a"))), "a");
  EXPECT_EQ(fulltext_of(parse_form_fields(field("full-text-search", "b"))), "b");
}

TEST(MamFulltext, TwoNamesTooLongOrSeveralValues_BadRequest) {
  EXPECT_EQ(condition_of(parse_form_fields(field("withtext", "a") +
                                           field("{urn:xmpp:fulltext:0}fulltext", "b"))),
            "bad-request");
  EXPECT_EQ(condition_of(
                parse_form_fields(field("{urn:xmpp:fulltext:0}fulltext", std::string(1025, 'x')))),
            "bad-request");
  EXPECT_EQ(condition_of(parse_form_fields("<field var='{urn:xmpp:fulltext:0}fulltext'>"
                                           "<value>a</value><value>b</value></field>")),
            "bad-request");
}

TEST(MamFulltext, OtherNamespacedField_StillUnknown) {
  EXPECT_EQ(condition_of(parse_form_fields(field("{urn:xmpp:fulltext:1}fulltext", "a"))),
            "feature-not-implemented");
}

class MamFulltextDiscoTest : public RoomTest {
 protected:
  std::vector<std::string> room_features() {
    Outcome out = handle("<iq type='get' id='d' from='alice@example.org/phone' to='" + kRoom +
                         "'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
    std::vector<std::string> found;
    for (const xmpp::Element* stanza : received_by(out, "alice@example.org/phone")) {
      if (const xmpp::Element* query = stanza->child("query", xmpp::ns::kDiscoInfo)) {
        for (const xmpp::Element* feature : query->children("feature", xmpp::ns::kDiscoInfo)) {
          found.push_back(feature->attr_or("var"));
        }
      }
    }
    return found;
  }
};

TEST_F(MamFulltextDiscoTest, AdvertisedWithTheArchiveOnly) {
  create();
  std::vector<std::string> found = room_features();
  EXPECT_NE(std::ranges::find(found, "urn:xmpp:fulltext:0"), found.end());
  configure(kOwner, field("muc#roomconfig_enablelogging", "0"));
  found = room_features();
  EXPECT_EQ(std::ranges::find(found, "urn:xmpp:fulltext:0"), found.end());
  EXPECT_EQ(std::ranges::find(found, "urn:xmpp:mam:2"), found.end());
}

TEST_F(MamFulltextDiscoTest, RoomForm_OffersTheField) {
  create();
  Outcome out = handle("<iq type='get' id='f' from='alice@example.org/phone' to='" + kRoom +
                       "'><query xmlns='urn:xmpp:mam:2'/></iq>");
  const xmpp::Element& reply = only_to(out, "alice@example.org/phone");
  std::optional<DataForm> form =
      parse_form(*reply.child("query", ns::kMam)->child("x", xmpp::ns::kDataForms));
  ASSERT_TRUE(form);
  const FormField* text = form->field("{urn:xmpp:fulltext:0}fulltext");
  ASSERT_NE(text, nullptr);
  EXPECT_EQ(text->type, "text-single");
}

}  // namespace
}  // namespace stoa::muc::testing
