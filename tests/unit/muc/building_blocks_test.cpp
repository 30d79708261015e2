// Small pure pieces: timestamps, occupant ids, data forms, configuration forms, history
// selection, result set paging.

#include <gtest/gtest.h>

#include "muc/data_form.hpp"
#include "muc/occupant_id.hpp"
#include "muc/room_config_form.hpp"
#include "muc/rsm.hpp"
#include "tests/unit/muc/room_test_support.hpp"

namespace stoa::muc::testing {
namespace {

TEST(Timestamp, FormatAndParse_RoundTripWithMicroseconds) {
  Timestamp time = at(0) + std::chrono::microseconds(123456);
  EXPECT_EQ(format_timestamp(time), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(parse_timestamp("2023-11-14T22:13:20.123456Z"), time);
  EXPECT_EQ(format_timestamp(at(0)), "2023-11-14T22:13:20Z");
  EXPECT_EQ(parse_timestamp("2023-11-14T23:13:20+01:00"), at(0));
  EXPECT_EQ(parse_timestamp("2023-11-14T22:13:20.1Z"), at(0) + std::chrono::milliseconds(100));
}

TEST(Timestamp, Malformed_Nullopt) {
  for (const char* text : {"", "2023-11-14", "2023-11-14T22:13:20", "2023-13-01T00:00:00Z",
                           "2023-02-30T00:00:00Z", "2023-11-14T25:00:00Z", "2023-11-14T22:13:20.Z",
                           "2023-11-14T22:13:20Zjunk", "2023-11-14T22:13:20+1:00"}) {
    EXPECT_FALSE(parse_timestamp(text)) << text;
  }
}

TEST(OccupantId, StablePerSecretAndJid) {
  EXPECT_EQ(occupant_id("s", "a@example.org"), occupant_id("s", "a@example.org"));
  EXPECT_NE(occupant_id("s", "a@example.org"), occupant_id("s", "b@example.org"));
  EXPECT_NE(occupant_id("s", "a@example.org"), occupant_id("t", "a@example.org"));
  EXPECT_EQ(occupant_id("s", "a@example.org").size(), 44u);
  EXPECT_EQ(occupant_id("s", "a@example.org").find("example"), std::string::npos);
}

TEST(DataForm, ToElementAndBack) {
  DataForm form;
  form.type = "form";
  form.title = "T";
  form.add("FORM_TYPE", "hidden", "", {"urn:x"});
  form.add("multi", "list-multi", "Label", {"a", "b"}).options = {{"A", "a"}};
  std::optional<DataForm> parsed = parse_form(to_element(form));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->form_type(), "urn:x");
  EXPECT_EQ(parsed->title, "T");
  EXPECT_EQ(parsed->field("multi")->values, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(parse_form(xml("<x xmlns='jabber:x:data' type='weird'/>")));
  EXPECT_FALSE(parse_form(xml("<x xmlns='urn:other' type='submit'/>")));
  EXPECT_EQ(parse_form_boolean("true"), true);
  EXPECT_EQ(parse_form_boolean("0"), false);
  EXPECT_EQ(parse_form_boolean("yes"), std::nullopt);
}

DataForm submit(std::vector<std::pair<std::string, std::vector<std::string>>> fields) {
  DataForm form;
  form.type = "submit";
  for (auto& [var, values] : fields) {
    form.add(var, "", "", values);
  }
  return form;
}

TEST(ConfigForm, SubmittedFormRoundTripsEveryField) {
  ServiceSettings settings = test_settings();
  RoomConfig wanted;
  wanted.name = "N";
  wanted.description = "D";
  wanted.language = "fr";
  wanted.persistent = true;
  wanted.public_room = false;
  wanted.members_only = true;
  wanted.moderated = true;
  wanted.password_protected = true;
  wanted.password = "pw";
  wanted.whois = Whois::anyone;
  wanted.max_users = 50;
  wanted.allow_invites = true;
  wanted.allow_pm = PmPolicy::moderators;
  wanted.change_subject = true;
  wanted.enable_logging = false;
  wanted.get_member_list = RoleSet{true, false, false};
  wanted.presence_broadcast = RoleSet{true, true, false};
  wanted.history_length = 7;
  wanted.allow_voice_requests = false;
  DataForm form = config_form(kRoom, wanted, {"o@example.org"}, {}, settings);
  form.type = "submit";
  auto applied = apply_config_form(form, RoomConfig{}, settings);
  ASSERT_TRUE(std::holds_alternative<ConfigSubmission>(applied));
  EXPECT_EQ(std::get<ConfigSubmission>(applied).config, wanted);
  EXPECT_EQ(std::get<ConfigSubmission>(applied).owners, std::vector<std::string>{"o@example.org"});
}

TEST(ConfigForm, PasswordAloneProtectsTheRoom_HistorylengthAlias) {
  auto applied = apply_config_form(
      submit({{"muc#roomconfig_roomsecret", {"pw"}}, {"muc#roomconfig_historylength", {"3"}}}),
      RoomConfig{}, test_settings());
  const RoomConfig& config = std::get<ConfigSubmission>(applied).config;
  EXPECT_TRUE(config.password_protected);
  EXPECT_EQ(config.history_length, 3u);
}

TEST(ConfigForm, Errors_NameTheField) {
  ServiceSettings settings = test_settings();
  auto wrong_type =
      apply_config_form(submit({{"FORM_TYPE", {"urn:other"}}}), RoomConfig{}, settings);
  EXPECT_EQ(std::get<xmpp::StanzaError>(wrong_type).condition, xmpp::StanzaCondition::bad_request);
  auto role = apply_config_form(submit({{"muc#roomconfig_presencebroadcast", {"king"}}}),
                                RoomConfig{}, settings);
  EXPECT_NE(std::get<xmpp::StanzaError>(role).text.find("presencebroadcast"), std::string::npos);
  auto name = apply_config_form(submit({{"muc#roomconfig_roomname", {std::string(300, 'x')}}}),
                                RoomConfig{}, settings);
  EXPECT_EQ(std::get<xmpp::StanzaError>(name).condition, xmpp::StanzaCondition::not_acceptable);
  auto owner = apply_config_form(submit({{"muc#roomconfig_roomowners", {"not a jid@@"}}}),
                                 RoomConfig{}, settings);
  EXPECT_EQ(std::get<xmpp::StanzaError>(owner).condition, xmpp::StanzaCondition::jid_malformed);
}

TEST(HistoryRequest, ParsesAttributesIgnoresGarbage) {
  const xmpp::Element history =
      xml("<history xmlns='http://jabber.org/protocol/muc' maxstanzas='3' maxchars='x' "
          "seconds='10' since='2023-11-14T22:13:20Z'/>");
  HistoryRequest request = parse_history_request(&history);
  EXPECT_EQ(request.max_stanzas, 3u);
  EXPECT_EQ(request.max_chars, std::nullopt);
  EXPECT_EQ(request.seconds, 10u);
  EXPECT_EQ(request.since, at(0));
}

TEST(HistoryPlan, LaterOfSinceAndSecondsWins_RoomLimitCaps) {
  HistoryRequest request;
  request.since = at(0);
  request.seconds = 5;
  std::optional<SendHistory> plan = plan_history(request, 20, at(100), jid("a@example.org/r"));
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->query.since, at(95));
  EXPECT_EQ(plan->query.max_messages, 20u);
  request.max_stanzas = 0;
  EXPECT_FALSE(plan_history(request, 20, at(100), jid("a@example.org/r")));
  EXPECT_FALSE(plan_history({}, 0, at(100), jid("a@example.org/r")));
}

TEST(HistoryMessages, MaxCharsKeepsNewestAndSkipsBrokenEntries) {
  std::vector<ArchiveEntry> entries;
  for (int i = 0; i < 3; ++i) {
    entries.push_back(ArchiveEntry{"id" + std::to_string(i), at(i), ArchiveKind::message, "n",
                                   "n@example.org",
                                   "<message type='groupchat' from='" + kRoom + "/n'><body>" +
                                       std::to_string(i) + "</body></message>"});
  }
  entries.insert(entries.begin() + 1, ArchiveEntry{"bad", at(0), ArchiveKind::message, "n",
                                                   "n@example.org", "<message"});
  std::vector<xmpp::Element> all = history_messages(entries, kRoom, std::nullopt);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].child_text("body"), "0");
  const std::size_t one = all[2].str(xmpp::ns::kClient).size();
  std::vector<xmpp::Element> some = history_messages(entries, kRoom, one * 2);
  ASSERT_EQ(some.size(), 2u);
  EXPECT_EQ(some[0].child_text("body"), "1");
  EXPECT_EQ(some[1].child_text("body"), "2");
}

