// XEP-0114 component connections: the handshake, refusals, and stanzas both ways between a
// component and clients.

#include "tests/wire/component_wire_test.hpp"

namespace stoa::test {
namespace {

class ComponentStreamTest : public ComponentWireTest {
 protected:
  /// Expects the not-authorized stream error, the close, and nothing else on `stream`.
  static void expect_refused(RawStream& stream) {
    const std::optional<xmpp::Element> error = stream.wait_for_stream_error();
    ASSERT_TRUE(error) << "no stream error; received: " << stream.received();
    EXPECT_EQ(error_condition(*error, xmpp::ns::kStreamErrors), "not-authorized") << error->str();
    EXPECT_TRUE(stream.wait_closed()) << stream.received();
    EXPECT_FALSE(stream.wait_for([](const xmpp::Element&) { return true; }))
        << "something besides the stream error was sent: " << stream.received();
    EXPECT_FALSE(stream.parse_error()) << stream.received();
  }
};

TEST_F(ComponentStreamTest, RightSecret_HandshakeAnswered) {
  ASSERT_TRUE(start_with_components());
  std::unique_ptr<RawStream> component = connect_component(kBridgeComponent, kBridgeSecret);
  EXPECT_FALSE(component->closed()) << component->received();
  EXPECT_NE(component->received().find("from='" + kBridgeComponent + "'"), std::string::npos)
      << component->received();
}

TEST_F(ComponentStreamTest, WrongSecret_NotAuthorizedAndNothingSent) {
  ASSERT_TRUE(start_with_components());
  std::unique_ptr<RawStream> component = open_component(kComplianceComponent, "wrong");
  expect_refused(*component);
  // The refused component never served its domain.
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  alice.send("<message to='" + kComplianceComponent +
             "' type='chat' id='m1'><body>hi</body>"
             "</message>");
  const std::optional<xmpp::Element> bounce = alice.wait_for(message_from(kComplianceComponent));
  ASSERT_TRUE(bounce) << alice.describe();
  EXPECT_EQ(stanza_error_condition(*bounce), "service-unavailable") << bounce->str();
}

TEST_F(ComponentStreamTest, UnknownName_NotAuthorized) {
  ASSERT_TRUE(start_with_components());
  std::unique_ptr<RawStream> component = open_component("nobody.localhost", kBridgeSecret);
  expect_refused(*component);
}

TEST_F(ComponentStreamTest, StanzaBeforeHandshake_NotAuthorized) {
  ASSERT_TRUE(start_with_components());
  RawStream stream(component_port());
  ASSERT_TRUE(stream.connected()) << stream.error();
  stream.send(
      "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
      "xmlns:stream='http://etherx.jabber.org/streams' to='" +
      kBridgeComponent + "'><message to='alice@localhost'><body>x</body></message>");
  expect_refused(stream);
}

TEST_F(ComponentStreamTest, ClientAndComponent_ExchangeMessages) {
  ASSERT_TRUE(start_with_components());
  std::unique_ptr<RawStream> component = connect_component(kBridgeComponent, kBridgeSecret);
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  ASSERT_TRUE(become_available(alice));

  alice.send("<message to='user@" + kBridgeComponent +
             "' type='chat' id='m1'>"
             "<body>to the bridge</body></message>");
  const std::optional<xmpp::Element> inbound =
      component->wait_for([](const xmpp::Element& e) { return e.name() == "message"; });
  ASSERT_TRUE(inbound) << component->received();
  EXPECT_EQ(inbound->xmlns(), xmpp::ns::kComponent) << component->received();
  EXPECT_EQ(inbound->attr_or("from"), alice.bound_jid());
  EXPECT_EQ(inbound->child_text("body"), "to the bridge") << inbound->str();

  component->send("<message from='user@" + kBridgeComponent + "' to='" + alice.bound_jid() +
                  "' type='chat' id='r1'><body>from the bridge</body></message>");
  const std::optional<xmpp::Element> reply =
      alice.wait_for(message_from("user@" + kBridgeComponent));
  ASSERT_TRUE(reply) << alice.describe();
  EXPECT_EQ(reply->child_text("body", xmpp::ns::kClient), "from the bridge") << reply->str();
}

TEST_F(ComponentStreamTest, FromOutsideItsDomain_InvalidFrom) {
  ASSERT_TRUE(start_with_components());
  std::unique_ptr<RawStream> component = connect_component(kBridgeComponent, kBridgeSecret);
  component->send("<message from='alice@localhost' to='bob@localhost'><body>x</body></message>");
  const std::optional<xmpp::Element> error = component->wait_for_stream_error();
  ASSERT_TRUE(error) << component->received();
  EXPECT_EQ(error_condition(*error, xmpp::ns::kStreamErrors), "invalid-from") << error->str();
}

TEST_F(ComponentStreamTest, ServerDisco_AdvertisesCompliance) {
  ASSERT_TRUE(start_with_components());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  const std::optional<xmpp::Element> reply = alice.iq(xml(
      "<iq type='get' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"));
  ASSERT_TRUE(reply) << alice.describe();
  const xmpp::Element* query = reply->child("query", xmpp::ns::kDiscoInfo);
  ASSERT_NE(query, nullptr) << reply->str();
  EXPECT_TRUE(has_feature(*query, xmpp::ns::kCompliance)) << reply->str();
}

TEST_F(ComponentStreamTest, NotAuthorizedForCompliance_CannotSubscribe) {
  ASSERT_TRUE(start_with_components());
  std::unique_ptr<RawStream> bridge = connect_component(kBridgeComponent, kBridgeSecret);
  const std::optional<xmpp::Element> refused = component_iq(
      *bridge, kBridgeComponent, "s1", "<subscribe xmlns='urn:stoa:compliance:0' after='0'/>");
  ASSERT_TRUE(refused) << bridge->received();
  EXPECT_EQ(refused->attr_or("type"), "error") << refused->str();
  EXPECT_EQ(stanza_error_condition(*refused), "forbidden") << refused->str();
  EXPECT_EQ(bridge->received().find("<events"), std::string::npos) << bridge->received();
}

}  // namespace
}  // namespace stoa::test
