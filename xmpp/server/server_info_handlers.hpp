#pragma once

#include "xmpp/server/router.hpp"

namespace stoa::xmpp::server {

/// Registers what the server answers about itself: disco#info and disco#items (XEP-0030),
/// ping (XEP-0199) and software version (XEP-0092).
void add_server_info_handlers(Router& router);

/// The server's disco#info result (identity and the features of router.features()), also
/// answered to components.
Element server_disco_info(const Router& router);

}  // namespace stoa::xmpp::server
