// Entering, leaving, nick changes and presence updates (XEP-0045 §7.1-7.7, §7.14).

#include <algorithm>

#include "muc/history.hpp"
#include "muc/muc_namespaces.hpp"
#include "muc/occupant_id.hpp"
#include "muc/room.hpp"
#include "xmpp/namespaces.hpp"

namespace stoa::muc {

using xmpp::Element;
using xmpp::Jid;
using xmpp::StanzaCondition;
using xmpp::StanzaError;

namespace {

// Nicks appear in every presence and message of the room; resourceprep alone allows 1023
// bytes.
constexpr std::size_t kMaxNickBytes = 256;

/// The client's presence as the room relays it: without the MUC payloads the room writes
/// itself and without forged occupant ids (XEP-0421 §4).
Element relayable_payload(const Element& presence) {
  Element payload("presence", std::string(xmpp::ns::kClient));
  for (const Element* child : presence.children()) {
    if (child->is("x", ns::kMuc) || child->is("x", ns::kMucUser) ||
        child->is("occupant-id", ns::kOccupantId)) {
      continue;
    }
    payload.add_child(child->clone());
  }
  return payload;
}

/// What a session keeps of its presence: nothing when it carries nothing to relay.
std::unique_ptr<const Element> kept_payload(const Element& payload) {
  return payload.has_children() ? std::make_unique<const Element>(payload.clone()) : nullptr;
}

}  // namespace

void Room::on_presence(Outcome& out, const Element& presence, const Jid& from, const Jid& to,
                       Timestamp now) {
  const std::string type = presence.attr_or("type");
  Occupant* self = occupant_of_session(from);
  if (type == "error") {
    // The occupant's client or server bounced something: it is not there any more.
    if (self) {
      leave(out, Element("presence", std::string(xmpp::ns::kClient)), from, {333});
    }
    return;
  }
  if (type == "unavailable") {
    if (self) {
      leave(out, presence, from, {});
    }
    return;
  }
  if (!type.empty()) {
    return;  // probes and subscription requests mean nothing to a room
  }
  if (to.is_bare()) {
    if (self) {
      update_presence(out, presence, *self, from);
    } else {
      reply_error(out, presence,
                  {StanzaCondition::jid_malformed, "join the room as room@service/nick"});
    }
    return;
  }
  const std::string& nick = to.resource();
  if (!self) {
    join(out, presence, from, nick, now);
  } else if (self->nick != nick) {
    change_nick(out, presence, *self, nick);
  } else if (presence.child("x", ns::kMuc)) {
    // A client that believes it is not in the room (e.g. after a self-ping, XEP-0410) joins
    // again: it gets the room's state as on a first join.
    OccupantSession& session = *std::ranges::find(self->sessions, from, &OccupantSession::jid);
    const Element payload = relayable_payload(presence);
    session.payload = kept_payload(payload);
    for (Send& send : presence_fanout(*self, payload, {}).others) {
      out.actions.emplace_back(std::move(send));
    }
    send_join_state(out, *self, from, presence, {}, now);
  } else {
    update_presence(out, presence, *self, from);
  }
}

std::optional<StanzaError> Room::check_entry(const Jid& from, const std::string& nick,
                                             const Element* muc, bool new_occupant) const {
  if (nick.size() > kMaxNickBytes) {
    return StanzaError(StanzaCondition::not_acceptable,
                       "nicks are limited to " + std::to_string(kMaxNickBytes) + " bytes");
  }
  const Affiliation affiliation = affiliation_of(from);
  if (locked_ && affiliation != Affiliation::owner) {
    return StanzaError(StanzaCondition::item_not_found,
                       "the room is locked until its owner configures it");
  }
  if (affiliation == Affiliation::outcast) {
    return StanzaError(StanzaCondition::forbidden, "you are banned from this room");
  }
  if (config_.members_only && affiliation < Affiliation::member) {
    return StanzaError(StanzaCondition::registration_required, "this room is for members only");
  }
  if (const Occupant* holder = occupant(nick); holder && !holder->is_user(from)) {
    return StanzaError(StanzaCondition::conflict, "the nick " + nick + " is in use");
  }
  if (new_occupant) {
    const bool over_room_limit = config_.max_users != 0 && occupants_.size() >= config_.max_users &&
                                 affiliation < Affiliation::admin;
    if (over_room_limit || occupants_.size() >= settings_.max_occupants_per_room) {
      return StanzaError(StanzaCondition::service_unavailable,
                         "the room has reached its maximum number of occupants");
    }
  }
  if (config_.password_protected && affiliation != Affiliation::owner) {
    const std::string given = muc ? muc->child_text("password", ns::kMuc) : std::string();
    if (given != config_.password) {
      return StanzaError(StanzaCondition::not_authorized, "a password is required");
    }
  }
  return std::nullopt;
}

void Room::join(Outcome& out, const Element& presence, const Jid& from, const std::string& nick,
                Timestamp now) {
  const Element* muc = presence.child("x", ns::kMuc);
  auto held = occupants_.find(nick);
  Occupant* existing = held == occupants_.end() ? nullptr : &held->second;
  std::vector<int> self_codes;
  if (fresh_) {
    if (nick.size() > kMaxNickBytes) {
      reply_error(out, presence,
                  {StanzaCondition::not_acceptable,
                   "nicks are limited to " + std::to_string(kMaxNickBytes) + " bytes"});
      return;
    }
    // XEP-0045 §10.1.1: the creator owns the room, which stays locked until configured.
    // Clients that do not speak MUC (no <x/>) cannot configure it: theirs is an instant room.
    fresh_ = false;
    locked_ = muc != nullptr;
    created_ = now;
    secret_ = ids_.room_secret();
    affiliations_[from.bare_str()] = AffiliationRecord{from.bare_str(), Affiliation::owner, ""};
    out.store(CreateRoom{snapshot()});
    RoomEvent created = event(RoomEventKind::created, from);
    created.actor_nick = nick;
    record_event(out, std::move(created));
    self_codes.push_back(201);
  } else if (std::optional<StanzaError> error = check_entry(from, nick, muc, !existing)) {
    reply_error(out, presence, std::move(*error));
    return;
  }

  Element payload = relayable_payload(presence);
  OccupantSession session{from, kept_payload(payload)};
  if (existing) {
    existing->sessions.push_back(std::move(session));
    occupant_of_session_.add(from, *existing);
    sessions_changed();
  } else {
    Occupant occupant(nick, default_role(affiliation_of(from), config_.moderated),
                      occupant_id(secret_, from.bare_str()));
    occupant.sessions.push_back(std::move(session));
    add_occupant(std::move(occupant));
  }
  const Occupant& self = occupants_.at(nick);
  if (!existing) {
    // Another session of someone present is not a join: the others see a presence update.
    RoomEvent joined = event(RoomEventKind::join, self);
    joined.payload = occupant_presence(self, payload, {}, true, false).str(xmpp::ns::kClient);
    record_event(out, std::move(joined));
  }

  // XEP-0045 §7.2.3: the others learn of the newcomer (its other sessions see an update).
  PresenceFanout fanout = presence_fanout(self, payload, {});
  for (Send& send : fanout.others) {
    out.actions.emplace_back(std::move(send));
  }
  if (fanout.self && self.sessions.size() > 1) {
    std::vector<Jid> other_sessions = fanout.self->to.list();
    std::erase(other_sessions, from);
    fanout.self->to = std::move(other_sessions);
    out.actions.emplace_back(std::move(*fanout.self));
  }
  if (config_.whois == Whois::anyone) {
    self_codes.push_back(100);
  }
  if (config_.enable_logging) {
    self_codes.push_back(170);
  }
  send_join_state(out, self, from, presence, std::move(self_codes), now);
}

void Room::send_join_state(Outcome& out, const Occupant& self, const Jid& session,
                           const Element& presence, std::vector<int> self_codes,
                           Timestamp now) const {
  // §7.2.3: every occupant the newcomer may see, then its own presence last.
  const bool with_jid = sees_real_jid(self.role);
  for (const auto& [nick, other] : occupants_) {
    if (nick != self.nick && sees_presence_of(self.role, other.role)) {
      out.send(occupant_presence(other, other.primary().presence(), {}, with_jid, false), session);
    }
  }
  PresenceDetail detail;
  detail.self_codes = std::move(self_codes);
  const OccupantSession& own = *std::ranges::find(self.sessions, session, &OccupantSession::jid);
  out.send(occupant_presence(self, own.presence(), detail, true, true), session);

  // §7.2.15: history from the archive, then the subject (always, even when empty).
  const Element* muc = presence.child("x", ns::kMuc);
  const Element* history = muc ? muc->child("history", ns::kMuc) : nullptr;
  const std::size_t room_limit =
      std::min<std::size_t>(config_.history_length, settings_.max_history);
  if (std::optional<SendHistory> plan =
          plan_history(parse_history_request(history), room_limit, now, session)) {
    out.actions.emplace_back(std::move(*plan));
  }
  Element subject("message", std::string(xmpp::ns::kClient));
  subject.set_attr("type", "groupchat");
  subject.set_attr("from", subject_.nick.empty() ? jid_.bare_str() : occupant_jid(subject_.nick));
  subject.add_child("subject", std::string(xmpp::ns::kClient)).set_text(subject_.text);
  out.send(std::move(subject), session);
}

void Room::change_nick(Outcome& out, const Element& presence, Occupant& occupant,
                       const std::string& nick) {
  if (occupant.sessions.size() > 1) {
    reply_error(out, presence,
                {StanzaCondition::not_acceptable,
                 "this nick is shared by several of your sessions: leave with the others first"});
    return;
  }
  if (nick.size() > kMaxNickBytes) {
    reply_error(out, presence,
                {StanzaCondition::not_acceptable,
                 "nicks are limited to " + std::to_string(kMaxNickBytes) + " bytes"});
    return;
  }
  if (occupants_.contains(nick)) {
    reply_error(out, presence, {StanzaCondition::conflict, "the nick " + nick + " is in use"});
    return;
  }
  // §7.6: unavailable from the old nick with 303 and the new nick, then available from the new.
  PresenceDetail gone;
  gone.unavailable = true;
  gone.codes = {303};
  gone.new_nick = nick;
  const Element no_payload("presence", std::string(xmpp::ns::kClient));
  RoomEvent renaming = event(RoomEventKind::nick_change, occupant);
  renaming.target_nick = nick;
  renaming.payload =
      occupant_presence(occupant, no_payload, gone, true, false).str(xmpp::ns::kClient);
  record_event(out, std::move(renaming));
  broadcast_presence(out, occupant, no_payload, gone);

  const std::string old_nick = occupant.nick;
  const Element payload = relayable_payload(presence);
  Occupant& renamed = rename_occupant(old_nick, nick);
  renamed.sessions.front().payload = kept_payload(payload);
  broadcast_presence(out, renamed, payload, {});
  if (subject_.nick == old_nick) {
    // The subject keeps showing who set it, under the name they now have.
    subject_.nick = nick;
  }
}

void Room::update_presence(Outcome& out, const Element& presence, Occupant& occupant,
                           const Jid& from) {
  // §7.7: the session that spoke last is the one whose presence the others see.
  auto session = std::ranges::find(occupant.sessions, from, &OccupantSession::jid);
  const Element payload = relayable_payload(presence);
  std::rotate(session, session + 1, occupant.sessions.end());
  sessions_changed();
  occupant.sessions.back().payload = kept_payload(payload);
  broadcast_presence(out, occupant, payload, {});
}

void Room::leave(Outcome& out, const Element& presence, const Jid& from, std::vector<int> codes) {
  Occupant& occupant = *occupant_of_session(from);
  Element payload = relayable_payload(presence);
  PresenceDetail detail;
  detail.codes = std::move(codes);
  if (occupant.sessions.size() == 1) {
    remove_occupant(out, occupant.nick, payload, std::move(detail));
    return;
  }
  // One of several sessions leaves: only it is told; the others stay under the nick.
  Occupant leaving(occupant.nick, occupant.role, occupant.occupant_id());
  leaving.sessions.push_back(OccupantSession{from, nullptr});
  detail.unavailable = true;
  detail.role = Role::none;
  out.send(occupant_presence(leaving, payload, detail, true, true), from);
  drop_session(out, occupant, from);
}

void Room::drop_session(Outcome& out, Occupant& occupant, const Jid& session) {
  const bool was_primary = occupant.primary().jid == session;
  occupant_of_session_.remove(session);
  std::erase_if(occupant.sessions,
                [&session](const OccupantSession& kept) { return kept.jid == session; });
  sessions_changed();
  if (was_primary) {
    broadcast_presence(out, occupant, occupant.primary().presence(), {});
  }
}

}  // namespace stoa::muc
