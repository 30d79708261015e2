// Building the compliance events a room records (design.md "The compliance path").

#include "muc/room.hpp"

namespace stoa::muc {

using xmpp::Jid;

RoomEvent Room::event(RoomEventKind kind, const Jid& actor) const {
  RoomEvent event = room_event(kind);
  event.actor_jid = actor.bare_str();
  if (const Occupant* occupant = occupant_of_session(actor)) {
    event.actor_nick = occupant->nick;
  }
  return event;
}

RoomEvent Room::event(RoomEventKind kind, const Occupant& actor) const {
  RoomEvent event = room_event(kind);
  event.actor_jid = actor.real_bare_jid();
  event.actor_nick = actor.nick;
  return event;
}

RoomEvent Room::room_event(RoomEventKind kind) const {
  RoomEvent event;
  event.kind = kind;
  event.at = now_;
  return event;
}

void Room::record_event(Outcome& out, RoomEvent event) {
  out.store(RecordEvent{std::move(event)});
}

}  // namespace stoa::muc
