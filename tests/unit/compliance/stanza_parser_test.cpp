#include "compliance/stanza_parser.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace stoa::compliance {
namespace {

class StanzaParser : public testing::Test {
 protected:
  StanzaParser() {
    xmpp_initialize();
    ctx_ = xmpp_ctx_new(nullptr, nullptr);
  }
  ~StanzaParser() override {
    for (auto* stanza : stanzas_) {
      xmpp_stanza_release(stanza);
    }
    xmpp_ctx_free(ctx_);
  }

  xmpp_stanza_t* stanza(const std::string& xml) {
    xmpp_stanza_t* parsed = xmpp_stanza_new_from_string(ctx_, xml.c_str());
    EXPECT_NE(parsed, nullptr) << xml;
    stanzas_.push_back(parsed);
    return parsed;
  }

  xmpp_ctx_t* ctx_ = nullptr;
  std::vector<xmpp_stanza_t*> stanzas_;
};

TEST_F(StanzaParser, EventsMessage_GivesEveryEventWithItsAttributesAndPayload) {
  auto parsed = parse_events(stanza(
      "<message from='example.org' to='compliance.example.org' id='c1042'>"
      "<events xmlns='urn:stoa:compliance:0'>"
      "<event seq='1042' kind='message' room='lobby@conference.example.org'"
      " at='2026-11-26T16:58:01.123456Z' actor='alice@example.org' nick='Alice'"
      " stanza-id='01JD'>&lt;message type='groupchat'&gt;&lt;body&gt;a &amp;amp; b&lt;/body&gt;"
      "&lt;/message&gt;</event>"
      "<event seq='1043' kind='kick' room='lobby@conference.example.org'"
      " at='2026-11-26T16:58:02Z' actor='alice@example.org' nick='Alice'"
      " target='bob@example.org' target-nick='Bob'/>"
      "</events></message>"));

  EXPECT_TRUE(parsed.problems.empty());
  ASSERT_EQ(parsed.events.size(), 2u);
  const Event& message = parsed.events[0];
  EXPECT_EQ(message.seq, 1042);
  EXPECT_EQ(message.kind, "message");
  EXPECT_EQ(message.room, "lobby@conference.example.org");
  EXPECT_EQ(muc::format_timestamp(message.at), "2026-11-26T16:58:01.123456Z");
  EXPECT_EQ(message.actor, "alice@example.org");
  EXPECT_EQ(message.nick, "Alice");
  EXPECT_EQ(message.stanza_id, "01JD");
  EXPECT_EQ(message.payload, "<message type='groupchat'><body>a &amp; b</body></message>");
  const Event& kick = parsed.events[1];
  EXPECT_EQ(kick.seq, 1043);
  EXPECT_EQ(kick.target, "bob@example.org");
  EXPECT_EQ(kick.target_nick, "Bob");
  EXPECT_EQ(kick.payload, "");
}

TEST_F(StanzaParser, MalformedEvents_AreRefusedWithAReason) {
  auto parsed = parse_events(
      stanza("<message><events xmlns='urn:stoa:compliance:0'>"
             "<event seq='x1' kind='join' room='r@c' at='2026-11-26T16:58:02Z'/>"
             "<event seq='0' kind='join' room='r@c' at='2026-11-26T16:58:02Z'/>"
             "<event seq='99999999999999999999' kind='join' room='r@c' at='2026-11-26T16:58:02Z'/>"
             "<event seq='5' room='r@c' at='2026-11-26T16:58:02Z'/>"
             "<event seq='6' kind='join' at='2026-11-26T16:58:02Z'/>"
             "<event seq='7' kind='join' room='r@c' at='yesterday'/>"
             "<event seq='8' kind='join' room='r@c' at='2026-11-26T16:58:02Z'/>"
             "</events></message>"));

  ASSERT_EQ(parsed.events.size(), 1u);
  EXPECT_EQ(parsed.events[0].seq, 8);
  EXPECT_EQ(parsed.problems,
            (std::vector<std::string>{
                "event with seq 'x1': seq must be a positive integer",
                "event with seq '0': seq must be a positive integer",
                "event with seq '99999999999999999999': seq must be a positive integer",
                "event 5: no kind", "event 6: no room",
                "event 7: at 'yesterday' is not an XEP-0082 DateTime"}));
}

TEST_F(StanzaParser, MessageWithoutEvents_GivesNothing) {
  auto parsed =
      parse_events(stanza("<message><events xmlns='urn:other'><event seq='1'/></events>"
                          "<body>hi</body></message>"));
  EXPECT_TRUE(parsed.events.empty());
  EXPECT_TRUE(parsed.problems.empty());
}

TEST_F(StanzaParser, Subscribed_ReadsPositions) {
  auto full = parse_subscribed(
      stanza("<iq type='result' id='s1'><subscribed xmlns='urn:stoa:compliance:0' acked='1041'"
             " oldest='1042' last='1250'/></iq>"));
  ASSERT_TRUE(full);
  EXPECT_EQ(full->acked, 1041);
  EXPECT_EQ(full->oldest, 1042);
  EXPECT_EQ(full->last, 1250);

  auto empty = parse_subscribed(stanza(
      "<iq type='result' id='s1'><subscribed xmlns='urn:stoa:compliance:0' acked='0'/></iq>"));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->acked, 0);
  EXPECT_FALSE(empty->oldest);
  EXPECT_FALSE(empty->last);

  EXPECT_FALSE(parse_subscribed(stanza("<iq type='result' id='s1'/>")));
  EXPECT_FALSE(parse_subscribed(
      stanza("<iq type='result'><subscribed xmlns='urn:stoa:compliance:0' acked='-1'/></iq>")));
}

TEST_F(StanzaParser, IqError_NamesConditionAndText) {
  EXPECT_EQ(describe_iq_error(stanza(
                "<iq type='error'><error type='cancel'>"
                "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>first available: 77</text>"
                "</error></iq>")),
            "item-not-found: first available: 77");
  EXPECT_EQ(describe_iq_error(stanza("<iq type='error'><error type='auth'>"
                                     "<forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                                     "</error></iq>")),
            "forbidden");
}

}  // namespace
}  // namespace stoa::compliance
