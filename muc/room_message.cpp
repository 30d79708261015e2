// Groupchat messages, subject changes and private messages (XEP-0045 §7.4-7.5, §8.1).

#include <array>

#include "muc/muc_namespaces.hpp"
#include "muc/room.hpp"
#include "xmpp/namespaces.hpp"

namespace stoa::muc {

using xmpp::Element;
using xmpp::Jid;
using xmpp::StanzaCondition;

namespace {

// A subject is shown in every client's room header and sent on every join.
constexpr std::size_t kMaxSubjectBytes = 16 * 1024;

/// Error conditions by which a client's server says the client is not there (XEP-0045
/// §7.4: the room may then remove the occupant).
bool means_gone(const Element& error_stanza) {
  const Element* error = error_stanza.child("error");
  if (!error) {
    return false;
  }
  static constexpr std::array<std::string_view, 7> kGone{"gone",
                                                         "item-not-found",
                                                         "recipient-unavailable",
                                                         "redirect",
                                                         "remote-server-not-found",
                                                         "remote-server-timeout",
                                                         "service-unavailable"};
  for (std::string_view condition : kGone) {
    if (error->child(condition, xmpp::ns::kStanzaErrors)) {
      return true;
    }
  }
  return false;
}

bool may_send_private(PmPolicy policy, Role role) {
  switch (policy) {
    case PmPolicy::anyone:
      return role >= Role::visitor;
    case PmPolicy::participants:
      return role >= Role::participant;
    case PmPolicy::moderators:
      return role == Role::moderator;
    case PmPolicy::none:
      break;
  }
  return false;
}

/// A message as the room relays it: from the occupant, with the client's id and language, and
/// without what only the room may write (its stanza ids, occupant ids, MUC status, delays).
Element relayed(const Element& message, const std::string& from, const std::string& room_jid) {
  Element out("message", std::string(xmpp::ns::kClient));
  for (const char* attr : {"id", "type", "xml:lang"}) {
    if (const std::string* value = message.attr(attr)) {
      out.set_attr(attr, *value);
    }
  }
  out.set_attr("from", from);
  for (const Element* child : message.children()) {
    const bool forged_stanza_id =
        child->is("stanza-id", ns::kStanzaId) && child->attr_or("by") == room_jid;
    const bool forged_delay =
        child->is("delay", xmpp::ns::kDelay) && child->attr_or("from") == room_jid;
    if (forged_stanza_id || forged_delay || child->is("occupant-id", ns::kOccupantId) ||
        child->is("x", ns::kMucUser)) {
      continue;
    }
    out.add_child(child->clone());
  }
  return out;
}

}  // namespace

void Room::on_message(Outcome& out, const Element& message, const Jid& from, const Jid& to,
                      Timestamp now) {
  const std::string type = message.attr_or("type", "normal");
  const Occupant* sender = occupant_of_session(from);
  if (type == "error") {
    if (sender && means_gone(message)) {
      leave(out, Element("presence", std::string(xmpp::ns::kClient)), from, {333});
    }
    return;
  }
  if (!to.is_bare()) {
    if (type == "groupchat") {
      reply_error(out, message,
                  {StanzaCondition::bad_request, "private messages may not be of type groupchat"});
      return;
    }
    private_message(out, message, sender, to.resource());
    return;
  }
  if (type == "groupchat") {
    if (!sender) {
      reply_error(out, message, {StanzaCondition::not_acceptable, "you are not in the room"});
    } else if (message.child("subject") && !message.child("body")) {
      change_subject(out, message, *sender, now);
    } else {
      groupchat(out, message, *sender, now);
    }
    return;
  }
  if (const Element* x = message.child("x", ns::kMucUser)) {
    if (x->child("invite", ns::kMucUser)) {
      invite(out, message, *x, from);
      return;
    }
    if (x->child("decline", ns::kMucUser)) {
      decline(out, message, *x, from);
      return;
    }
  }
  if (const Element* form = message.child("x", xmpp::ns::kDataForms)) {
    voice_request(out, message, *form, from);
    return;
  }
  reply_error(out, message,
              {StanzaCondition::bad_request,
               "the room takes groupchat messages, invitations, declines and voice requests"});
}

void Room::groupchat(Outcome& out, const Element& message, const Occupant& sender, Timestamp now) {
  if (sender.role < Role::participant) {
    reply_error(out, message,
                {StanzaCondition::forbidden, "visitors need voice to speak in this room"});
    return;
  }
  Element broadcast = relayed(message, occupant_jid(sender.nick), jid_.bare_str());
  broadcast.set_attr("type", "groupchat");
  // Chat states and other bodiless payloads pass through; what has a body is archived and
  // gets the archive's id (XEP-0359), stored before anyone sees it.
  const bool archived = message.child("body") != nullptr;
  std::string stanza_id;
  if (archived) {
    stanza_id = ids_.stanza_id();
    Element& sid = broadcast.add_child("stanza-id", std::string(ns::kStanzaId));
    sid.set_attr("id", stanza_id);
    sid.set_attr("by", jid_.bare_str());
  }
  broadcast.add_child("occupant-id", std::string(ns::kOccupantId))
      .set_attr("id", sender.occupant_id());
  if (archived) {
    out.store(
        AppendArchive{ArchiveEntry{stanza_id, now, ArchiveKind::message, sender.nick,
                                   sender.real_bare_jid(), broadcast.str(xmpp::ns::kClient)}});
  }
  out.send(std::move(broadcast), all_sessions());
}

void Room::change_subject(Outcome& out, const Element& message, const Occupant& sender,
                          Timestamp now) {
  const bool allowed = sender.role == Role::moderator ||
                       (config_.change_subject && sender.role == Role::participant);
  if (!allowed) {
    reply_error(out, message,
                {StanzaCondition::forbidden, "you may not change the subject of this room"});
    return;
  }
  const std::string text = message.child_text("subject");
  if (text.size() > kMaxSubjectBytes) {
    reply_error(out, message,
                {StanzaCondition::not_acceptable,
                 "subjects are limited to " + std::to_string(kMaxSubjectBytes) + " bytes"});
    return;
  }
  subject_ = RoomSubject{text, sender.nick, now};
  Element broadcast("message", std::string(xmpp::ns::kClient));
  if (const std::string* id = message.attr("id")) {
    broadcast.set_attr("id", *id);
  }
  broadcast.set_attr("type", "groupchat");
  broadcast.set_attr("from", occupant_jid(sender.nick));
  broadcast.add_child("subject", std::string(xmpp::ns::kClient)).set_text(text);
  const std::string stanza_id = ids_.stanza_id();
  Element& sid = broadcast.add_child("stanza-id", std::string(ns::kStanzaId));
  sid.set_attr("id", stanza_id);
  sid.set_attr("by", jid_.bare_str());
  broadcast.add_child("occupant-id", std::string(ns::kOccupantId))
      .set_attr("id", sender.occupant_id());
  out.store(SaveSubject{subject_});
  out.store(AppendArchive{ArchiveEntry{stanza_id, now, ArchiveKind::subject, sender.nick,
                                       sender.real_bare_jid(), broadcast.str(xmpp::ns::kClient)}});
  out.send(std::move(broadcast), all_sessions());
}

void Room::private_message(Outcome& out, const Element& message, const Occupant* sender,
                           const std::string& nick) {
  if (!sender) {
    reply_error(out, message, {StanzaCondition::not_acceptable, "you are not in the room"});
    return;
  }
  const Occupant* target = occupant(nick);
  if (!target) {
    reply_error(out, message, {StanzaCondition::item_not_found, "nobody is called " + nick});
    return;
  }
  if (!may_send_private(config_.allow_pm, sender->role)) {
    reply_error(out, message,
                {StanzaCondition::forbidden, "private messages are not allowed to you here"});
    return;
  }
  Element relay = relayed(message, occupant_jid(sender->nick), jid_.bare_str());
  // §7.5: marks it as a MUC private message (so that carbons and archives can tell).
  relay.add_child("x", std::string(ns::kMucUser));
  relay.add_child("occupant-id", std::string(ns::kOccupantId))
      .set_attr("id", sender->occupant_id());
  // As for groupchat, what has a body is kept; chat states and other bodiless payloads are not.
  if (message.child("body")) {
    RoomEvent sent = event(RoomEventKind::private_message, *sender);
    sent.target_jid = target->real_bare_jid();
    sent.target_nick = target->nick;
    sent.payload = relay.str(xmpp::ns::kClient);
    record_event(out, std::move(sent));
  }
  out.send(std::move(relay), target->session_jids());
}

}  // namespace stoa::muc
