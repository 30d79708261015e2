#include "xmpp/jid.hpp"

#include <arpa/inet.h>
#include <stringprep.h>

#include <algorithm>
#include <cstring>

#include "xmpp/utf8.hpp"

namespace stoa::xmpp {
namespace {

// RFC 7622 §3.2-3.4: each part is at most 1023 bytes once prepared.
constexpr std::size_t kMaxPartBytes = 1023;
// Preparation can shrink a part (characters mapped to nothing), so the raw part may be longer
// than the prepared one; beyond this bound it is refused without running stringprep at all.
constexpr std::size_t kMaxRawPartBytes = 4 * kMaxPartBytes;

// What a profile does to printable ASCII (0x20-0x7E), which is all most JIDs hold. No character
// there is mapped to nothing (table B.1), unassigned, or bidirectional, so a profile only folds
// case (B.2, nodeprep and nameprep) and prohibits: nodeprep the space (C.1.1) and "&'/:<>@
// (RFC 3920 Appendix A.5); resourceprep and nameprep nothing. Such parts skip libidn, which
// converts to UCS-4 and walks every table: it was 5% of the server's CPU under fan-out.
enum class AsciiRule { fold_and_refuse_node_specials, keep, fold };

bool is_printable_ascii(std::string_view part) {
  return std::all_of(part.begin(), part.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

std::optional<std::string> prepare_printable_ascii(std::string_view part, AsciiRule rule) {
  if (rule == AsciiRule::fold_and_refuse_node_specials &&
      part.find_first_of(" \"&'/:<>@") != std::string_view::npos) {
    return std::nullopt;
  }
  std::string out(part);
  if (rule != AsciiRule::keep) {
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') {
        c = static_cast<char>(c - 'A' + 'a');
      }
    }
  }
  return out;
}

std::optional<std::string> prepare(std::string_view part, const Stringprep_profile* profile,
                                   AsciiRule ascii_rule) {
  if (!part.empty() && part.size() <= kMaxPartBytes && is_printable_ascii(part)) {
    return prepare_printable_ascii(part, ascii_rule);
  }
  // stringprep reads a NUL-terminated string, so a NUL byte would silently cut the part short.
  if (part.empty() || part.size() > kMaxRawPartBytes || !is_valid_utf8(part) ||
      part.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  // stringprep works in place on a NUL-terminated buffer. A result longer than kMaxPartBytes
  // is invalid anyway, so a buffer that holds the input and kMaxPartBytes is always enough:
  // STRINGPREP_TOO_SMALL_BUFFER then means "too long".
  std::string buffer(std::max(part.size(), kMaxPartBytes) + 1, '\0');
  std::memcpy(buffer.data(), part.data(), part.size());
  if (stringprep(buffer.data(), buffer.size(), static_cast<Stringprep_profile_flags>(0), profile) !=
      STRINGPREP_OK) {
    return std::nullopt;
  }
  buffer.resize(std::strlen(buffer.c_str()));
  if (buffer.empty() || buffer.size() > kMaxPartBytes) {
    return std::nullopt;
  }
  return buffer;
}

bool is_ipv6_literal(std::string_view domain) {
  if (domain.size() < 3 || domain.front() != '[' || domain.back() != ']') {
    return false;
  }
  const std::string address(domain.substr(1, domain.size() - 2));
  // inet_pton stops at a NUL byte: without this check "[::1\0anything]" would pass whole.
  if (address.find('\0') != std::string::npos) {
    return false;
  }
  in6_addr parsed{};
  return inet_pton(AF_INET6, address.c_str(), &parsed) == 1;
}

// RFC 3490 §3.1 (kept by RFC 5895 §2.5): the ideographic and fullwidth full stops
// (U+3002, U+FF0E, U+FF61) separate labels like '.', which nameprep does not map.
std::string map_label_separators(std::string_view domain) {
  std::string out;
  out.reserve(domain.size());
  for (std::size_t i = 0; i < domain.size(); ++i) {
    const std::string_view rest = domain.substr(i);
    if (rest.starts_with("\xE3\x80\x82") || rest.starts_with("\xEF\xBC\x8E") ||
        rest.starts_with("\xEF\xBD\xA1")) {
      out += '.';
      i += 2;
    } else {
      out += domain[i];
    }
  }
  return out;
}

// nameprep leaves ASCII punctuation alone (the STD3 rules are the application's job), so
// anything outside letters, digits, '-', '_' and '.' is refused here; '_' is kept because
// service and internal host names use it. Labels may not be empty.
bool is_hostname(std::string_view domain) {
  char previous = '.';
  for (char c : domain) {
    const auto byte = static_cast<unsigned char>(c);
    const bool allowed = byte >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                         c == '-' || c == '_' || c == '.';
    if (!allowed || (c == '.' && previous == '.')) {
      return false;
    }
    previous = c;
  }
  return previous != '.';
}

}  // namespace

std::optional<std::string> nodeprep(std::string_view local) {
  return prepare(local, stringprep_xmpp_nodeprep, AsciiRule::fold_and_refuse_node_specials);
}

std::optional<std::string> resourceprep(std::string_view resource) {
  return prepare(resource, stringprep_xmpp_resourceprep, AsciiRule::keep);
}

std::optional<std::string> nameprep(std::string_view domain) {
  if (domain.starts_with('[')) {
    if (!is_ipv6_literal(domain)) {
      return std::nullopt;
    }
    return std::string(domain);
  }
  std::optional<std::string> prepared =
      prepare(map_label_separators(domain), stringprep_nameprep, AsciiRule::fold);
  if (!prepared) {
    return std::nullopt;
  }
  // RFC 7622 §3.2: a final label separator is stripped.
  if (prepared->ends_with('.')) {
    prepared->pop_back();
  }
  if (prepared->empty() || !is_hostname(*prepared)) {
    return std::nullopt;
  }
  return prepared;
}

std::optional<Jid> Jid::parse(std::string_view text) {
  // RFC 7622 §3.1: the resource starts at the first '/', the local part ends at the first '@'
  // before it; a separator must be followed (or preceded) by a non-empty part.
  std::string_view rest = text;
  std::string_view resource;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    resource = text.substr(slash + 1);
    rest = text.substr(0, slash);
    if (resource.empty()) {
      return std::nullopt;
    }
  }
  std::string_view local;
  std::string_view domain = rest;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    local = rest.substr(0, at);
    domain = rest.substr(at + 1);
    if (local.empty()) {
      return std::nullopt;
    }
  }
  return from_parts(local, domain, resource);
}

