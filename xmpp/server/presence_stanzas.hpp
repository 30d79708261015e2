#pragma once

#include <string>
#include <string_view>

#include "xmpp/xml_element.hpp"

namespace stoa::xmpp::server {

/// <presence type='…' from='…' to='…'/>; an empty type or 'to' is left out.
Element make_presence(std::string_view type, std::string_view from, std::string_view to);

/// A copy of `stanza` addressed to `to`.
Element addressed(const Element& stanza, std::string_view to);

}  // namespace stoa::xmpp::server
