// IQs the server answers itself: ping (XEP-0199), service discovery (XEP-0030), software
// version (XEP-0092), and unknown payloads (RFC 6120 §8.4).

#include "tests/wire/wire_test.hpp"

namespace stoa::test {
namespace {

class ServerIqTest : public WireTest {};

TEST_F(ServerIqTest, Ping_Result) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  const std::optional<xmpp::Element> reply =
      alice.iq(xml("<iq type='get' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>"));
  ASSERT_TRUE(reply) << alice.describe();
  EXPECT_EQ(reply->attr_or("type"), "result") << reply->str();
  EXPECT_EQ(reply->attr_or("from"), "localhost") << reply->str();
}

TEST_F(ServerIqTest, DiscoInfo_ServerIdentityAndFeatures) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  const std::optional<xmpp::Element> reply = alice.iq(xml(
      "<iq type='get' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"));
  ASSERT_TRUE(reply) << alice.describe();
  ASSERT_EQ(reply->attr_or("type"), "result") << reply->str();
  const xmpp::Element* query = reply->child("query", xmpp::ns::kDiscoInfo);
  ASSERT_NE(query, nullptr) << reply->str();
  const xmpp::Element* identity = query->child("identity");
  ASSERT_NE(identity, nullptr) << reply->str();
  EXPECT_EQ(identity->attr_or("category"), "server") << reply->str();
  EXPECT_EQ(identity->attr_or("type"), "im") << reply->str();
  for (std::string_view feature : {xmpp::ns::kDiscoInfo, xmpp::ns::kPing, xmpp::ns::kVersion}) {
    EXPECT_TRUE(has_feature(*query, feature)) << feature << " missing from " << reply->str();
  }
}

TEST_F(ServerIqTest, SoftwareVersion_NameAndVersion) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  const std::optional<xmpp::Element> reply =
      alice.iq(xml("<iq type='get' to='localhost'><query xmlns='jabber:iq:version'/></iq>"));
  ASSERT_TRUE(reply) << alice.describe();
  ASSERT_EQ(reply->attr_or("type"), "result") << reply->str();
  const xmpp::Element* query = reply->child("query", xmpp::ns::kVersion);
  ASSERT_NE(query, nullptr) << reply->str();
  EXPECT_FALSE(query->child_text("name").empty()) << reply->str();
  EXPECT_FALSE(query->child_text("version").empty()) << reply->str();
}

TEST_F(ServerIqTest, UnknownPayload_ServiceUnavailable) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  const std::optional<xmpp::Element> reply =
      alice.iq(xml("<iq type='get' to='localhost'><query xmlns='urn:example:unknown'/></iq>"));
  ASSERT_TRUE(reply) << alice.describe();
  EXPECT_EQ(reply->attr_or("type"), "error") << reply->str();
  EXPECT_EQ(stanza_error_condition(*reply), "service-unavailable") << reply->str();
}

TEST_F(ServerIqTest, UnknownPayloadToOwnAccount_ServiceUnavailable) {
  ASSERT_TRUE(start_with_users());
  XmppClient alice;
  ASSERT_TRUE(login(alice, kAlice));
  // RFC 6120 §10.3.3: without 'to' the account's server answers on the account's behalf.
  const std::optional<xmpp::Element> reply =
      alice.iq(xml("<iq type='get'><query xmlns='urn:example:unknown'/></iq>"));
  ASSERT_TRUE(reply) << alice.describe();
  EXPECT_EQ(reply->attr_or("type"), "error") << reply->str();
  EXPECT_EQ(stanza_error_condition(*reply), "service-unavailable") << reply->str();
}

}  // namespace
}  // namespace stoa::test
