#pragma once

#include <string>
#include <string_view>

#include "xmpp/stream_error.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::xmpp::server {

/// The XML declaration and opening <stream:stream> tag a server sends (RFC 6120 §4.7).
std::string stream_header(std::string_view content_xmlns, std::string_view from,
                          std::string_view id);
/// <stream:features> with the children of `features`.
std::string stream_features(const Element& features);
/// <stream:error> with its condition and text, followed by the closing stream tag.
std::string stream_error(StreamCondition condition, std::string_view text);

}  // namespace stoa::xmpp::server
