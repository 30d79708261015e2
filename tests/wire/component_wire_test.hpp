#pragma once

#include <openssl/sha.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "tests/wire/muc_wire_test.hpp"

namespace stoa::test {

/// A compliance component and a plain one (not authorized for compliance).
inline const std::string kComplianceComponent = "compliance.localhost";
inline const std::string kComplianceSecret = "compliance secret";
inline const std::string kBridgeComponent = "bridge.localhost";
inline const std::string kBridgeSecret = "bridge secret";

/// Tests of XEP-0114 component connections: a RawStream plays the component.
class ComponentWireTest : public MucTest {
 protected:
  /// Starts stoad with both components declared, the listener on a free loopback port, and
  /// the accounts of start_muc().
  testing::AssertionResult start_with_components(StoadSettings overrides = {}) {
    server_.append_config(
        "[[component]]\nname = " + toml_string(kComplianceComponent) +
        "\nsecret = " + toml_string(kComplianceSecret) +
        "\ncompliance = true\n\n[[component]]\nname = " + toml_string(kBridgeComponent) +
        "\nsecret = " + toml_string(kBridgeSecret) + "\n");
    overrides["components.address"] = toml_string("127.0.0.1");
    overrides["components.port"] = "0";
    return start_muc(overrides);
  }

  std::uint16_t component_port() const { return server_.port("component").value_or(0); }

  /// Opens a component stream to `name` and answers the handshake with `secret`; the stream is
  /// returned whatever the server answered.
  std::unique_ptr<RawStream> open_component(const std::string& name, const std::string& secret) {
    auto stream = std::make_unique<RawStream>(component_port());
    EXPECT_TRUE(stream->connected()) << stream->error();
    stream->send(
        "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
        "xmlns:stream='http://etherx.jabber.org/streams' to='" +
        name + "'>");
    std::string id;
    for (int attempt = 0; attempt < 150 && id.empty() && !stream->closed(); ++attempt) {
      stream->pump(std::chrono::milliseconds(100));
      id = stream_id(stream->received());
    }
    EXPECT_FALSE(id.empty()) << "no stream header: " << stream->received();
    stream->send("<handshake>" + handshake_digest(id, secret) + "</handshake>");
    return stream;
  }

  /// A connected, authenticated component stream.
  std::unique_ptr<RawStream> connect_component(const std::string& name, const std::string& secret) {
    std::unique_ptr<RawStream> stream = open_component(name, secret);
    std::optional<xmpp::Element> handshake =
        stream->wait_for([](const xmpp::Element& e) { return e.name() == "handshake"; });
    EXPECT_TRUE(handshake) << "no handshake answer: " << stream->received();
    return stream;
  }

  /// Sends an IQ on a component stream and waits for its answer.
  static std::optional<xmpp::Element> component_iq(RawStream& stream, const std::string& from,
                                                   const std::string& id,
                                                   const std::string& payload) {
    stream.send("<iq type='set' id='" + id + "' from='" + from + "' to='localhost'>" + payload +
                "</iq>");
    return stream.wait_for(
        [id](const xmpp::Element& e) { return e.name() == "iq" && e.attr_or("id") == id; });
  }

  /// Polls `condition` until it holds; false when it still does not after kWaitTimeout.
  template <typename Condition>
  static bool wait_until(Condition condition) {
    const auto deadline = std::chrono::steady_clock::now() + kWaitTimeout;
    while (!condition()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
  }

  /// The value of `key` in `stoactl status`; "" when absent.
  std::string status_value(std::string_view key) const {
    CommandResult result = server_.stoactl({"status"});
    std::size_t line = 0;
    while (line < result.out.size()) {
      std::size_t end = result.out.find('\n', line);
      std::string row = result.out.substr(line, end == std::string::npos ? end : end - line);
      if (row.starts_with(key) && row.size() > key.size() &&
          (row[key.size()] == '\t' || row[key.size()] == ' ')) {
        std::size_t value = row.find_first_not_of(" \t", key.size());
        return value == std::string::npos ? "" : row.substr(value);
      }
      if (end == std::string::npos) {
        break;
      }
      line = end + 1;
    }
    return "";
  }

  static std::string stream_id(const std::string& received) {
    std::size_t header = received.find("<stream:stream");
    std::size_t at = header == std::string::npos ? header : received.find(" id='", header);
    if (at == std::string::npos) {
      return "";
    }
    at += 5;
    return received.substr(at, received.find('\'', at) - at);
  }

  static std::string handshake_digest(const std::string& id, const std::string& secret) {
    std::string input = id + secret;
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char byte : digest) {
      out += kDigits[byte >> 4];
      out += kDigits[byte & 15];
    }
    return out;
  }
};

}  // namespace stoa::test
