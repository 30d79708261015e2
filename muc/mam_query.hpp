#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>

#include "muc/mam_store.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stanza_error.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::muc {

/// The full-text field of XEP-0431 in the MAM form.
inline constexpr std::string_view kFulltextField = "{urn:xmpp:fulltext:0}fulltext";

/// Whether a form field is the full-text search: XEP-0431's, or one of the names servers gave
/// it before (ejabberd's 'withtext', MongooseIM's 'full-text-search'), which clients still send.
bool is_fulltext_field(const std::string& var);

/// A search text as given (web-search syntax, see ArchiveQuery::fulltext); bad-request when
/// it is longer than a person types.
std::variant<std::string, xmpp::StanzaError> parse_fulltext(std::string text);

/// Whether the archive can store `time`: the years 1 to 9999, where PostgreSQL and XEP-0082
/// agree.
bool in_archive_years(Timestamp time);

/// The value of a 'start' or 'end' form field (named `var`): an XEP-0082 DateTime the archive
/// can store; bad-request otherwise.
std::variant<Timestamp, xmpp::StanzaError> parse_archive_time(const std::string& var,
                                                              const std::string& value);

/// A MAM request (XEP-0313) the room has allowed, for its host to carry out against the
/// archive (see serve_archive()) without holding up the room.
struct ServeArchive {
  xmpp::Jid to;       ///< the requesting session
  std::string iq_id;  ///< id of the request, for the IQ result
  /// Archive metadata (XEP-0313, Archive metadata) rather than a query.
  bool metadata = false;
  std::optional<std::string> query_id;  ///< queryid, echoed in every result
  ArchiveQuery query;
  bool flip = false;  ///< <flip-page/>: the page is sent newest first
  /// Results show every sender's real JID (whois); otherwise only the requester's own.
  bool show_real_jids = false;
  std::string requester;  ///< the requester's bare JID
};

/// A MAM query as read from the stanza, before the room has checked who may ask it.
struct MamRequest {
  std::optional<std::string> query_id;
  ArchiveQuery query;
  bool flip = false;
  /// 'with' names a real JID rather than an occupant of the room: only those who may see real
  /// JIDs may filter by it (XEP-0313, Filtering by JID).
  bool filters_by_real_jid = false;
};

/// Reads the <query xmlns='urn:xmpp:mam:2'/> of an IQ set to `room` (a bare room JID): the
/// data form (start, end, with, before-id, after-id, ids, and XEP-0431's
/// {urn:xmpp:fulltext:0}fulltext, also under its older names 'withtext' and
/// 'full-text-search'), the RSM <set/> and <flip-page/>.
/// 'with' set to an occupant JID of the room filters by nick, any other JID by the sender's
/// real bare JID. A missing <max/> asks for `max_page` entries, a larger one is capped at it;
/// 'ids' may name at most `max_page` entries (all fit on one page).
/// bad-request names what is malformed; feature-not-implemented answers form fields and RSM
/// <index/>, which are not supported.
std::variant<MamRequest, xmpp::StanzaError> parse_mam_query(const xmpp::Element& query,
                                                            const xmpp::Jid& room,
                                                            std::size_t max_page);

/// The <query/> answering an IQ get: the form fields a query may use (XEP-0313,
/// Retrieving form fields).
xmpp::Element mam_query_form();

/// The <forwarded/> (XEP-0297) of an archived entry, as MAM results carry it: the archived
/// message with its delay stamp, without 'to' or any muc#user <x/> of its own, plus the
/// sender's real JID in a muc#user <item/> when `real_jid` is not empty. nullopt when the
/// archived stanza does not parse.
std::optional<xmpp::Element> forwarded_entry(const ArchiveEntry& entry,
                                             const std::string& real_jid);

/// The <message/> carrying one result (XEP-0313, Query results and MUC archives), from the room:
/// the archived message forwarded with its delay stamp, without 'to' or any muc#user <x/> of
/// its own, plus the sender's real JID in a muc#user <item/> when `real_jid` is not empty.
/// nullopt when the archived stanza does not parse.
std::optional<xmpp::Element> mam_result_message(const ArchiveEntry& entry, const std::string& room,
                                                const std::optional<std::string>& query_id,
                                                const std::string& real_jid);

/// The <fin/> of a query's IQ result: RSM <first/> with its index, <last/> and <count/> (those
/// the page knows), and complete='true' on the last page.
xmpp::Element mam_fin(const ArchivePage& page);

/// The <metadata/> answering a metadata request: <start/> and <end/>, or nothing for an
/// empty archive.
xmpp::Element mam_metadata(const ArchiveMetadata& metadata);

}  // namespace stoa::muc
