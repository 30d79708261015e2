#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "muc/data_form.hpp"
#include "muc/id_generator.hpp"
#include "muc/muc_store.hpp"
#include "muc/occupant.hpp"
#include "muc/outcome.hpp"
#include "muc/service_settings.hpp"
#include "muc/session_index.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stanza_error.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::muc {

/// What the service directory shows of a room.
struct RoomListing {
  std::string jid;
  std::string name;     ///< the configured name, or the room's local part
  bool listed = false;  ///< public and not locked: shown in the service's disco#items
  bool persistent = false;
  std::size_t occupants = 0;
  std::vector<std::string> owners;  ///< bare JIDs with the owner affiliation
};

/// How an occupant's presence is shown in one broadcast (XEP-0045 §7).
struct PresenceDetail {
  bool unavailable = false;
  std::vector<int> codes;       ///< status codes for everyone
  std::vector<int> self_codes;  ///< extra status codes for the occupant itself (110 implied)
  std::string new_nick;         ///< item nick (303)
  std::string actor_nick;       ///< <actor nick/> of a kick, ban or role change
  std::string reason;           ///< <reason/> of the same
  std::optional<Affiliation> affiliation;  ///< shown instead of the current one
  std::optional<Role> role;                ///< shown instead of the current one
  const xmpp::Element* destroy = nullptr;  ///< <destroy/> of a destroyed room
  /// The role that decides who sees it (the role before leaving, for an unavailable presence).
  std::optional<Role> visible_as;
};

/// Who is shown a presence about an occupant: the sessions of the others allowed to see it,
/// split by whether they see real JIDs.
struct Audience {
  Recipients with_jid;
  Recipients without_jid;
};

/// Presences about one occupant: the copies for the others, and the one for its own sessions.
struct PresenceFanout {
  std::vector<Send> others;
  std::optional<Send> self;
};

/// One XEP-0045 room: pure state machine. Stanzas (already stamped with a trusted 'from') and
/// the current time go in; an Outcome (stanzas to send, store operations) comes out. No I/O,
/// no clock, no threads: its host runs it on one worker and carries out the outcomes in order.
class Room {
 public:
  /// A room that does not exist yet: the first available presence to it creates it, with its
  /// sender as owner. Whether that sender may create rooms is the service's decision.
  Room(xmpp::Jid jid, const ServiceSettings& settings, IdGenerator& ids);
  /// A room loaded from the store.
  Room(StoredRoom stored, const ServiceSettings& settings, IdGenerator& ids);
  /// Moved, never copied: its nick keys and session index point into its own occupants.
  Room(Room&&) = default;
  Room(const Room&) = delete;
  Room& operator=(const Room&) = delete;

  /// Handles a stanza addressed to the room or to one of its occupants.
  Outcome handle(const xmpp::Element& stanza, Timestamp now);
  /// The administrator takes an archived message down through the service (stoactl message
  /// remove): a tombstone, or `replacement` as its new body. The occupants are told; the event
  /// is a removal. The outcome's ModerateArchive finds out whether the message exists.
  Outcome moderate_as_service(std::string stanza_id, std::optional<std::string> replacement,
                              std::string reason, Timestamp now);
  /// Sessions that have no stream any more (closed, or a delivery found no session): each
  /// leaves as if it had sent unavailable presence, except that none of them is told of the
  /// others' leaving (see the definition).
  Outcome sessions_gone(const std::vector<xmpp::Jid>& sessions, Timestamp now);

  const xmpp::Jid& jid() const { return jid_; }
  /// Not created yet (see the first constructor).
  bool is_fresh() const { return fresh_; }
  /// Created but not configured yet (XEP-0045 §10.1.1): only owners may enter.
  bool is_locked() const { return locked_; }
  std::size_t occupant_count() const { return occupants_.size(); }
  RoomListing listing() const;
  const RoomConfig& config() const { return config_; }
  const RoomSubject& subject() const { return subject_; }
  /// The affiliation that applies to a user: service admins are owners everywhere; then the
  /// entry for the full JID, the bare JID, or the domain.
  Affiliation affiliation_of(const xmpp::Jid& user) const;
  const Occupant* occupant(std::string_view nick) const;
  /// Everything the store keeps of the room.
  StoredRoom snapshot() const;

