#include "xmpp/server/roster_codec.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "xmpp/namespaces.hpp"

namespace stoa::xmpp::server {
namespace {

const StreamLimits kLimits{};

Element xml(std::string_view text) {
  std::optional<Element> element = parse_stored_stanza(text, kLimits);
  if (!element) {
    throw std::invalid_argument("malformed XML in the test: " + std::string(text));
  }
  return std::move(*element);
}

Jid juliet() {
  return *Jid::parse("juliet@example.com");
}

std::variant<RosterSet, StanzaError> parse_items(std::string_view items) {
  return parse_roster_set(xml("<query xmlns='jabber:iq:roster'>" + std::string(items) + "</query>"),
                          juliet());
}

std::string condition_of(const std::variant<RosterSet, StanzaError>& parsed) {
  if (const auto* error = std::get_if<StanzaError>(&parsed)) {
    return std::string(to_string(error->condition));
  }
  return "ok";
}

TEST(RosterCodecTest, ParseRosterSet_ItemWithNameAndGroups_Parsed) {
  auto parsed = parse_items(
      "<item jid='Romeo@Example.net' name='Romeo'><group>Friends</group><group>Lovers</group>"
      "</item>");
  ASSERT_EQ(condition_of(parsed), "ok");
  const RosterSet& set = std::get<RosterSet>(parsed);
  EXPECT_EQ(set.contact.str(), "romeo@example.net");
  EXPECT_FALSE(set.remove);
  EXPECT_EQ(set.name, "Romeo");
  EXPECT_EQ(set.groups, (std::vector<std::string>{"Friends", "Lovers"}));
}

TEST(RosterCodecTest, ParseRosterSet_NoName_NameUnset) {
  auto parsed = parse_items("<item jid='romeo@example.net'/>");
  ASSERT_EQ(condition_of(parsed), "ok");
  EXPECT_FALSE(std::get<RosterSet>(parsed).name.has_value());
}

TEST(RosterCodecTest, ParseRosterSet_SubscriptionRemove_Removal) {
  auto parsed = parse_items("<item jid='romeo@example.net' subscription='remove'/>");
  ASSERT_EQ(condition_of(parsed), "ok");
  EXPECT_TRUE(std::get<RosterSet>(parsed).remove);
}

TEST(RosterCodecTest, ParseRosterSet_OtherSubscriptionAskApproved_Ignored) {
  // RFC 6121 §2.1.2: clients change subscriptions with presence, never with a roster set.
  auto parsed = parse_items(
      "<item jid='romeo@example.net' subscription='both' ask='subscribe' approved='true'/>");
  ASSERT_EQ(condition_of(parsed), "ok");
  EXPECT_FALSE(std::get<RosterSet>(parsed).remove);
}

TEST(RosterCodecTest, ParseRosterSet_TwoItems_BadRequest) {
  EXPECT_EQ(condition_of(parse_items("<item jid='a@example.net'/><item jid='b@example.net'/>")),
            "bad-request");
}

TEST(RosterCodecTest, ParseRosterSet_NoItem_BadRequest) {
  EXPECT_EQ(condition_of(parse_items("")), "bad-request");
}

TEST(RosterCodecTest, ParseRosterSet_ItemWithoutJid_BadRequest) {
  EXPECT_EQ(condition_of(parse_items("<item name='x'/>")), "bad-request");
}

TEST(RosterCodecTest, ParseRosterSet_InvalidJid_JidMalformed) {
  EXPECT_EQ(condition_of(parse_items("<item jid='a@b@c'/>")), "jid-malformed");
}

TEST(RosterCodecTest, ParseRosterSet_FullJid_BadRequest) {
  EXPECT_EQ(condition_of(parse_items("<item jid='romeo@example.net/orchard'/>")), "bad-request");
}

TEST(RosterCodecTest, ParseRosterSet_OwnJid_NotAllowed) {
  EXPECT_EQ(condition_of(parse_items("<item jid='JULIET@example.com'/>")), "not-allowed");
}

TEST(RosterCodecTest, ParseRosterSet_DuplicateGroups_BadRequest) {
  EXPECT_EQ(condition_of(parse_items(
                "<item jid='romeo@example.net'><group>A</group><group>A</group></item>")),
            "bad-request");
}

TEST(RosterCodecTest, ParseRosterSet_EmptyGroup_NotAcceptable) {
  EXPECT_EQ(condition_of(parse_items("<item jid='romeo@example.net'><group/></item>")),
            "not-acceptable");
}

TEST(RosterCodecTest, ParseRosterSet_OversizedName_NotAcceptable) {
  const std::string name(kMaxRosterNameBytes + 1, 'n');
  EXPECT_EQ(condition_of(parse_items("<item jid='romeo@example.net' name='" + name + "'/>")),
            "not-acceptable");
  const std::string longest(kMaxRosterNameBytes, 'n');
  EXPECT_EQ(condition_of(parse_items("<item jid='romeo@example.net' name='" + longest + "'/>")),
            "ok");
}

TEST(RosterCodecTest, ParseRosterSet_OversizedGroup_NotAcceptable) {
  const std::string group(kMaxRosterGroupBytes + 1, 'g');
  EXPECT_EQ(condition_of(
                parse_items("<item jid='romeo@example.net'><group>" + group + "</group></item>")),
            "not-acceptable");
}

TEST(RosterCodecTest, ParseRosterSet_TooManyGroups_NotAcceptable) {
  std::string groups;
  for (std::size_t i = 0; i <= kMaxRosterGroupsPerItem; ++i) {
    groups += "<group>g" + std::to_string(i) + "</group>";
  }
  EXPECT_EQ(condition_of(parse_items("<item jid='romeo@example.net'>" + groups + "</item>")),
            "not-acceptable");
}

TEST(RosterCodecTest, RosterItemElement_AllAttributes_Written) {
  store::RosterItem item;
  item.contact = "romeo@example.net";
  item.name = "Romeo";
  item.subscription = store::Subscription::to;
  item.ask = false;
  item.approved = true;
  item.groups = {"Friends"};
  const Element element = roster_item_element(item);
  EXPECT_TRUE(element.is("item", ns::kRoster));
  EXPECT_EQ(element.attr_or("jid"), "romeo@example.net");
  EXPECT_EQ(element.attr_or("name"), "Romeo");
  EXPECT_EQ(element.attr_or("subscription"), "to");
  EXPECT_EQ(element.attr("ask"), nullptr);
  EXPECT_EQ(element.attr_or("approved"), "true");
  EXPECT_EQ(element.child_text("group", ns::kRoster), "Friends");
}

TEST(RosterCodecTest, RosterItemElement_PendingOut_AskSubscribe) {
  store::RosterItem item;
  item.contact = "romeo@example.net";
  item.ask = true;
  const Element element = roster_item_element(item);
  EXPECT_EQ(element.attr_or("ask"), "subscribe");
  EXPECT_EQ(element.attr_or("subscription"), "none");
  EXPECT_EQ(element.attr("name"), nullptr);
  EXPECT_EQ(element.attr("approved"), nullptr);
}

TEST(RosterCodecTest, RosterPush_CarriesVersionAndItem) {
  const Element push = roster_push(roster_removal_element("romeo@example.net"),
                                   *Jid::parse("juliet@example.com/balcony"), 42, "push-1");
  EXPECT_EQ(push.attr_or("type"), "set");
  EXPECT_EQ(push.attr_or("id"), "push-1");
  EXPECT_EQ(push.attr_or("to"), "juliet@example.com/balcony");
  const Element* query = push.child("query", ns::kRoster);
  ASSERT_NE(query, nullptr);
  EXPECT_EQ(query->attr_or("ver"), "42");
  const Element* item = query->child("item", ns::kRoster);
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(item->attr_or("subscription"), "remove");
}

TEST(RosterCodecTest, ParseRosterVersion_Decimal_Parsed) {
  EXPECT_EQ(parse_roster_version("0"), 0);
  EXPECT_EQ(parse_roster_version("12345"), 12345);
}

TEST(RosterCodecTest, ParseRosterVersion_Foreign_Nullopt) {
  for (const char* ver : {"", "-1", "+1", "1.5", "abc", " 1", "ver7", "9999999999999999999"}) {
    EXPECT_FALSE(parse_roster_version(ver).has_value()) << ver;
  }
}

TEST(RosterCodecTest, ParseStoredStanza_RoundTrip_SameStanza) {
  Element presence("presence", std::string(ns::kClient));
  presence.set_attr("type", "subscribe");
  presence.set_attr("from", "romeo@example.net");
  presence.add_child("status", std::string(ns::kClient)).set_text("let me <in> & see");
  presence.add_child("nick", "http://jabber.org/protocol/nick").set_text("Romeo");
  const std::string stored = presence.str(ns::kClient);
  std::optional<Element> parsed = parse_stored_stanza(stored, kLimits);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->str(ns::kClient), stored);
}

TEST(RosterCodecTest, ParseStoredStanza_Garbage_Nullopt) {
  EXPECT_FALSE(parse_stored_stanza("<presence", kLimits).has_value());
  EXPECT_FALSE(parse_stored_stanza("not xml", kLimits).has_value());
}

}  // namespace
}  // namespace stoa::xmpp::server
