#pragma once

#include <string>
#include <string_view>

#include "xmpp/sasl.hpp"

/// Pieces shared by the mechanisms: building steps and checking the identities a client gives.
namespace stoa::xmpp::sasl {

/// A challenge carrying `data`.
Step challenge(std::string data);
/// Ask the stream for `username`'s credential for `hash`.
Step need_credential(std::string username, std::string_view hash);
/// Authentication of `username` succeeded; `data` is the additional data, if any.
Step success(std::string username, std::string data = {});
/// The exchange failed with `condition`; `username` is who tried, if known.
Step failure(Failure condition, std::string username = {});

/// True when a client asking to act as `authzid` may do so having authenticated as the
/// (nodeprepped) `username`: no authzid, the username itself, or a bare JID with that local
/// part. The stream authenticates the username on its own domain whatever the authzid says,
/// so the domain of a JID authzid grants nothing and is not compared.
bool is_own_authzid(std::string_view authzid, std::string_view username);

}  // namespace stoa::xmpp::sasl
