#pragma once

#include <asio/awaitable.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "muc/muc_store.hpp"
#include "muc/room_event.hpp"
#include "muc/timestamp.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::muc {

/// One archived message taken down by a moderator (XEP-0425) or by the administrator
/// (stoactl message remove): what to do, who learns of it, what compliance records.
struct Moderation {
  std::string stanza_id;  ///< the archived message (its XEP-0359 stanza id)
  Timestamp at{};
  /// The moderated 'by': the moderator's occupant JID, or the room's JID for the service.
  std::string by;
  std::string by_occupant_id;  ///< the moderator's XEP-0421 id; empty for the service
  std::string reason;          ///< may be empty
  /// The administrator's replacement body; nullopt: the message is retracted.
  std::optional<std::string> replacement;
  std::string notice_id;              ///< the 'id' of the broadcast notice
  std::vector<xmpp::Jid> recipients;  ///< who is told (the room's occupants)
  RoomEvent event;                    ///< recorded once the archive is rewritten
};

/// What a moderation makes of the original message.
struct ModeratedForms {
  ArchiveRewrite rewrite;   ///< what the archive keeps in its place
  xmpp::Element broadcast;  ///< the notice for the occupants (no 'to')
};

/// Builds the archive's new form of `original` and the notice for the occupants.
///
/// Retraction: the archive keeps a tombstone, the original message's attributes, stanza-id and
/// occupant-id with a <retracted/> (urn:xmpp:message-retract:1) holding <moderated/>
/// (urn:xmpp:message-moderate:1) and the reason, and no body. The notice comes from the room's
/// bare JID and carries <retract id=.../> with the same <moderated/>, plus the older
/// <apply-to/> form (urn:xmpp:message-moderate:0, XEP-0422) that clients of XEP-0425 0.2 read.
///
/// Replacement: the archive keeps the original's attributes, stanza-id and occupant-id with the
/// new body (everything else the original carried is dropped). The notice is a correction
/// (XEP-0308) from the author's occupant JID when the original had an 'id', else a retraction.
ModeratedForms moderated_forms(const ArchiveEntry& original, const Moderation& moderation,
                               std::string_view room_jid);

/// Carries a moderation out on the store: reads the original, then rewrites it and records the
/// event in one transaction.
/// Returns the notice to send, or nullopt when the room's archive has no such message (then
/// nothing was changed). Store failures propagate.
asio::awaitable<std::optional<xmpp::Element>> apply_moderation(MucStore& store, std::string room,
                                                               Moderation moderation);

}  // namespace stoa::muc
