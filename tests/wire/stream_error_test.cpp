// Input that breaks the stream rules ends the stream with the right error (RFC 6120 §4.9,
// §11.1): the error first, then </stream:stream>, then the TCP connection closes.

#include "tests/wire/wire_test.hpp"

namespace stoa::test {
namespace {

constexpr std::string_view kStreamTail =
    "version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

class StreamErrorTest : public WireTest {
 protected:
  /// Connects, sends `bytes` and expects the stream error `condition` and the close.
  void expect_stream_error(std::string_view bytes, std::string_view condition,
                           bool open_first = true) {
    RawStream stream(server_.c2s_port());
    ASSERT_TRUE(stream.connected()) << stream.error();
    if (open_first) {
      ASSERT_TRUE(stream.open_stream());
      ASSERT_TRUE(stream.wait_for_features()) << stream.received();
    }
    // The server may close while this is still being written; what it answered is what counts.
    stream.send(bytes);
    const std::optional<xmpp::Element> error = stream.wait_for_stream_error();
    ASSERT_TRUE(error) << "no stream error; received: " << stream.received();
    EXPECT_EQ(error_condition(*error, xmpp::ns::kStreamErrors), condition) << error->str();
    EXPECT_TRUE(stream.wait_closed()) << "still open; received: " << stream.received();
    EXPECT_TRUE(stream.header_received()) << stream.received();
    EXPECT_TRUE(stream.stream_closed()) << "no </stream:stream>; received: " << stream.received();
    EXPECT_FALSE(stream.parse_error())
        << "the server's output is not a well-formed stream: " << stream.received();
  }
};

TEST_F(StreamErrorTest, MismatchedTags_NotWellFormed) {
  ASSERT_TRUE(server_.start());
  expect_stream_error("<message><body>hi</message>", "not-well-formed");
}

TEST_F(StreamErrorTest, GarbageAfterHeader_NotWellFormed) {
  ASSERT_TRUE(server_.start());
  expect_stream_error("<<<>>>&&&", "not-well-formed");
}

TEST_F(StreamErrorTest, WrongStreamNamespace_InvalidNamespace) {
  ASSERT_TRUE(server_.start());
  expect_stream_error(
      "<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' "
      "xmlns:stream='http://example.com/not-streams'>",
      "invalid-namespace", false);
}

TEST_F(StreamErrorTest, WrongContentNamespace_InvalidNamespace) {
  ASSERT_TRUE(server_.start());
  expect_stream_error(
      "<?xml version='1.0'?><stream:stream to='localhost' version='1.0' "
      "xmlns='jabber:not-client' xmlns:stream='http://etherx.jabber.org/streams'>",
      "invalid-namespace", false);
}

TEST_F(StreamErrorTest, Comment_RestrictedXml) {
  ASSERT_TRUE(server_.start());
  expect_stream_error("<!-- a comment -->", "restricted-xml");
}

TEST_F(StreamErrorTest, ProcessingInstruction_RestrictedXml) {
  ASSERT_TRUE(server_.start());
  expect_stream_error("<?stoa-test instruction?>", "restricted-xml");
}

TEST_F(StreamErrorTest, Doctype_RestrictedXml) {
  ASSERT_TRUE(server_.start());
  expect_stream_error(
      "<?xml version='1.0'?><!DOCTYPE stream:stream [<!ENTITY x 'y'>]>"
      "<stream:stream to='localhost' " +
          std::string(kStreamTail),
      "restricted-xml", false);
}

TEST_F(StreamErrorTest, OversizedStanzaBeforeLogin_PolicyViolation) {
  ASSERT_TRUE(server_.start({{"limits.max_stanza_bytes", "4096"}}));
  // Left unfinished: the only thing wrong with it is its size.
  expect_stream_error("<message to='bob@localhost'><body>" + std::string(16384, 'a'),
                      "policy-violation");
}

TEST_F(StreamErrorTest, OversizedStanzaAfterLogin_PolicyViolation) {
  ASSERT_TRUE(start_with_users({{"limits.max_stanza_bytes", "4096"}}));
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  alice.send("<message to='bob@localhost' type='chat'><body>" + std::string(16384, 'a') +
             "</body></message>");
  ASSERT_TRUE(alice.wait_disconnected()) << alice.describe();
  EXPECT_EQ(alice.stream_error(), "policy-violation") << alice.describe();
}

TEST_F(StreamErrorTest, StanzaUnderLimitAfterLogin_Delivered) {
  ASSERT_TRUE(start_with_users({{"limits.max_stanza_bytes", "4096"}}));
  XmppClient alice;
  XmppClient bob;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(login(bob, kBob));
  const std::string body(2048, 'b');
  alice.send_message(bob.bound_jid(), body);
  const std::optional<xmpp::Element> message = bob.expect_message_from(kAlice);
  ASSERT_TRUE(message) << bob.describe();
  EXPECT_EQ(message->child_text("body"), body);
}

}  // namespace
}  // namespace stoa::test
