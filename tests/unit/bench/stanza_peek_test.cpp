#include "bench/stanza_peek.hpp"

#include <gtest/gtest.h>

#include <string>

namespace stoa::bench::stanza_peek {
namespace {

const std::string kDelivery =
    "<message to='bench1@example.com/bench' from='room1@conference.example.com/bench2' "
    "type='groupchat' id='p7'><body>stoa-bench 1234 xx</body><stanza-id xmlns='urn:xmpp:sid:0' "
    "id='s' by='room1@conference.example.com'/></message>";

std::optional<GroupchatContent> content_of(const std::string& stanza) {
  const std::optional<Head> head = read_head(stanza);
  if (!head) {
    return std::nullopt;
  }
  return read_groupchat_content(stanza, *head);
}

TEST(StanzaPeek, GroupchatDelivery_GivesNameTypeFromAndBody) {
  const std::optional<Head> head = read_head(kDelivery);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->name, "message");
  EXPECT_EQ(head->type, "groupchat");
  EXPECT_EQ(head->from, "room1@conference.example.com/bench2");
  const std::optional<GroupchatContent> content = read_groupchat_content(kDelivery, *head);
  ASSERT_TRUE(content);
  EXPECT_FALSE(content->delayed);
  EXPECT_EQ(content->body, "stoa-bench 1234 xx");
}

TEST(StanzaPeek, DoubleQuotesAndSpacesAroundEquals_AreRead) {
  const std::optional<Head> head = read_head("<presence from = \"r@c/n\" type=\"unavailable\"/>");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->from, "r@c/n");
  EXPECT_EQ(head->type, "unavailable");
  EXPECT_TRUE(head->empty);
}

TEST(StanzaPeek, QuotedGreaterThanAndSlash_DoNotEndTheTag) {
  const std::string stanza =
      "<message id='a/>b' type='groupchat' from='r@c/n'><body>stoa-bench 1</body></message>";
  const std::optional<Head> head = read_head(stanza);
  ASSERT_TRUE(head);
  EXPECT_FALSE(head->empty);
  EXPECT_EQ(head->from, "r@c/n");
  EXPECT_EQ(read_groupchat_content(stanza, *head)->body, "stoa-bench 1");
}

TEST(StanzaPeek, MissingTypeAndFrom_AreEmpty) {
  const std::optional<Head> head = read_head("<message><body>x</body></message>");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->type, "");
  EXPECT_EQ(head->from, "");
}

TEST(StanzaPeek, ReferenceInFrom_IsLeftToTheParser) {
  EXPECT_FALSE(read_head("<presence from='r@c/a&apos;b'/>"));
}

TEST(StanzaPeek, PrefixedOrForeignStanza_IsLeftToTheParser) {
  EXPECT_FALSE(read_head("<stream:error><conflict/></stream:error>"));
  EXPECT_FALSE(read_head("<message xmlns='jabber:server'/>"));
  EXPECT_TRUE(read_head("<message xmlns='jabber:client'/>"));
}

TEST(StanzaPeek, BodyWithReferenceCDataOrChild_IsLeftToTheParser) {
  EXPECT_FALSE(content_of("<message type='groupchat'><body>a &amp; b</body></message>"));
  EXPECT_FALSE(content_of("<message type='groupchat'><body><![CDATA[x]]></body></message>"));
  EXPECT_FALSE(content_of("<message type='groupchat'><body>a<b/>c</body></message>"));
}

TEST(StanzaPeek, PrefixedChild_IsLeftToTheParser) {
  EXPECT_FALSE(content_of(
      "<message type='groupchat'><d:delay xmlns:d='urn:xmpp:delay'/><body>x</body></message>"));
}

TEST(StanzaPeek, DelayChild_MarksHistory) {
  const std::optional<GroupchatContent> content = content_of(
      "<message type='groupchat'><body>x</body><delay xmlns='urn:xmpp:delay' "
      "stamp='2026-01-01T00:00:00Z'/></message>");
  ASSERT_TRUE(content);
  EXPECT_TRUE(content->delayed);
}

TEST(StanzaPeek, DelayInAnotherNamespace_IsNotHistory) {
  EXPECT_FALSE(content_of("<message type='groupchat'><delay/><body>x</body></message>")->delayed);
}

TEST(StanzaPeek, BodyInAnotherNamespace_IsNotTheBody) {
  EXPECT_EQ(content_of("<message type='groupchat'><body xmlns='urn:example'>no</body>"
                       "<body>yes</body></message>")
                ->body,
            "yes");
}

TEST(StanzaPeek, NestedBody_IsNotTheMessageBody) {
  EXPECT_FALSE(content_of("<message type='groupchat'><x xmlns='urn:example'><body>deep</body>"
                          "</x></message>")
                   ->body);
}

TEST(StanzaPeek, EmptyOrMissingBody) {
  EXPECT_EQ(content_of("<message type='groupchat'><body/></message>")->body, "");
  EXPECT_FALSE(content_of("<message type='groupchat'><subject>s</subject></message>")->body);
  EXPECT_FALSE(content_of("<message type='groupchat'/>")->body);
}

TEST(StanzaPeek, CommentInsideMessage_IsSkipped) {
  EXPECT_EQ(content_of("<message type='groupchat'><!-- <body>no</body> --><body>yes</body>"
                       "</message>")
                ->body,
            "yes");
}

}  // namespace
}  // namespace stoa::bench::stanza_peek
