#pragma once

#include <string>
#include <string_view>

namespace stoa::muc {

/// The XEP-0421 occupant id of a user in a room: a keyed hash (HMAC-SHA-256) of the real bare
/// JID under the room's secret, base64-encoded. Stable for as long as the room keeps its
/// secret, and it reveals nothing about the JID to whoever does not know the secret.
std::string occupant_id(std::string_view room_secret, std::string_view bare_jid);

}  // namespace stoa::muc
