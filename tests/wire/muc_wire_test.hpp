#pragma once

// Shared pieces of the over-the-wire MUC tests (XEP-0045 and the extensions the service speaks):
// the fixture that starts stoad with a MUC service and a few users, and readers for what rooms
// send. The tests assert what XEP-0045 requires, not what the implementation happens to do.

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tests/wire/wire_test.hpp"

namespace stoa::test {

inline const std::string kService = "conference.localhost";
inline const std::string kCarol = "carol@localhost";
inline const std::string kDave = "dave@localhost";
/// A service administrator (server.admins): owner of every room.
inline const std::string kBoss = "boss@localhost";

inline constexpr std::string_view kMucNs = "http://jabber.org/protocol/muc";
inline constexpr std::string_view kMucUserNs = "http://jabber.org/protocol/muc#user";
inline constexpr std::string_view kMucAdminNs = "http://jabber.org/protocol/muc#admin";
inline constexpr std::string_view kMucOwnerNs = "http://jabber.org/protocol/muc#owner";
inline constexpr std::string_view kDataNs = "jabber:x:data";
inline constexpr std::string_view kDiscoInfoNs = "http://jabber.org/protocol/disco#info";
inline constexpr std::string_view kDiscoItemsNs = "http://jabber.org/protocol/disco#items";
inline constexpr std::string_view kRsmNs = "http://jabber.org/protocol/rsm";
inline constexpr std::string_view kStanzaIdNs = "urn:xmpp:sid:0";
inline constexpr std::string_view kOccupantIdNs = "urn:xmpp:occupant-id:0";
inline constexpr std::string_view kDelayNs = "urn:xmpp:delay";

/// A field of a submitted data form (XEP-0004): its var and values.
struct FormField {
  std::string var;
  std::vector<std::string> values;
};
using Form = std::vector<FormField>;

/// `room`@conference.localhost.
std::string room_jid(std::string_view room);
/// The occupant JID room@service/nick.
std::string occupant_jid(std::string_view room, std::string_view nick);

/// The status codes of the muc#user <x/> of a stanza.
std::set<int> status_codes(const xmpp::Element& stanza);
/// The <item/> of the muc#user <x/> of a stanza, or null.
const xmpp::Element* muc_user_item(const xmpp::Element& stanza);
/// The jabber:x:data form directly inside `parent` (an <x/> child), or null.
const xmpp::Element* data_form(const xmpp::Element& parent);
/// The field `var` of a form, or null.
const xmpp::Element* form_field(const xmpp::Element& form, std::string_view var);
/// The first value of the field `var`, "" when absent.
std::string form_value(const xmpp::Element& form, std::string_view var);
/// A submitted form of FORM_TYPE `form_type` as XML.
std::string form_xml(const Form& fields, std::string_view form_type);

/// Presence from exactly the occupant JID, of `type` ("" for available).
StanzaPredicate occupant_presence(std::string room, std::string nick, std::string type);
/// The self-presence (status 110, XEP-0045 §7.2.2) of `nick` entering or in `room`.
StanzaPredicate self_presence(std::string room, std::string nick);
/// A presence error from the occupant JID (a refused entry).
StanzaPredicate presence_error(std::string room, std::string nick);
/// A groupchat message from an occupant of `room` with this body.
StanzaPredicate groupchat(std::string room, std::string body);
/// The subject message of `room` (XEP-0045 §8.1): groupchat with <subject/>, no <body/>.
StanzaPredicate subject_message(std::string room);
/// The same, with this subject text.
StanzaPredicate subject_message(std::string room, std::string subject);

class MucTest : public WireTest {
 protected:
  /// Starts stoad with the accounts alice, bob, carol, dave and boss (the service admin).
  testing::AssertionResult start_muc(StoadSettings overrides = {});
  /// start_muc(), then alice logs in and creates the instant room `room` as Alice.
  testing::AssertionResult alice_in_new_room(XmppClient& alice, std::string_view room);
  /// alice_in_new_room(), then bob logs in and joins the room as Bob.
  testing::AssertionResult alice_and_bob_in_room(XmppClient& alice, XmppClient& bob,
                                                 std::string_view room);

  /// Sends the presence that enters or creates a room; `x_content` goes inside the muc <x/>.
  void send_join(XmppClient& client, std::string_view room, std::string_view nick,
                 std::string_view x_content = "");
  /// Enters and returns the self-presence; nullopt (with the reason logged) when none came.
  std::optional<xmpp::Element> join(XmppClient& client, std::string_view room,
                                    std::string_view nick, std::string_view x_content = "");
  /// Enters expecting a refusal; returns the error condition ("" when none came).
  std::string join_refused(XmppClient& client, std::string_view room, std::string_view nick,
                           std::string_view x_content = "");
  /// Leaves and waits for the unavailable self-presence.
  testing::AssertionResult leave(XmppClient& client, std::string_view room, std::string_view nick);

  /// Creates an instant room (§10.1.2): enters, expects 201, accepts the default configuration.
  testing::AssertionResult create_instant_room(XmppClient& owner, std::string_view room,
                                               std::string_view nick);
  /// Creates a reserved room (§10.1.3): enters, expects 201, submits `fields`.
  testing::AssertionResult create_room(XmppClient& owner, std::string_view room,
                                       std::string_view nick, const Form& fields);

  /// Requests the configuration form (§10.2); returns the reply.
  std::optional<xmpp::Element> config_form(XmppClient& client, std::string_view room);
  /// Submits a configuration form; returns the reply.
  std::optional<xmpp::Element> configure(XmppClient& client, std::string_view room,
                                         const Form& fields);
  /// A muc#admin query of `type` with `items` (XML) to the room; returns the reply.
  std::optional<xmpp::Element> admin_query(XmppClient& client, std::string_view room,
                                           std::string_view type, std::string_view items);
  /// A muc#owner query of `type` with `content` (XML); returns the reply.
  std::optional<xmpp::Element> owner_query(XmppClient& client, std::string_view room,
                                           std::string_view type, std::string_view content);
  /// disco#info of `jid`; returns the reply.
  std::optional<xmpp::Element> disco_info(XmppClient& client, std::string_view jid);
  /// disco#items of `jid` with `content` (e.g. an RSM <set/>) in the query; returns the reply.
  std::optional<xmpp::Element> disco_items(XmppClient& client, std::string_view jid,
                                           std::string_view content = "");

  /// Sends a groupchat message to the room.
  void say(XmppClient& client, std::string_view room, std::string_view body);
  /// Sends a groupchat message and waits for its reflection to the sender (§7.4).
  std::optional<xmpp::Element> say_and_wait(XmppClient& client, std::string_view room,
                                            std::string_view body);
  /// Whether a stanza matching `predicate` is already queued for `client` (taking it). Used
  /// after a later stanza from the same room has arrived: the room sends in order, so what it
  /// sent before is queued by then.
  static bool already_received(XmppClient& client, const StanzaPredicate& predicate);
  /// The room's archive as one unfiltered MAM query returns it: the forwarded <message/>s,
  /// oldest first (at most muc.mam_max_page of them).
  std::vector<xmpp::Element> archived_messages(XmppClient& client, std::string_view room);
};

}  // namespace stoa::test
