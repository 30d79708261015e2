#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace stoa::xmpp {

/// A JID (RFC 7622) whose parts have been prepared with the stringprep XMPP profiles
/// (nodeprep, nameprep, resourceprep): two Jids are equal exactly when they address the
/// same entity.
class Jid {
 public:
  Jid() = default;

  /// Parses and prepares `text`; nullopt when it is not a valid JID (empty or oversized part,
  /// forbidden character, failed preparation).
  static std::optional<Jid> parse(std::string_view text);
  /// Builds from parts, preparing each (an empty local part or resource means none); nullopt
  /// when a part is invalid.
  static std::optional<Jid> from_parts(std::string_view local, std::string_view domain,
                                       std::string_view resource = {});

  const std::string& local() const { return local_; }
  const std::string& domain() const { return domain_; }
  const std::string& resource() const { return resource_; }
  bool is_bare() const { return resource_.empty(); }
  bool is_domain() const { return local_.empty() && resource_.empty(); }
  bool empty() const { return domain_.empty(); }

  Jid bare() const;
  /// This JID with another resource; nullopt when the resource is empty or fails resourceprep.
  std::optional<Jid> with_resource(std::string_view resource) const;

  /// local@domain/resource, each part present only when non-empty.
  std::string str() const;
  std::string bare_str() const;

  friend bool operator==(const Jid&, const Jid&) = default;

 private:
  std::string local_;
  std::string domain_;
  std::string resource_;
};

/// Prepares a local part (nodeprep); nullopt when empty, too long or invalid. Exposed for
/// usernames given to SASL and to the admin CLI.
std::optional<std::string> nodeprep(std::string_view local);
/// Prepares a domain part: a bracketed IPv6 literal is kept as written; anything else goes
/// through nameprep, loses one trailing dot and must then be a host name.
std::optional<std::string> nameprep(std::string_view domain);
/// Prepares a resource part (resourceprep); nullopt when empty, too long or invalid.
std::optional<std::string> resourceprep(std::string_view resource);

}  // namespace stoa::xmpp

template <>
struct std::hash<stoa::xmpp::Jid> {
  std::size_t operator()(const stoa::xmpp::Jid& jid) const noexcept {
    return std::hash<std::string>{}(jid.str());
  }
};
