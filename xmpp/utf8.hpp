#pragma once

#include <string_view>

namespace stoa::xmpp {

/// True when `text` is well-formed UTF-8 (RFC 3629: shortest form, no surrogates, at most
/// U+10FFFF) and contains no NUL, which no XMPP string may carry.
bool is_valid_utf8(std::string_view text);

}  // namespace stoa::xmpp