std::optional<Jid> Jid::from_parts(std::string_view local, std::string_view domain,
                                   std::string_view resource) {
  Jid jid;
  if (!local.empty()) {
    std::optional<std::string> prepared = nodeprep(local);
    if (!prepared) {
      return std::nullopt;
    }
    jid.local_ = std::move(*prepared);
  }
  std::optional<std::string> prepared_domain = nameprep(domain);
  if (!prepared_domain) {
    return std::nullopt;
  }
  jid.domain_ = std::move(*prepared_domain);
  if (!resource.empty()) {
    std::optional<std::string> prepared = resourceprep(resource);
    if (!prepared) {
      return std::nullopt;
    }
    jid.resource_ = std::move(*prepared);
  }
  return jid;
}

Jid Jid::bare() const {
  Jid copy;
  copy.local_ = local_;
  copy.domain_ = domain_;
  return copy;
}

std::optional<Jid> Jid::with_resource(std::string_view resource) const {
  std::optional<std::string> prepared = resourceprep(resource);
  if (!prepared) {
    return std::nullopt;
  }
  Jid copy = bare();
  copy.resource_ = std::move(*prepared);
  return copy;
}

std::string Jid::str() const {
  std::string out = bare_str();
  if (!resource_.empty()) {
    out += '/';
    out += resource_;
  }
  return out;
}

std::string Jid::bare_str() const {
  std::string out;
  if (!local_.empty()) {
    out.reserve(local_.size() + 1 + domain_.size());
    out += local_;
    out += '@';
  }
  out += domain_;
  return out;
}

}  // namespace stoa::xmpp
