// Whatever the peek readers answer must be what the full parser reads from the same stanza.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bench/stanza_peek.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace stoa::bench::stanza_peek {
namespace {

const std::string kHeader =
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

xmpp::Element parse(const std::string& stanza) {
  xmpp::XmlStreamParser parser(xmpp::StreamLimits{});
  EXPECT_FALSE(parser.feed(kHeader + stanza));
  parser.next();  // the stream's opening
  std::optional<xmpp::StreamEvent> event = parser.next();
  EXPECT_TRUE(event && std::holds_alternative<xmpp::StreamElement>(*event)) << stanza;
  return std::move(std::get<xmpp::StreamElement>(*event).element);
}

const std::vector<std::string> kStanzas = {
    "<message from='r@c/n' type='groupchat'><body>stoa-bench 1 x</body></message>",
    "<message type=\"groupchat\" from = \"r@c/n\"><body>b</body><delay xmlns='urn:xmpp:delay'/>"
    "</message>",
    "<message type='groupchat'><delay/><body xmlns='urn:other'>o</body><body>b</body></message>",
    "<message type='groupchat'><x xmlns='urn:x'><body>deep</body></x></message>",
    "<message type='groupchat' id='a>/b'><body/></message>",
    "<message type='groupchat'>text<body>b</body>tail<![CDATA[c]]></message>",
    "<message type='chat' from='u@d/r'><body>hi</body></message>",
    "<message><result xmlns='urn:xmpp:mam:2'><forwarded xmlns='urn:xmpp:forward:0'>"
    "<message type='groupchat'><body>archived</body></message></forwarded></result></message>",
    "<presence from='r@c/bench1'><x xmlns='http://jabber.org/protocol/muc#user'>"
    "<status code='110'/></x></presence>",
    "<presence type='unavailable' from='r@c/bench2'/>",
    "<iq type='result' id='m1'/>",
};

TEST(StanzaPeekAgreement, WhatThePeekReadsIsWhatTheParserReads) {
  for (const std::string& stanza : kStanzas) {
    const xmpp::Element element = parse(stanza);
    const std::optional<Head> head = read_head(stanza);
    ASSERT_TRUE(head) << stanza;
    EXPECT_EQ(head->name, element.name()) << stanza;
    EXPECT_EQ(head->type, element.attr_or("type")) << stanza;
    EXPECT_EQ(head->from, element.attr_or("from")) << stanza;
    if (head->name != "message") {
      continue;
    }
    const std::optional<GroupchatContent> content = read_groupchat_content(stanza, *head);
    ASSERT_TRUE(content) << stanza;
    EXPECT_EQ(content->delayed, element.child("delay", xmpp::ns::kDelay) != nullptr) << stanza;
    const xmpp::Element* body = element.child("body", xmpp::ns::kClient);
    ASSERT_EQ(content->body.has_value(), body != nullptr) << stanza;
    if (body != nullptr) {
      EXPECT_EQ(*content->body, body->text()) << stanza;
    }
  }
}

}  // namespace
}  // namespace stoa::bench::stanza_peek