 private:
  // room.cpp: helpers shared by every concern.
  Occupant* occupant_of_session(const xmpp::Jid& session);
  const Occupant* occupant_of_session(const xmpp::Jid& session) const;
  /// Puts a new occupant, with its first session, in the room.
  Occupant& add_occupant(Occupant occupant);
  /// Gives an occupant another nick; it stays where it is, so that the index stays right.
  Occupant& rename_occupant(std::string_view nick, std::string new_nick);
  bool is_service_admin(const xmpp::Jid& user) const;
  bool is_large() const;
  bool sees_presence_of(Role viewer, Role subject) const;
  bool sees_real_jid(Role viewer) const;
  /// Every session in the room: one list, shared by the sends, until sessions_changed().
  Recipients all_sessions() const;
  /// To be called on every change to the occupants, their nicks or their sessions.
  void sessions_changed() { all_sessions_.reset(); }
  std::vector<xmpp::Jid> moderator_sessions() const;
  std::string occupant_jid(std::string_view nick) const;
  std::vector<std::string> jids_with(Affiliation affiliation) const;
  xmpp::Element occupant_presence(const Occupant& occupant, const xmpp::Element& payload,
                                  const PresenceDetail& detail, bool with_jid, bool self) const;
  /// The audience of a presence about an occupant shown as `visible_as`, but for `except_nick`.
  Audience audience(Role visible_as, std::string_view except_nick) const;
  /// The presences telling everyone who may see it about `occupant`.
  PresenceFanout presence_fanout(const Occupant& occupant, const xmpp::Element& payload,
                                 const PresenceDetail& detail) const;
  /// The same, to an audience already known.
  PresenceFanout presence_fanout(const Occupant& occupant, const xmpp::Element& payload,
                                 const PresenceDetail& detail, const Audience& audience) const;
  /// Sends presence_fanout(): to the others first, the occupant's own sessions last.
  void broadcast_presence(Outcome& out, const Occupant& occupant, const xmpp::Element& payload,
                          const PresenceDetail& detail) const;
  void reply_error(Outcome& out, const xmpp::Element& stanza, xmpp::StanzaError error) const;
  void reply_result(Outcome& out, const xmpp::Element& iq,
                    std::optional<xmpp::Element> payload = std::nullopt) const;
  /// `detail` for an unavailable presence about the occupant, shown to whoever saw it there.
  static PresenceDetail leaving_detail(const Occupant& occupant, PresenceDetail detail);
  /// Removes the occupant, records its leave, and returns the unavailable presences to send
  /// about it.
  PresenceFanout take_out(Outcome& out, std::string nick, const xmpp::Element& payload,
                          PresenceDetail detail);
  /// take_out(), sent at once, then drop_if_unused().
  void remove_occupant(Outcome& out, std::string nick, const xmpp::Element& payload,
                       PresenceDetail detail);
  /// Records an affiliation set by the session `actor` (a store operation and its event) and
  /// applies it to the user's occupants: new role, or removal. Returns the presences to send.
  std::vector<PresenceFanout> apply_affiliation(Outcome& out, const std::string& jid,
                                                Affiliation affiliation, const std::string& reason,
                                                const xmpp::Jid& actor);
  /// Sends fan-outs with every occupant's own copy first, then `between` (an IQ result), then
  /// the copies for the others (the order of XEP-0045 §8.2 for kicks).
  static void send_ordered(Outcome& out, std::vector<PresenceFanout> fanouts,
                           std::optional<Send> between);
  /// Ends a temporary room without occupants.
  void drop_if_unused(Outcome& out);

  // room_presence.cpp: join, leave, nick change, presence updates (XEP-0045 §7.1-7.7, §7.14).
  void on_presence(Outcome& out, const xmpp::Element& presence, const xmpp::Jid& from,
                   const xmpp::Jid& to, Timestamp now);
  void join(Outcome& out, const xmpp::Element& presence, const xmpp::Jid& from,
            const std::string& nick, Timestamp now);
  void send_join_state(Outcome& out, const Occupant& self, const xmpp::Jid& session,
                       const xmpp::Element& presence, std::vector<int> self_codes,
                       Timestamp now) const;
  void change_nick(Outcome& out, const xmpp::Element& presence, Occupant& occupant,
                   const std::string& nick);
  void update_presence(Outcome& out, const xmpp::Element& presence, Occupant& occupant,
                       const xmpp::Jid& from);
  void leave(Outcome& out, const xmpp::Element& presence, const xmpp::Jid& from,
             std::vector<int> codes);
  /// Takes one of an occupant's several sessions out, telling it nothing; the others see the
  /// occupant's presence again if that session's was the one shown.
  void drop_session(Outcome& out, Occupant& occupant, const xmpp::Jid& session);
  std::optional<xmpp::StanzaError> check_entry(const xmpp::Jid& from, const std::string& nick,
                                               const xmpp::Element* muc, bool new_occupant) const;

