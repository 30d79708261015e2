#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "muc/room.hpp"
#include "muc/service_settings.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stanza_error.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::muc {

/// Whether `user`, who owns `rooms_owned` rooms of the service, may create one more
/// (XEP-0045 §10.1.1); the error to answer otherwise.
std::optional<xmpp::StanzaError> check_room_creation(const ServiceSettings& settings,
                                                     const xmpp::Jid& user,
                                                     std::size_t rooms_owned);

/// Whether a stanza to a room that does not exist would create it: an available presence to
/// room@service/nick.
bool creates_room(const xmpp::Element& stanza);

/// The answer to a stanza for a room that does not exist (and that does not create it), with
/// its 'to' set; nullopt when none is due.
std::optional<xmpp::Element> answer_missing_room(const xmpp::Element& stanza);

/// The answer to a stanza addressed to the service domain itself (disco#info, disco#items of
/// the public rooms with XEP-0059 paging, ping), with its 'to' set; nullopt when none is due.
/// `rooms` lists every room of the service.
std::optional<xmpp::Element> answer_service_stanza(const xmpp::Element& stanza,
                                                   const ServiceSettings& settings,
                                                   const std::vector<RoomListing>& rooms);

}  // namespace stoa::muc
