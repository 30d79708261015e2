// Moderated message retraction (XEP-0425): a moderator's request, and the administrator's
// removals through the service (stoactl message remove).

#include "muc/muc_namespaces.hpp"
#include "muc/room.hpp"
#include "xmpp/namespaces.hpp"

namespace stoa::muc {

using xmpp::Element;
using xmpp::Jid;
using xmpp::StanzaCondition;

namespace {

// A reason is shown next to every copy of the message in every client.
constexpr std::size_t kMaxReasonBytes = 1024;

/// The message id and the element holding <retract/> and <reason/>, in either form: XEP-0425
/// 0.3 (<moderate id/>) or 0.2 (<apply-to id><moderate/></apply-to>).
struct ModerationRequest {
  std::string stanza_id;
  const Element* moderate = nullptr;
  std::string_view retract_xmlns;
};

std::optional<ModerationRequest> parse_request(const Element& payload) {
  if (payload.is("moderate", ns::kMessageModerate)) {
    return ModerationRequest{payload.attr_or("id"), &payload, ns::kMessageRetract};
  }
  if (payload.is("apply-to", ns::kFasten)) {
    if (const Element* moderate = payload.child("moderate", ns::kMessageModerate0)) {
      return ModerationRequest{payload.attr_or("id"), moderate, ns::kMessageRetract0};
    }
  }
  return std::nullopt;
}

}  // namespace

bool Room::is_moderation_request(const Element& iq) {
  std::vector<const Element*> payloads = iq.children();
  return payloads.size() == 1 && parse_request(*payloads.front()).has_value();
}

void Room::moderate(Outcome& out, const Element& iq, const Jid& from, Timestamp now) {
  if (iq.attr_or("type") != "set") {
    if (iq.attr_or("type") == "get") {
      reply_error(out, iq, {StanzaCondition::bad_request, "a moderation request is an IQ set"});
    }
    return;
  }
  const ModerationRequest request = *parse_request(*iq.children().front());
  const Occupant* moderator = occupant_of_session(from);
  if (!moderator || moderator->role != Role::moderator) {
    reply_error(out, iq,
                {StanzaCondition::forbidden, "only moderators may retract others' messages"});
    return;
  }
  if (request.stanza_id.empty()) {
    reply_error(out, iq, {StanzaCondition::bad_request, "say which message: the 'id' attribute"});
    return;
  }
  if (!request.moderate->child("retract", request.retract_xmlns)) {
    reply_error(out, iq,
                {StanzaCondition::feature_not_implemented, "retraction is the only moderation"});
    return;
  }
  std::string reason = request.moderate->child_text("reason");
  if (reason.size() > kMaxReasonBytes) {
    reply_error(out, iq,
                {StanzaCondition::not_acceptable,
                 "reasons are limited to " + std::to_string(kMaxReasonBytes) + " bytes"});
    return;
  }
  Moderation moderation{request.stanza_id,
                        now,
                        occupant_jid(moderator->nick),
                        std::string(moderator->occupant_id()),
                        reason,
                        std::nullopt,
                        ids_.stanza_id(),
                        all_sessions().list(),
                        RoomEvent{RoomEventKind::moderation, now, moderator->real_bare_jid(),
                                  moderator->nick, "", "", request.stanza_id, reason}};
  Element not_found = xmpp::make_error_reply(
      iq, {StanzaCondition::item_not_found, "the archive has no message with this id"});
  not_found.remove_attr("to");
  out.store(ModerateArchive{std::move(moderation), Send{std::move(not_found), {from}}});
  reply_result(out, iq);
}

Outcome Room::moderate_as_service(std::string stanza_id, std::optional<std::string> replacement,
                                  std::string reason, Timestamp now) {
  Outcome out;
  if (gone_ || fresh_) {
    return out;
  }
  std::string payload = replacement ? *replacement : reason;
  RoomEvent event{RoomEventKind::removal, now, "", "", "", "", stanza_id, std::move(payload)};
  out.store(ModerateArchive{
      Moderation{stanza_id, now, jid_.bare_str(), "", std::move(reason), std::move(replacement),
                 ids_.stanza_id(), all_sessions().list(), std::move(event)},
      std::nullopt});
  return out;
}

}  // namespace stoa::muc
