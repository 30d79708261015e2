// Mediated invitations and declines (XEP-0045 §7.8.2), voice requests and their approval
// (§7.13, §8.6).

#include "muc/data_form.hpp"
#include "muc/event_payload.hpp"
#include "muc/muc_namespaces.hpp"
#include "muc/room.hpp"
#include "xmpp/namespaces.hpp"

namespace stoa::muc {

using xmpp::Element;
using xmpp::Jid;
using xmpp::StanzaCondition;

namespace {

constexpr std::size_t kMaxInvitesPerMessage = 20;
constexpr std::size_t kMaxReasonBytes = 1024;

Element from_room(const std::string& room_jid) {
  Element message("message", std::string(xmpp::ns::kClient));
  message.set_attr("from", room_jid);
  return message;
}

}  // namespace

void Room::invite(Outcome& out, const Element& message, const Element& x, const Jid& from) {
  const Occupant* sender = occupant_of_session(from);
  const Affiliation affiliation = affiliation_of(from);
  if (!sender && affiliation < Affiliation::admin) {
    reply_error(out, message, {StanzaCondition::not_acceptable, "you are not in the room"});
    return;
  }
  const bool allowed = config_.allow_invites || affiliation >= Affiliation::admin ||
                       (sender && sender->role == Role::moderator);
  if (!allowed) {
    reply_error(out, message,
                {StanzaCondition::forbidden, "only moderators may invite to this room"});
    return;
  }
  std::vector<const Element*> invites = x.children("invite", ns::kMucUser);
  if (invites.size() > kMaxInvitesPerMessage) {
    reply_error(out, message,
                {StanzaCondition::not_acceptable,
                 "at most " + std::to_string(kMaxInvitesPerMessage) + " invitations per message"});
    return;
  }
  std::vector<Jid> invitees;
  for (const Element* invite : invites) {
    std::optional<Jid> to = Jid::parse(invite->attr_or("to"));
    if (!to) {
      reply_error(out, message,
                  {StanzaCondition::jid_malformed, "an invitation needs a valid 'to' JID"});
      return;
    }
    if (invite->child_text("reason", ns::kMucUser).size() > kMaxReasonBytes) {
      reply_error(out, message, {StanzaCondition::not_acceptable, "the reason is too long"});
      return;
    }
    invitees.push_back(*to);
  }
  // Everything is recorded before anything is sent.
  std::vector<PresenceFanout> fanouts;
  std::vector<Send> invitations;
  for (std::size_t i = 0; i < invites.size(); ++i) {
    const Jid& invitee = invitees[i];
    const std::string reason = invites[i]->child_text("reason", ns::kMucUser);
    // §7.8.2: in a members-only room, whom the room lets you invite becomes a member.
    if (config_.members_only && affiliation_of(invitee) == Affiliation::none &&
        affiliations_.size() < settings_.max_affiliations_per_room) {
      for (PresenceFanout& fanout :
           apply_affiliation(out, invitee.bare_str(), Affiliation::member, "", from)) {
        fanouts.push_back(std::move(fanout));
      }
    }
    Element invitation = from_room(jid_.bare_str());
    if (const std::string* id = message.attr("id")) {
      invitation.set_attr("id", *id);
    }
    Element& user = invitation.add_child("x", std::string(ns::kMucUser));
    Element& item = user.add_child("invite", std::string(ns::kMucUser));
    item.set_attr("from", from.str());
    if (!reason.empty()) {
      item.add_child("reason", std::string(ns::kMucUser)).set_text(reason);
    }
    if (config_.password_protected) {
      user.add_child("password", std::string(ns::kMucUser)).set_text(config_.password);
    }
    // For clients that do not understand the invitation element.
    std::string body = from.bare_str() + " invites you to the room " + jid_.bare_str();
    if (!reason.empty()) {
      body += ": " + reason;
    }
    invitation.add_child("body", std::string(xmpp::ns::kClient)).set_text(body);
    RoomEvent invited = event(RoomEventKind::invitation, from);
    invited.target_jid = invitee.bare_str();
    invited.payload = without_password(invitation);
    record_event(out, std::move(invited));
    invitations.push_back(Send{std::move(invitation), {invitee}});
  }
  send_ordered(out, std::move(fanouts), std::nullopt);
  for (Send& invitation : invitations) {
    out.actions.emplace_back(std::move(invitation));
  }
}

void Room::decline(Outcome& out, const Element& message, const Element& x, const Jid& from) {
  const Element& declined = *x.child("decline", ns::kMucUser);
  std::optional<Jid> inviter = Jid::parse(declined.attr_or("to"));
  if (!inviter) {
    reply_error(out, message,
                {StanzaCondition::jid_malformed, "a decline needs 'to': the inviter's JID"});
    return;
  }
  const std::string reason = declined.child_text("reason", ns::kMucUser);
  if (reason.size() > kMaxReasonBytes) {
    reply_error(out, message, {StanzaCondition::not_acceptable, "the reason is too long"});
    return;
  }
  Element relay = from_room(jid_.bare_str());
  Element& item = relay.add_child("x", std::string(ns::kMucUser))
                      .add_child("decline", std::string(ns::kMucUser));
  item.set_attr("from", from.bare_str());
  if (!reason.empty()) {
    item.add_child("reason", std::string(ns::kMucUser)).set_text(reason);
  }
  RoomEvent declined_event = event(RoomEventKind::decline, from);
  declined_event.target_jid = inviter->bare_str();
  declined_event.payload = relay.str(xmpp::ns::kClient);
  record_event(out, std::move(declined_event));
  out.send(std::move(relay), *inviter);
}

void Room::voice_request(Outcome& out, const Element& message, const Element& form_element,
                         const Jid& from) {
  std::optional<DataForm> form = parse_form(form_element);
  if (!form || form->form_type() != ns::kMucRequest) {
    reply_error(out, message,
                {StanzaCondition::bad_request, "the room only takes muc#request forms"});
    return;
  }
  Occupant* sender = occupant_of_session(from);
  if (!sender) {
    reply_error(out, message, {StanzaCondition::not_acceptable, "you are not in the room"});
    return;
  }
  if (const FormField* allow = form->field("muc#request_allow"); allow && form->type == "submit") {
    // §8.6: a moderator answers a request.
    if (sender->role != Role::moderator) {
      reply_error(out, message,
                  {StanzaCondition::forbidden, "only moderators answer voice requests"});
      return;
    }
    std::optional<bool> granted = parse_form_boolean(allow->value());
    const FormField* nick = form->field("muc#roomnick");
    if (!granted || !nick) {
      reply_error(out, message,
                  {StanzaCondition::bad_request, "muc#request_allow and muc#roomnick are needed"});
      return;
    }
    if (!occupants_.contains(nick->value())) {
      reply_error(out, message,
                  {StanzaCondition::item_not_found, "nobody is called " + nick->value()});
      return;
    }
    Occupant* target = &occupants_.at(nick->value());
    target->voice_requested = false;
    if (*granted && target->role == Role::visitor) {
      std::vector<PresenceFanout> fanouts;
      fanouts.push_back(apply_role(out, nick->value(), Role::participant, "", from));
      send_ordered(out, std::move(fanouts), std::nullopt);
    }
    return;
  }
  // §7.13: a visitor asks for voice; every moderator gets a form to approve it.
  if (sender->role != Role::visitor) {
    reply_error(out, message, {StanzaCondition::not_acceptable, "you have voice already"});
    return;
  }
  if (!config_.allow_voice_requests) {
    reply_error(out, message,
                {StanzaCondition::not_allowed, "this room does not take voice requests"});
    return;
  }
  const FormField* role = form->field("muc#role");
  if (role && role->value() != "participant") {
    reply_error(
        out, message,
        {StanzaCondition::bad_request, "only voice (muc#role participant) can be asked for"});
    return;
  }
  if (sender->voice_requested) {
    return;  // the moderators have it already
  }
  sender->voice_requested = true;
  DataForm request;
  request.type = "form";
  request.title = "Voice request";
  request.add("FORM_TYPE", "hidden", "", {std::string(ns::kMucRequest)});
  request.add("muc#role", "list-single", "Requested role", {"participant"});
  request.add("muc#jid", "jid-single", "User ID", {from.str()});
  request.add("muc#roomnick", "text-single", "Room nickname", {sender->nick});
  request.add("muc#request_allow", "boolean", "Grant voice to this person?", {"false"});
  Element approval = from_room(jid_.bare_str());
  approval.add_child(to_element(request));
  out.send(std::move(approval), moderator_sessions());
}

}  // namespace stoa::muc
