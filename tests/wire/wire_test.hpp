#pragma once

#include <gtest/gtest.h>

#include <string>

#include "tests/support/raw_stream.hpp"
#include "tests/support/stanza_match.hpp"
#include "tests/support/stoad_process.hpp"
#include "tests/support/xmpp_client.hpp"
#include "xmpp/namespaces.hpp"

namespace stoa::test {

inline const std::string kAlice = "alice@localhost";
inline const std::string kBob = "bob@localhost";
inline const std::string kPassword = "correct horse battery staple";

/// A test against a real stoad: each test starts its own, with the settings it needs, on a
/// fresh database, and logs real clients in.
class WireTest : public ::testing::Test {
 protected:
  /// Options for the STARTTLS listener.
  ClientOptions starttls() const { return {server_.c2s_port(), TlsMode::starttls}; }
  /// Options for the direct TLS listener (XEP-0368).
  ClientOptions direct_tls() const { return {server_.c2s_tls_port(), TlsMode::direct_tls}; }

  /// Starts stoad with `overrides` and creates the accounts alice and bob (password kPassword).
  testing::AssertionResult start_with_users(const StoadSettings& overrides = {}) {
    if (testing::AssertionResult started = server_.start(overrides); !started) {
      return started;
    }
    for (const std::string& jid : {kAlice, kBob}) {
      if (testing::AssertionResult added = server_.add_user(jid, kPassword); !added) {
        return added;
      }
    }
    return testing::AssertionSuccess();
  }

  /// Logs `client` in as `jid` over STARTTLS.
  testing::AssertionResult login(XmppClient& client, const std::string& jid,
                                 const std::string& password = kPassword) {
    const ConnectResult result = client.connect(jid, password, starttls());
    if (!result) {
      return testing::AssertionFailure() << "login as " << jid << " failed: " << result.error;
    }
    return testing::AssertionSuccess();
  }

  /// Sends initial presence and waits for the server to reflect it back (RFC 6121 §4.2.2), so
  /// that the session counts as available before the test goes on.
  testing::AssertionResult become_available(XmppClient& client) {
    client.send("<presence/>");
    if (!client.wait_for(presence_from(client.bound_jid(), ""))) {
      return testing::AssertionFailure()
             << client.bound_jid() << " got no reflection of its initial presence\n"
             << client.describe();
    }
    return testing::AssertionSuccess();
  }

  /// Requests the roster, which makes the session an interested resource (RFC 6121 §2.1.6)
  /// that receives roster pushes.
  testing::AssertionResult request_roster(XmppClient& client) {
    const std::optional<xmpp::Element> reply =
        client.iq(xml("<iq type='get'><query xmlns='jabber:iq:roster'/></iq>"));
    if (!reply || reply->attr_or("type") != "result") {
      return testing::AssertionFailure()
             << "roster get failed: " << (reply ? reply->str() : "no reply") << "\n"
             << client.describe();
    }
    return testing::AssertionSuccess();
  }

  StoadProcess server_;
};

}  // namespace stoa::test
