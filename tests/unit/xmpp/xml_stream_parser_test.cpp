#include "xmpp/xml_stream_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "xmpp/namespaces.hpp"

namespace stoa::xmpp {
namespace {

const std::string kHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0' "
    "xml:lang='en'>";
const std::string kClose = "</stream:stream>";

std::vector<StreamEvent> drain(XmlStreamParser& parser) {
  std::vector<StreamEvent> events;
  while (auto event = parser.next()) {
    events.push_back(std::move(*event));
  }
  return events;
}

/// One line per event, elements serialized against the stream's content namespace.
std::string describe(const std::vector<StreamEvent>& events) {
  std::string out;
  std::string content_xmlns;
  for (const StreamEvent& event : events) {
    if (const auto* open = std::get_if<StreamOpen>(&event)) {
      content_xmlns = open->content_xmlns;
      out += "open[" + open->content_xmlns + "]" + open->header.str() + "\n";
    } else if (const auto* element = std::get_if<StreamElement>(&event)) {
      out += "element " + element->element.str(content_xmlns) + "\n";
    } else {
      out += "close\n";
    }
  }
  return out;
}

/// Feeds `chunks` in order; the first error, if any.
std::optional<StreamCondition> feed_all(XmlStreamParser& parser,
                                        const std::vector<std::string>& chunks) {
  for (const std::string& chunk : chunks) {
    if (auto error = parser.feed(chunk)) {
      return error;
    }
  }
  return std::nullopt;
}

/// Parses `document` fed in one piece; the error (if any) and the events.
std::pair<std::optional<StreamCondition>, std::string> parse(const std::string& document,
                                                             StreamLimits limits = {}) {
  XmlStreamParser parser(limits);
  auto error = parser.feed(document);
  return {error, describe(drain(parser))};
}

/// The single stanza of kHeader + `stanza`, serialized; empty when there is not exactly one.
std::string round_trip(const std::string& stanza) {
  XmlStreamParser parser(StreamLimits{});
  if (parser.feed(kHeader + stanza)) {
    return {};
  }
  auto events = drain(parser);
  if (events.size() != 2) {
    return {};
  }
  return std::get<StreamElement>(events[1]).element.str("jabber:client");
}

// ---- Stream structure ---------------------------------------------------------------------

TEST(StreamParserOpen, HeaderAndContentNamespace) {
  XmlStreamParser parser(StreamLimits{});
  ASSERT_FALSE(parser.feed(kHeader));
  auto event = parser.next();
  ASSERT_TRUE(event);
  const auto* open = std::get_if<StreamOpen>(&*event);
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->content_xmlns, "jabber:client");
  EXPECT_TRUE(open->header.is("stream", ns::kStreams));
  EXPECT_EQ(open->header.attr_or("to"), "example.com");
  EXPECT_EQ(open->header.attr_or("version"), "1.0");
  EXPECT_EQ(open->header.attr_or("xml:lang"), "en");
  EXPECT_FALSE(parser.next());
}

TEST(StreamParserOpen, ComponentNamespace) {
  auto [error, events] = parse(
      "<stream:stream xmlns='jabber:component:accept' "
      "xmlns:stream='http://etherx.jabber.org/streams' to='compliance.example.com'>");
  EXPECT_FALSE(error);
  EXPECT_TRUE(events.starts_with("open[jabber:component:accept]"));
}

TEST(StreamParserOpen, NoDefaultNamespace_EmptyContentNamespace) {
  auto [error, events] = parse("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>");
  EXPECT_FALSE(error);
  EXPECT_TRUE(events.starts_with("open[]"));
}

TEST(StreamParserOpen, DefaultStreamsNamespaceWithoutPrefix_Accepted) {
  auto [error, events] = parse("<stream xmlns='http://etherx.jabber.org/streams'>");
  EXPECT_FALSE(error);
  EXPECT_TRUE(events.starts_with("open["));
}

TEST(StreamParserOpen, WrongRootNamespace_InvalidNamespace) {
  for (const std::string document :
       {"<stream:stream xmlns:stream='urn:wrong' xmlns='jabber:client'>",
        "<stream xmlns='jabber:client'>",
        "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>", "<message/>"}) {
    auto [error, events] = parse(document);
    EXPECT_EQ(error, StreamCondition::invalid_namespace) << document;
    EXPECT_EQ(events, "") << document;
  }
}

TEST(StreamParserStanzas, ElementsInOrderWithNamespace) {
  XmlStreamParser parser(StreamLimits{});
  ASSERT_FALSE(parser.feed(kHeader +
                           "<message to='a@example.com' type='chat' id='m1'><body>hi</body>"
                           "</message> \n<presence/><iq type='get' id='i1'><ping "
                           "xmlns='urn:xmpp:ping'/></iq>"));
  auto events = drain(parser);
  ASSERT_EQ(events.size(), 4u);
  const Element& message = std::get<StreamElement>(events[1]).element;
  EXPECT_TRUE(message.is("message", "jabber:client"));
  EXPECT_EQ(message.attr_or("to"), "a@example.com");
  EXPECT_EQ(message.attr_or("type"), "chat");
  EXPECT_EQ(message.child_text("body", "jabber:client"), "hi");
  EXPECT_TRUE(std::get<StreamElement>(events[2]).element.is("presence", "jabber:client"));
  const Element& iq = std::get<StreamElement>(events[3]).element;
  EXPECT_NE(iq.child("ping", "urn:xmpp:ping"), nullptr);
}

TEST(StreamParserStanzas, WhitespaceBetweenStanzas_NoEvents) {
  XmlStreamParser parser(StreamLimits{});
  ASSERT_FALSE(parser.feed(kHeader));
  drain(parser);
  for (int i = 0; i < 100; ++i) {
    ASSERT_FALSE(parser.feed(" "));
  }
  ASSERT_FALSE(parser.feed("\r\n\t"));
  EXPECT_FALSE(parser.next());
}

TEST(StreamParserStanzas, StanzaAvailableAsSoonAsItsLastByteArrives) {
  XmlStreamParser parser(StreamLimits{});
  ASSERT_FALSE(parser.feed(kHeader));
  drain(parser);
  const std::string stanza = "<message><body>x</body></message>";
  ASSERT_FALSE(parser.feed(stanza.substr(0, stanza.size() - 1)));
  EXPECT_FALSE(parser.next());
  ASSERT_FALSE(parser.feed(stanza.substr(stanza.size() - 1)));
  EXPECT_TRUE(parser.next());
}

TEST(StreamParserNamespaces, NestedNamespacesRoundTrip) {
  EXPECT_EQ(round_trip("<iq type='result' id='1'><query "
                       "xmlns='http://jabber.org/protocol/disco#info'><identity "
                       "category='conference' type='text'/><feature "
                       "var='http://jabber.org/protocol/muc'/></query></iq>"),
            "<iq type='result' id='1'><query xmlns='http://jabber.org/protocol/disco#info'>"
            "<identity category='conference' type='text'/>"
            "<feature var='http://jabber.org/protocol/muc'/></query></iq>");
}

TEST(StreamParserNamespaces, PrefixedElementsBecomeDefaultNamespaces) {
  const std::string serialized = round_trip(
      "<message><x:event xmlns:x='urn:x'><x:item/><body>in client ns</body></x:event></message>");
  EXPECT_EQ(serialized,
            "<message><event xmlns='urn:x'><item/><body xmlns='jabber:client'>in client "
            "ns</body></event></message>");
  // Serializing what was parsed from the serialization changes nothing.
  EXPECT_EQ(round_trip(serialized), serialized);
}

TEST(StreamParserNamespaces, StreamPrefixInsideStanzas) {
  XmlStreamParser parser(StreamLimits{});
  ASSERT_FALSE(parser.feed(kHeader + "<stream:error><not-well-formed "
                                     "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                                     "</stream:error>"));
  auto events = drain(parser);
  ASSERT_EQ(events.size(), 2u);
  const Element& error = std::get<StreamElement>(events[1]).element;
  EXPECT_TRUE(error.is("error", ns::kStreams));
  EXPECT_NE(error.child("not-well-formed", ns::kStreamErrors), nullptr);
}

TEST(StreamParserEscaping, EntitiesDecodedAndReescaped) {
  XmlStreamParser parser(StreamLimits{});
  ASSERT_FALSE(parser.feed(kHeader +
                           "<message id='a&amp;b&lt;&quot;&apos;&gt;'><body>1 &lt; 2 &amp;&amp; "
                           "&#x263A;&#65;<![CDATA[<raw & cdata>]]></body></message>"));
  auto events = drain(parser);
  ASSERT_EQ(events.size(), 2u);
  const Element& message = std::get<StreamElement>(events[1]).element;
  EXPECT_EQ(message.attr_or("id"), "a&b<\"'>");
  EXPECT_EQ(message.child_text("body"),
            "1 < 2 && \xE2\x98\xBA"
            "A<raw & cdata>");
  const std::string serialized = message.str("jabber:client");
  EXPECT_EQ(serialized,
            "<message id='a&amp;b&lt;&quot;&apos;&gt;'><body>1 &lt; 2 &amp;&amp; \xE2\x98\xBA"
            "A&lt;raw &amp; cdata&gt;</body></message>");
  EXPECT_EQ(round_trip(serialized), serialized);
}

TEST(StreamParserEscaping, WhitespaceReferencesInAttributesSurviveRoundTrip) {
  XmlStreamParser parser(StreamLimits{});
  ASSERT_FALSE(parser.feed(kHeader + "<message id='a&#10;b&#9;c&#13;d' x='lit\teral'>"
                                     "<body>l1&#13;\nl2</body></message>"));
  auto events = drain(parser);
  ASSERT_EQ(events.size(), 2u);
  const Element& message = std::get<StreamElement>(events[1]).element;
  EXPECT_EQ(message.attr_or("id"), "a\nb\tc\rd");
  EXPECT_EQ(message.attr_or("x"), "lit eral");  // a literal tab is normalized by XML itself
  EXPECT_EQ(message.child_text("body"), "l1\r\nl2");
  const std::string serialized = message.str("jabber:client");
  EXPECT_EQ(round_trip(serialized), serialized);
}

TEST(StreamParserAttributes, XmlLangKeptWithPrefix) {
  XmlStreamParser parser(StreamLimits{});
  ASSERT_FALSE(parser.feed(kHeader + "<message xml:lang='fr'><body xml:lang='de'>Hallo</body>"
                                     "</message>"));
  auto events = drain(parser);
  ASSERT_EQ(events.size(), 2u);
  const Element& message = std::get<StreamElement>(events[1]).element;
  EXPECT_EQ(message.attr_or("xml:lang"), "fr");
  EXPECT_EQ(message.child("body")->attr_or("xml:lang"), "de");
  EXPECT_EQ(message.str("jabber:client"),
            "<message xml:lang='fr'><body xml:lang='de'>Hallo</body></message>");
}

TEST(StreamParserAttributes, OtherNamespacedAttributesDropped) {
  EXPECT_EQ(round_trip("<message xmlns:f='urn:f' f:secret='x' to='a@b'/>"), "<message to='a@b'/>");
}

TEST(StreamParserClose, CloseReportedWithoutError) {
  XmlStreamParser parser(StreamLimits{});
  ASSERT_FALSE(parser.feed(kHeader + "<presence/>"));
  EXPECT_FALSE(parser.feed(kClose));
  auto events = drain(parser);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<StreamClose>(events[2]));
}

TEST(StreamParserClose, InputAfterCloseIgnored) {
  XmlStreamParser parser(StreamLimits{});
  EXPECT_FALSE(parser.feed(kHeader + kClose + "<message/>garbage<"));
  EXPECT_FALSE(parser.feed("<presence/>"));
  auto events = drain(parser);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<StreamClose>(events[1]));
}

// ---- Restricted and broken XML ------------------------------------------------------------

TEST(StreamParserRestricted, CommentsPisDtdsEntitiesRefused) {
  const std::string documents[] = {
      kHeader + "<!-- comment -->",
      kHeader + "<message><!-- comment --></message>",
      "<!-- before the stream -->" + kHeader,
      kHeader + "<?php echo 1; ?>",
      kHeader + "<message><?pi data?></message>",
      "<?xml version='1.0'?><!DOCTYPE stream:stream>" + kHeader,
      "<!DOCTYPE x [<!ENTITY a 'b'>]>" + kHeader,
      "<!DOCTYPE x [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;'>]>" + kHeader + "&lol2;",
  };
  for (const std::string& document : documents) {
    EXPECT_EQ(parse(document).first, StreamCondition::restricted_xml) << document;
  }
}

TEST(StreamParserMalformed, NotWellFormed) {
  const std::string documents[] = {
      kHeader + "<message><body>&undefined;</body></message>",
      kHeader + "<message></presence>",
      kHeader + "<message a='1' a='2'/>",
      kHeader + "<message><body>\xFF</body></message>",
      kHeader + "<message><body>\xC3</body></message>",
      kHeader + "<message>&#0;</message>",
      kHeader + "<undeclared:message/>",
      kHeader + "<message attr=noquotes/>",
      kHeader + "</stream:wrong>",
      "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>\x01",
  };
  for (const std::string& document : documents) {
    EXPECT_EQ(parse(document).first, StreamCondition::not_well_formed) << document;
  }
}

TEST(StreamParserMalformed, ElementInXmlNamespace_BadFormat) {
  // Serialized with a default namespace, it would break every stream it was relayed to.
  EXPECT_EQ(parse(kHeader + "<message><xml:x/></message>").first, StreamCondition::bad_format);
  EXPECT_EQ(parse(kHeader + "<xml:message/>").first, StreamCondition::bad_format);
}

TEST(StreamParserMalformed, ErrorIsSticky) {
  XmlStreamParser parser(StreamLimits{});
  ASSERT_EQ(parser.feed(kHeader + "<message>&nope;"), StreamCondition::not_well_formed);
  EXPECT_EQ(parser.feed("<presence/>"), StreamCondition::not_well_formed);
  EXPECT_EQ(parser.feed(""), StreamCondition::not_well_formed);
}

TEST(StreamParserMalformed, StanzasBeforeTheErrorStillReported) {
  auto [error, events] = parse(kHeader + "<presence/><message>&nope;</message>");
  EXPECT_EQ(error, StreamCondition::not_well_formed);
  EXPECT_NE(events.find("element <presence/>"), std::string::npos);
}

// ---- Limits -------------------------------------------------------------------------------

class StanzaSizeLimit : public ::testing::TestWithParam<std::string> {};

TEST_P(StanzaSizeLimit, ExactlyAtLimit_AcceptedAtEverySplit) {
  const std::string& stanza = GetParam();
  for (std::size_t split = 0; split <= stanza.size(); ++split) {
    XmlStreamParser parser(StreamLimits{.max_stanza_bytes = stanza.size()});
    ASSERT_FALSE(parser.feed(kHeader)) << split;
    ASSERT_FALSE(feed_all(parser, {stanza.substr(0, split), stanza.substr(split), "<presence/>"}))
        << split;
    EXPECT_EQ(drain(parser).size(), 3u) << split;
  }
}

TEST_P(StanzaSizeLimit, OneByteOver_PolicyViolationAtEverySplit) {
  const std::string& stanza = GetParam();
  for (std::size_t split = 0; split <= stanza.size(); ++split) {
    XmlStreamParser parser(StreamLimits{.max_stanza_bytes = stanza.size() - 1});
    ASSERT_FALSE(parser.feed(kHeader)) << split;
    EXPECT_EQ(feed_all(parser, {stanza.substr(0, split), stanza.substr(split), "<presence/>"}),
              StreamCondition::policy_violation)
        << split;
    auto events = drain(parser);
    EXPECT_EQ(events.size(), 1u) << split;  // the stream open only
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, StanzaSizeLimit,
    ::testing::Values("<message to='a@example.com'><body>hello &amp; bye</body></message>",
                      "<presence/>", "<presence type='unavailable' id='long-attribute-value'/>",
                      "<iq><query xmlns='urn:q'><item/><item/></query></iq>",
                      "<message><body>\xC3\xA9\xE2\x98\xBA</body></message>"));

TEST(StreamParserLimits, HugeTextNodeInOneChunk_PolicyViolation) {
  XmlStreamParser parser(StreamLimits{.max_stanza_bytes = 1024});
  ASSERT_FALSE(parser.feed(kHeader));
  EXPECT_EQ(parser.feed("<message><body>" + std::string(1 << 20, 'x') + "</body></message>"),
            StreamCondition::policy_violation);
  EXPECT_EQ(drain(parser).size(), 1u);
}

TEST(StreamParserLimits, HugeTextNodeInSmallChunks_StoppedSoonAfterLimit) {
  XmlStreamParser parser(StreamLimits{.max_stanza_bytes = 1024});
  ASSERT_FALSE(parser.feed(kHeader + "<message><body>"));
  std::size_t fed = 0;
  std::optional<StreamCondition> error;
  while (!error && fed < (1u << 20)) {
    error = parser.feed(std::string(100, 'x'));
    fed += 100;
  }
  EXPECT_EQ(error, StreamCondition::policy_violation);
  EXPECT_LE(fed, 1024u + 100u);
}

TEST(StreamParserLimits, StartTagThatNeverEnds_PolicyViolation) {
  XmlStreamParser parser(StreamLimits{.max_stanza_bytes = 1024});
  ASSERT_FALSE(parser.feed(kHeader + "<message to='"));
  std::size_t fed = 0;
  std::optional<StreamCondition> error;
  while (!error && fed < (1u << 20)) {
    error = parser.feed(std::string(100, 'a'));
    fed += 100;
  }
  EXPECT_EQ(error, StreamCondition::policy_violation);
  EXPECT_LE(fed, 1024u + 100u);
}

TEST(StreamParserLimits, StreamHeaderThatNeverEnds_PolicyViolation) {
  XmlStreamParser parser(StreamLimits{.max_stanza_bytes = 1024});
  ASSERT_FALSE(parser.feed("<stream:stream xmlns:stream='http://etherx.jabber.org/streams' a='"));
  std::size_t fed = 0;
  std::optional<StreamCondition> error;
  while (!error && fed < (1u << 20)) {
    error = parser.feed(std::string(100, 'a'));
    fed += 100;
  }
  EXPECT_EQ(error, StreamCondition::policy_violation);
}

TEST(StreamParserLimits, ManySmallStanzas_NoLimitAcrossStanzas) {
  XmlStreamParser parser(StreamLimits{.max_stanza_bytes = 64});
  ASSERT_FALSE(parser.feed(kHeader));
  for (int i = 0; i < 1000; ++i) {
    ASSERT_FALSE(parser.feed("<message><body>0123456789</body></message> ")) << i;
  }
  EXPECT_EQ(drain(parser).size(), 1001u);
}

std::string nested(std::size_t levels) {
  std::string open;
  std::string close;
  for (std::size_t i = 0; i < levels; ++i) {
    open += "<e" + std::to_string(i) + ">";
    close = "</e" + std::to_string(i) + ">" + close;
  }
  return open + close;
}

TEST(StreamParserLimits, DepthAtLimit_Accepted) {
  // The stream element is depth 1: a limit of 4 leaves 3 levels to stanzas.
  auto [error, events] = parse(kHeader + nested(3), StreamLimits{.max_depth = 4});
  EXPECT_FALSE(error);
  EXPECT_NE(events.find("element <e0><e1><e2/></e1></e0>"), std::string::npos);
}

TEST(StreamParserLimits, DepthOverLimit_PolicyViolation) {
  EXPECT_EQ(parse(kHeader + nested(4), StreamLimits{.max_depth = 4}).first,
            StreamCondition::policy_violation);
  EXPECT_EQ(parse(kHeader + nested(10000)).first, StreamCondition::policy_violation);
}

TEST(StreamParserLimits, AttributesAtLimit_Accepted) {
  auto [error, events] =
      parse(kHeader + "<message a='1' b='2' c='3'/>", StreamLimits{.max_attributes = 5});
  EXPECT_FALSE(error);
  EXPECT_NE(events.find("element <message a='1' b='2' c='3'/>"), std::string::npos);
  EXPECT_FALSE(
      parse(kHeader + "<message a='1' b='2' c='3' d='4' e='5'/>", StreamLimits{.max_attributes = 5})
          .first);
}

TEST(StreamParserLimits, AttributesOverLimit_PolicyViolation) {
  EXPECT_EQ(parse(kHeader + "<message a='1' b='2' c='3' d='4' e='5' f='6'/>",
                  StreamLimits{.max_attributes = 5})
                .first,
            StreamCondition::policy_violation);
  // The stream header has five attributes besides its namespace declarations.
  EXPECT_EQ(parse(kHeader, StreamLimits{.max_attributes = 2}).first,
            StreamCondition::policy_violation);
}

// ---- Reset --------------------------------------------------------------------------------

TEST(StreamParserReset, AfterStartTls_NewStreamParsed) {
  XmlStreamParser parser(StreamLimits{});
  ASSERT_FALSE(parser.feed(kHeader + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"));
  auto events = drain(parser);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(std::get<StreamElement>(events[1]).element.is("starttls", ns::kTls));

  parser.reset();
  // A new XML declaration and stream header are legal again only after the reset.
  ASSERT_FALSE(parser.feed(kHeader + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
                                     "mechanism='PLAIN'>AGEAYg==</auth>"));
  events = drain(parser);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<StreamOpen>(events[0]));
  EXPECT_EQ(std::get<StreamElement>(events[1]).element.text(), "AGEAYg==");
}

TEST(StreamParserReset, WithoutReset_SecondHeaderIsAnError) {
  XmlStreamParser parser(StreamLimits{});
  ASSERT_FALSE(parser.feed(kHeader));
  EXPECT_TRUE(parser.feed(kHeader));
}

TEST(StreamParserReset, DropsPendingEventsAndPartialInput) {
  XmlStreamParser parser(StreamLimits{});
  ASSERT_FALSE(parser.feed(kHeader + "<presence/><message><body>partial"));
  parser.reset();
  EXPECT_FALSE(parser.next());
  ASSERT_FALSE(parser.feed(kHeader + "<presence/>"));
  EXPECT_EQ(drain(parser).size(), 2u);
}

TEST(StreamParserReset, ClearsErrorAndClose) {
  XmlStreamParser parser(StreamLimits{});
  ASSERT_EQ(parser.feed("<bad/>"), StreamCondition::invalid_namespace);
  parser.reset();
  ASSERT_FALSE(parser.feed(kHeader + kClose));
  parser.reset();
  ASSERT_FALSE(parser.feed(kHeader + "<presence/>"));
  EXPECT_EQ(drain(parser).size(), 2u);
}

// ---- Between stanzas -----------------------------------------------------------------------
// The parser lets go of expat whenever a feed ends between stanzas; the stream's namespace
// declarations must hold in the stanzas after that.

TEST(StreamParserBetweenStanzas, HeaderPrefixesHoldInLaterFeeds) {
  XmlStreamParser parser(StreamLimits{});
  ASSERT_FALSE(feed_all(
      parser, {"<s:stream xmlns='jabber:client' xmlns:s='http://etherx.jabber.org/streams' "
               "xmlns:x='urn:x' version='1.0'>",
               "<message id='1'/>", "<x:event/>", "<s:error/>", "<presence/></s:stream>"}));
  EXPECT_EQ(describe(drain(parser)),
            "open[jabber:client]<stream xmlns='http://etherx.jabber.org/streams' "
            "version='1.0'/>\n"
            "element <message id='1'/>\n"
            "element <event xmlns='urn:x'/>\n"
            "element <error xmlns='http://etherx.jabber.org/streams'/>\n"
            "element <presence/>\n"
            "close\n");
}

TEST(StreamParserBetweenStanzas, UnprefixedStreamElementHoldsInLaterFeeds) {
  XmlStreamParser parser(StreamLimits{});
  ASSERT_FALSE(feed_all(parser, {"<stream xmlns='http://etherx.jabber.org/streams'>",
                                 "<message xmlns='jabber:client'/>", "</stream>"}));
  EXPECT_EQ(describe(drain(parser)),
            "open[http://etherx.jabber.org/streams]<stream "
            "xmlns='http://etherx.jabber.org/streams'/>\n"
            "element <message xmlns='jabber:client'/>\n"
            "close\n");
}

TEST(StreamParserBetweenStanzas, WrongCloseTagAfterIdle_NotWellFormed) {
  XmlStreamParser parser(StreamLimits{});
  ASSERT_FALSE(feed_all(parser, {kHeader, "<presence/>"}));
  EXPECT_EQ(parser.feed("</message>"), StreamCondition::not_well_formed);
}

// ---- Chunking -----------------------------------------------------------------------------

const std::string kDocument =
    kHeader +
    "\n  <message to='room@conference.example.com' type='groupchat' id='a&amp;b' "
    "xml:lang='fr'><body>Caf\xC3\xA9 &lt;&#x263A;&gt; \xF0\x9F\x98\x80</body>"
    "<x:data xmlns:x='urn:x' x:attr='dropped' plain='kept'><x:item/>text<![CDATA[ <cdata> ]]>"
    "</x:data><active xmlns='http://jabber.org/protocol/chatstates'/></message>\r\n"
    "<presence/> <iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq>" +
    kClose;

TEST(StreamParserChunking, SplitAtEveryOffset_SameEvents) {
  auto [error, reference] = parse(kDocument);
  ASSERT_FALSE(error);
  ASSERT_EQ(std::count(reference.begin(), reference.end(), '\n'), 5);
  for (std::size_t split = 0; split <= kDocument.size(); ++split) {
    XmlStreamParser parser(StreamLimits{});
    ASSERT_FALSE(feed_all(parser, {kDocument.substr(0, split), kDocument.substr(split)})) << split;
    EXPECT_EQ(describe(drain(parser)), reference) << split;
  }
}

TEST(StreamParserChunking, SplitAtEveryPairOfOffsets_SameEvents) {
  const std::string reference = parse(kDocument).second;
  for (std::size_t first = 0; first <= kDocument.size(); first += 23) {
    for (std::size_t second = first; second <= kDocument.size(); ++second) {
      XmlStreamParser parser(StreamLimits{});
      ASSERT_FALSE(
          feed_all(parser, {kDocument.substr(0, first), kDocument.substr(first, second - first),
                            kDocument.substr(second)}));
      ASSERT_EQ(describe(drain(parser)), reference) << first << " " << second;
    }
  }
}

TEST(StreamParserChunking, OneByteAtATime_SameEventsAsTheyComplete) {
  const std::string reference = parse(kDocument).second;
  XmlStreamParser parser(StreamLimits{});
  std::vector<StreamEvent> events;
  for (char c : kDocument) {
    ASSERT_FALSE(parser.feed(std::string(1, c)));
    while (auto event = parser.next()) {
      events.push_back(std::move(*event));
    }
  }
  EXPECT_EQ(describe(events), reference);
}

TEST(StreamParserChunking, ErrorsSameAtEverySplit) {
  const std::string document = kHeader + "<presence/><message><!-- no --></message>";
  for (std::size_t split = 0; split <= document.size(); ++split) {
    XmlStreamParser parser(StreamLimits{});
    EXPECT_EQ(feed_all(parser, {document.substr(0, split), document.substr(split)}),
              StreamCondition::restricted_xml)
        << split;
  }
}

}  // namespace
}  // namespace stoa::xmpp
