#pragma once

#include "common/log.hpp"

namespace stoa::xmpp::server {

/// Raises the open-files soft limit to the hard limit and returns how many client connections
/// fit under it, keeping room for the database, listeners, logs and the admin socket.
/// `configured` (non-zero) caps the result.
unsigned connection_capacity(unsigned configured, unsigned reserved_descriptors, Logger& log);

}  // namespace stoa::xmpp::server
