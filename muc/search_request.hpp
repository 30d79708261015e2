#pragma once

// The Stoa search across rooms (docs/search.md): an IQ to the MUC service with
// <query xmlns='urn:stoa:search:0'/>, answered like a MAM query with one message per result
// and an IQ result holding <fin/>.

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "muc/search_store.hpp"
#include "muc/service_settings.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::muc {

/// A search the service accepted, for it to carry out (serve_search()) beside its other work.
struct ServeSearch {
  xmpp::Jid to;                         ///< the requesting session
  std::string iq_id;                    ///< id of the request, for the IQ result
  std::optional<std::string> query_id;  ///< queryid, echoed in every result
  SearchScope scope;
  SearchQuery query;
};

/// Whether `stanza` is a request of the search extension: an IQ get or set whose payload is
/// <query xmlns='urn:stoa:search:0'/>.
bool is_search_request(const xmpp::Element& stanza);

/// Reads a search request (see is_search_request()) from `from` to the service of
/// `settings`. A get is answered at once with the search form; a set becomes a ServeSearch;
/// a malformed one is answered with an error (bad-request names what is wrong;
/// feature-not-implemented answers unknown fields and RSM <index/>). Answers have 'to' set.
std::variant<xmpp::Element, ServeSearch> read_search_request(const xmpp::Element& iq,
                                                             const xmpp::Jid& from,
                                                             const ServiceSettings& settings);

/// The RSM id of a result: its place in the archive order, "<microseconds>.<sequence>".
std::string format_search_cursor(const SearchPosition& position);
/// nullopt when `text` is not a cursor format_search_cursor() could have made.
std::optional<SearchPosition> parse_search_cursor(std::string_view text);

/// The <message/> carrying one result from the service `service`: a <result/> naming the
/// room and the message's stanza-id, holding the message forwarded (XEP-0297) as MAM does,
/// with the sender's real JID when the hit shows it or the sender is `requester` (a bare JID).
/// nullopt when the archived stanza does not parse.
std::optional<xmpp::Element> search_result_message(const SearchHit& hit, const std::string& service,
                                                   const std::optional<std::string>& query_id,
                                                   const std::string& requester);

/// The <fin/> of a search's IQ result: RSM <first/> (with its index), <last/> and <count/>
/// (those the page knows), and complete='true' on the last page.
xmpp::Element search_fin(const SearchPage& page);

}  // namespace stoa::muc
