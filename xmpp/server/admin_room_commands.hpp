#pragma once

#include "xmpp/server/admin_server.hpp"
#include "xmpp/server/muc_module.hpp"

namespace stoa::xmpp::server {

/// Registers the history management commands (docs/history-management.md) on `server`:
/// `room clear ROOM --before DATE` and `message remove ROOM ID [--replace TEXT]`. A loaded room
/// does them in its own turn (its occupants see removals); other stored rooms directly in the
/// store. Each records its compliance event. `muc` must outlive `server`.
void register_room_commands(AdminServer& server, MucModule& muc);

}  // namespace stoa::xmpp::server