  // room_message.cpp: groupchat, subject, private messages (§7.4-7.5, §8.1).
  void on_message(Outcome& out, const xmpp::Element& message, const xmpp::Jid& from,
                  const xmpp::Jid& to, Timestamp now);
  void groupchat(Outcome& out, const xmpp::Element& message, const Occupant& sender, Timestamp now);
  void change_subject(Outcome& out, const xmpp::Element& message, const Occupant& sender,
                      Timestamp now);
  void private_message(Outcome& out, const xmpp::Element& message, const Occupant* sender,
                       const std::string& nick);

  // room_invite.cpp: mediated invitations and declines (§7.8.2), voice requests (§7.13, §8.6).
  void invite(Outcome& out, const xmpp::Element& message, const xmpp::Element& x,
              const xmpp::Jid& from);
  void decline(Outcome& out, const xmpp::Element& message, const xmpp::Element& x,
               const xmpp::Jid& from);
  void voice_request(Outcome& out, const xmpp::Element& message, const xmpp::Element& form,
                     const xmpp::Jid& from);

  // room_admin.cpp: roles and affiliations (§8, §9).
  void on_admin(Outcome& out, const xmpp::Element& iq, const xmpp::Element& query,
                const xmpp::Jid& from);
  void admin_list(Outcome& out, const xmpp::Element& iq, const xmpp::Element& query,
                  const xmpp::Jid& from);
  void admin_set(Outcome& out, const xmpp::Element& iq, const xmpp::Element& query,
                 const xmpp::Jid& from);
  /// Whether `actor` may give `target` the role; nullopt when it may.
  std::optional<xmpp::StanzaError> check_role_change(const xmpp::Jid& actor, const Occupant& target,
                                                     Role role) const;
  /// Changes the occupant's role (none: kicks it) for the session `actor`, records the change,
  /// and returns the presences to send.
  PresenceFanout apply_role(Outcome& out, const std::string& nick, Role role,
                            const std::string& reason, const xmpp::Jid& actor);

  // room_owner.cpp: configuration and destruction (§10).
  void on_owner(Outcome& out, const xmpp::Element& iq, const xmpp::Element& query,
                const xmpp::Jid& from);
  void submit_config(Outcome& out, const xmpp::Element& iq, const DataForm& form,
                     const xmpp::Jid& from);
  void destroy(Outcome& out, const xmpp::Element* destroy, const xmpp::Element& iq,
               const xmpp::Jid& from);

  // room_events.cpp: compliance events (design.md "The compliance path").
  /// An event done by the session `actor`: its real bare JID, and its nick while it is an
  /// occupant; stamped with the time of the input being handled.
  RoomEvent event(RoomEventKind kind, const xmpp::Jid& actor) const;
  /// An event done by an occupant (join, leave, nick change).
  RoomEvent event(RoomEventKind kind, const Occupant& actor) const;
  /// An event of the room itself (no actor).
  RoomEvent room_event(RoomEventKind kind) const;
  /// Adds a RecordEvent action: it comes before the sends that follow it.
  static void record_event(Outcome& out, RoomEvent event);

  // room_disco.cpp: service discovery of the room, pings (§6, XEP-0410).
  void on_iq(Outcome& out, const xmpp::Element& iq, const xmpp::Jid& from, const xmpp::Jid& to);
  void disco_info(Outcome& out, const xmpp::Element& iq, const xmpp::Element& query,
                  const xmpp::Jid& from);
  void disco_items(Outcome& out, const xmpp::Element& iq, const xmpp::Element& query,
                   const xmpp::Jid& from);

  // room_mam.cpp: the archive through MAM (XEP-0313): access, whois, the query to run.
  void on_mam(Outcome& out, const xmpp::Element& iq, const xmpp::Element& payload,
              const xmpp::Jid& from);

  // room_moderate.cpp: moderated message retraction (XEP-0425).
  static bool is_moderation_request(const xmpp::Element& iq);
  void moderate(Outcome& out, const xmpp::Element& iq, const xmpp::Jid& from, Timestamp now);

  xmpp::Jid jid_;
  const ServiceSettings& settings_;
  IdGenerator& ids_;
  bool fresh_ = false;
  bool locked_ = false;
  bool gone_ = false;
  /// The time of the input being handled (handle(), sessions_gone()): stamps its events.
  Timestamp now_{};
  RoomConfig config_;
  RoomSubject subject_;
  std::string secret_;
  Timestamp created_{};
  /// Affiliations other than none, by JID (bare, full or domain).
  std::map<std::string, AffiliationRecord> affiliations_;
  /// By nick: the key views the occupant's own nick (map nodes stay where they are).
  std::map<std::string_view, Occupant> occupants_;
  SessionIndex occupant_of_session_;
  /// all_sessions() as last built; null: to be built again.
  mutable std::shared_ptr<const std::vector<xmpp::Jid>> all_sessions_;
};

}  // namespace stoa::muc