TEST(Rsm, SelectPage_ForwardBackwardIndexAndLimit) {
  std::vector<std::string> keys{"a", "b", "c", "d", "e"};
  auto page = [&](RsmRequest request, std::size_t limit = 100) {
    return std::get<RsmPage>(select_page(keys, request, limit));
  };
  EXPECT_EQ(page({}).end, 5u);
  EXPECT_EQ(page({}, 2).end, 2u);
  RsmPage after = page({2, std::string("b"), std::nullopt, std::nullopt});
  EXPECT_EQ(after.begin, 2u);
  EXPECT_EQ(after.end, 4u);
  RsmPage before = page({2, std::nullopt, std::string("c"), std::nullopt});
  EXPECT_EQ(before.begin, 0u);
  EXPECT_EQ(before.end, 2u);
  RsmPage index = page({10, std::nullopt, std::nullopt, 4});
  EXPECT_EQ(index.begin, 4u);
  EXPECT_EQ(index.end, 5u);
  RsmPage count_only = page({0, std::nullopt, std::nullopt, std::nullopt});
  EXPECT_EQ(count_only.begin, count_only.end);
  xmpp::Element set = rsm_result(keys, count_only);
  EXPECT_EQ(set.child("first", ns::kRsm), nullptr);
  EXPECT_EQ(set.child_text("count", ns::kRsm), "5");
}

}  // namespace
}  // namespace stoa::muc::testing
