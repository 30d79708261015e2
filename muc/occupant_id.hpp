#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace stoa::muc {

/// An occupant id is the base64 of a 32-byte HMAC-SHA-256: 44 characters, padding included.
inline constexpr std::size_t kOccupantIdChars = 44;

/// The XEP-0421 occupant id of a user in a room: a keyed hash (HMAC-SHA-256) of the real bare
/// JID under the room's secret, base64-encoded. Stable for as long as the room keeps its
/// secret, and it reveals nothing about the JID to whoever does not know the secret.
std::string occupant_id(std::string_view room_secret, std::string_view bare_jid);

}  // namespace stoa::muc
