#pragma once

#include <string_view>

/// XML namespaces of XEP-0045 and the extensions the MUC service speaks.
namespace stoa::muc::ns {

inline constexpr std::string_view kMuc = "http://jabber.org/protocol/muc";
inline constexpr std::string_view kMucUser = "http://jabber.org/protocol/muc#user";
inline constexpr std::string_view kMucAdmin = "http://jabber.org/protocol/muc#admin";
inline constexpr std::string_view kMucOwner = "http://jabber.org/protocol/muc#owner";
inline constexpr std::string_view kMucRoomConfig = "http://jabber.org/protocol/muc#roomconfig";
inline constexpr std::string_view kMucRoomInfo = "http://jabber.org/protocol/muc#roominfo";
inline constexpr std::string_view kMucRequest = "http://jabber.org/protocol/muc#request";
inline constexpr std::string_view kMucStableId = "http://jabber.org/protocol/muc#stable_id";
inline constexpr std::string_view kMucSelfPing =
    "http://jabber.org/protocol/muc#self-ping-optimization";
inline constexpr std::string_view kStanzaId = "urn:xmpp:sid:0";             // XEP-0359
inline constexpr std::string_view kOccupantId = "urn:xmpp:occupant-id:0";   // XEP-0421
inline constexpr std::string_view kRsm = "http://jabber.org/protocol/rsm";  // XEP-0059
inline constexpr std::string_view kConference = "jabber:x:conference";      // XEP-0249
inline constexpr std::string_view kMam = "urn:xmpp:mam:2";                  // XEP-0313
inline constexpr std::string_view kMamExtended = "urn:xmpp:mam:2#extended";
inline constexpr std::string_view kFulltext = "urn:xmpp:fulltext:0";  // XEP-0431
inline constexpr std::string_view kStoaSearch = "urn:stoa:search:0";  // docs/search.md
// XEP-0425 (moderation) with XEP-0424 (retraction); the :0 pair and XEP-0422 fastening are
// the form of XEP-0425 0.2 that older clients still send.
inline constexpr std::string_view kMessageModerate = "urn:xmpp:message-moderate:1";
inline constexpr std::string_view kMessageRetract = "urn:xmpp:message-retract:1";
inline constexpr std::string_view kMessageModerate0 = "urn:xmpp:message-moderate:0";
inline constexpr std::string_view kMessageRetract0 = "urn:xmpp:message-retract:0";
inline constexpr std::string_view kFasten = "urn:xmpp:fasten:0";
inline constexpr std::string_view kMessageCorrect = "urn:xmpp:message-correct:0";  // XEP-0308
inline constexpr std::string_view kDataValidate = "http://jabber.org/protocol/xdata-validate";

}  // namespace stoa::muc::ns
