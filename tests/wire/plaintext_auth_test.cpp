// What the server offers and accepts before TLS (RFC 6120 §5.3.1, §13.9.4; RFC 4616 §6:
// PLAIN sends the password itself and must not be used without encryption).

#include <openssl/evp.h>

#include "tests/wire/wire_test.hpp"

namespace stoa::test {
namespace {

class PlaintextAuthTest : public WireTest {};

std::string base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(data.data()),
                                     static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(length));
  return out;
}

/// <auth mechanism='PLAIN'/> carrying alice's real credentials: accepting it would log in.
std::string plain_auth_for_alice() {
  std::string credentials;
  credentials += '\0';
  credentials += "alice";
  credentials += '\0';
  credentials += kPassword;
  return "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + base64(credentials) +
         "</auth>";
}

bool is_sasl_outcome_or_stream_error(const xmpp::Element& element) {
  return element.is("success", xmpp::ns::kSasl) || element.is("failure", xmpp::ns::kSasl) ||
         element.is("error", xmpp::ns::kStreams);
}

TEST_F(PlaintextAuthTest, RequireTls_FeaturesBeforeTls_OnlyRequiredStartTls) {
  ASSERT_TRUE(server_.start());
  RawStream stream(server_.c2s_port());
  ASSERT_TRUE(stream.connected()) << stream.error();
  ASSERT_TRUE(stream.open_stream());
  const std::optional<xmpp::Element> features = stream.wait_for_features();
  ASSERT_TRUE(features) << "no stream features; received: " << stream.received();
  const xmpp::Element* starttls = features->child("starttls", xmpp::ns::kTls);
  ASSERT_NE(starttls, nullptr) << features->str();
  EXPECT_NE(starttls->child("required"), nullptr) << features->str();
  EXPECT_EQ(features->child("mechanisms", xmpp::ns::kSasl), nullptr) << features->str();
  EXPECT_EQ(features->child("bind", xmpp::ns::kBind), nullptr) << features->str();
}

TEST_F(PlaintextAuthTest, RequireTls_PlainAuthBeforeTls_NeverSucceeds) {
  ASSERT_TRUE(start_with_users());
  RawStream stream(server_.c2s_port());
  ASSERT_TRUE(stream.connected()) << stream.error();
  ASSERT_TRUE(stream.open_stream());
  ASSERT_TRUE(stream.wait_for_features()) << stream.received();
  ASSERT_TRUE(stream.send(plain_auth_for_alice()));
  const std::optional<xmpp::Element> outcome = stream.wait_for(is_sasl_outcome_or_stream_error);
  ASSERT_TRUE(outcome || stream.closed()) << "no answer; received: " << stream.received();
  if (outcome) {
    EXPECT_FALSE(outcome->is("success", xmpp::ns::kSasl)) << "PLAIN accepted before TLS";
  }
}

TEST_F(PlaintextAuthTest, TlsOptional_MechanismsBeforeTls_LackPlain) {
  ASSERT_TRUE(server_.start({{"c2s.require_tls", "false"}}));
  RawStream stream(server_.c2s_port());
  ASSERT_TRUE(stream.connected()) << stream.error();
  ASSERT_TRUE(stream.open_stream());
  const std::optional<xmpp::Element> features = stream.wait_for_features();
  ASSERT_TRUE(features) << "no stream features; received: " << stream.received();
  const xmpp::Element* mechanisms = features->child("mechanisms", xmpp::ns::kSasl);
  ASSERT_NE(mechanisms, nullptr) << "no SASL offered without TLS: " << features->str();
  EXPECT_FALSE(mechanisms->children("mechanism").empty()) << features->str();
  for (const xmpp::Element* mechanism : mechanisms->children("mechanism")) {
    EXPECT_NE(mechanism->text(), "PLAIN") << features->str();
  }
  EXPECT_NE(features->child("starttls", xmpp::ns::kTls), nullptr) << features->str();
}

TEST_F(PlaintextAuthTest, TlsOptional_PlainAuthBeforeTls_RefusedAsUnencrypted) {
  ASSERT_TRUE(start_with_users({{"c2s.require_tls", "false"}}));
  RawStream stream(server_.c2s_port());
  ASSERT_TRUE(stream.connected()) << stream.error();
  ASSERT_TRUE(stream.open_stream());
  ASSERT_TRUE(stream.wait_for_features()) << stream.received();
  ASSERT_TRUE(stream.send(plain_auth_for_alice()));
  const std::optional<xmpp::Element> outcome = stream.wait_for(is_sasl_outcome_or_stream_error);
  ASSERT_TRUE(outcome) << "no answer to <auth/>; received: " << stream.received();
  ASSERT_TRUE(outcome->is("failure", xmpp::ns::kSasl)) << outcome->str();
  const std::string condition = error_condition(*outcome, xmpp::ns::kSasl);
  EXPECT_TRUE(condition == "encryption-required" || condition == "invalid-mechanism")
      << outcome->str();
}

}  // namespace
}  // namespace stoa::test
