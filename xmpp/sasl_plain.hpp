#pragma once

#include <memory>

#include "xmpp/sasl.hpp"

namespace stoa::xmpp::sasl {

/// A server-side PLAIN exchange (RFC 4616), verified against the SHA-256 SCRAM credential.
/// For accounts that do not exist the password is still hashed with
/// `unknown_user_iterations`, so that the answer takes as long either way.
std::unique_ptr<Mechanism> make_plain(unsigned unknown_user_iterations);

}  // namespace stoa::xmpp::sasl
