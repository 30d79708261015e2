#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace stoa::muc {

/// Who may create rooms on a MUC service.
enum class RoomCreation {
  anyone,  ///< every user of the local domain
  admins,  ///< the service administrators only
  list,    ///< the administrators and the users in ServiceSettings::room_creators
};

/// The service-wide settings a room applies (from the [muc] section of the configuration).
struct ServiceSettings {
  std::string domain;         ///< the service's domain, e.g. "conference.example.org"
  std::string server_domain;  ///< the local users' domain, e.g. "example.org"
  /// Bare JIDs of the service administrators: owners of every room.
  std::vector<std::string> admins;
  RoomCreation room_creation = RoomCreation::anyone;
  std::vector<std::string> room_creators;  ///< bare JIDs allowed with RoomCreation::list
  unsigned max_rooms_per_user = 100;       ///< rooms one user may own (create) at once
  unsigned max_occupants_per_room = 5000;  ///< hard limit, whatever the room's maxusers says
  /// Above this many occupants, joins, leaves and presence changes of occupants who are not
  /// moderators are sent to moderators only (Lync's participant update limit).
  unsigned participant_update_limit = 75;
  unsigned default_history = 20;  ///< history_length of a new room
  unsigned max_history = 100;     ///< the most history messages a room may send on join
  /// The most archive entries one MAM query returns (XEP-0313): a larger <max/> is capped, and
  /// a query without one gets this many.
  unsigned mam_max_page = 100;
  std::size_t max_affiliations_per_room = 10000;
  /// Days the archive keeps a message of a room that sets no retention of its own; 0: forever.
  unsigned retention_days = 0;
  /// The longest retention a room may set; 0: no limit.
  unsigned max_retention_days = 0;
  /// The most groupchat messages of one room being stored at once (pipelined commits).
  unsigned max_pending_stores = 64;
};

}  // namespace stoa::muc
