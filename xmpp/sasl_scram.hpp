#pragma once

#include <memory>
#include <string>

#include "xmpp/sasl.hpp"
#include "xmpp/scram.hpp"

namespace stoa::xmpp::sasl {

/// A server-side SCRAM exchange without channel binding (RFC 5802, RFC 7677).
/// `server_nonce` is the server's part of the nonce (printable ASCII without ','; make_mechanism
/// draws it at random). `unknown_user_iterations` is announced for accounts that do not
/// exist, so that they look like accounts that do.
std::unique_ptr<Mechanism> make_scram(ScramHash hash, std::string server_nonce,
                                      unsigned unknown_user_iterations);

}  // namespace stoa::xmpp::sasl
