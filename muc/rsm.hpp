#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "xmpp/stanza_error.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::muc {

/// An XEP-0059 result set request (<set xmlns='http://jabber.org/protocol/rsm'/>).
struct RsmRequest {
  std::optional<std::size_t> max;
  std::optional<std::string> after;
  std::optional<std::string> before;  ///< "" asks for the last page
  std::optional<std::size_t> index;
};

/// Reads a <set/>; bad-request when a number is malformed.
std::variant<RsmRequest, xmpp::StanzaError> parse_rsm(const xmpp::Element& set);

/// The slice of a result list to return: items [begin, end) of the whole list.
struct RsmPage {
  std::size_t begin = 0;
  std::size_t end = 0;
};

/// Selects the page `request` asks for in `keys` (the whole result list, sorted by key),
/// returning at most `limit` items whatever max says. item-not-found when after/before name
/// no item.
std::variant<RsmPage, xmpp::StanzaError> select_page(const std::vector<std::string>& keys,
                                                     const RsmRequest& request, std::size_t limit);

/// The <set/> answering a page: first (with its index), last and the total count.
xmpp::Element rsm_result(const std::vector<std::string>& keys, const RsmPage& page);
/// The <set/> answering one page whose first and last items have the keys `first` and `last`
/// (both empty for an empty page), with the first item's index and the total when known.
xmpp::Element rsm_page_set(std::string_view first, std::string_view last,
                           std::optional<std::uint64_t> first_index,
                           std::optional<std::uint64_t> count);

}  // namespace stoa::muc
