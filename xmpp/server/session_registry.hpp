#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "xmpp/jid.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::xmpp::server {

class C2sSession;
using SessionPtr = std::shared_ptr<C2sSession>;

/// A bound resource as other threads see it: the session and its current presence.
struct BoundResource {
  SessionPtr session;
  Jid jid;
  bool available = false;  ///< has sent initial presence and not gone unavailable
  int priority = 0;
  /// The last available presence broadcast by this resource (answers probes), if any.
  std::shared_ptr<const Element> presence;
  bool carbons = false;  ///< XEP-0280: wants copies of the account's chat messages
};

/// What bind() decided.
struct BindResult {
  enum class Outcome { bound, conflict, too_many_resources } outcome;
  SessionPtr replaced;  ///< a session that held the resource and must now be closed
};

/// Every bound client session of the domain, by bare JID. Shared by all shards: lookups take a
/// shared lock, binds and presence changes an exclusive one.
class SessionRegistry {
 public:
  enum class ConflictPolicy { replace, refuse };

  SessionRegistry(ConflictPolicy policy, unsigned max_resources_per_account)
      : policy_(policy), max_resources_(max_resources_per_account) {}

  BindResult bind(const SessionPtr& session, const Jid& full_jid);
  /// Removes the session if it is still the one bound to its JID.
  void unbind(const SessionPtr& session, const Jid& full_jid);

  std::optional<BoundResource> find(const Jid& full_jid) const;
  /// The session bound to `full_jid`, if any: find() without copying the entry (fan-out).
  SessionPtr find_session(const Jid& full_jid) const;
  /// find_session() for each of `full_jids`, in order (nullptr where none is bound), under one
  /// lock: a room's fan-out looks up every occupant at once.
  std::vector<SessionPtr> find_sessions(const std::vector<Jid>& full_jids) const;
  std::vector<BoundResource> resources(const std::string& bare_jid) const;

  /// Records the presence a resource broadcast; nullptr (with available=false) when it left.
  void set_presence(const Jid& full_jid, bool available, int priority,
                    std::shared_ptr<const Element> presence);

  /// Records whether a resource enabled message carbons (XEP-0280).
  void set_carbons(const Jid& full_jid, bool enabled);

  std::size_t size() const;
  /// Calls `visit` for every bound resource, under the shared lock: keep it short.
  void for_each(const std::function<void(const BoundResource&)>& visit) const;
  /// Drops every entry (at shutdown, once the shards have stopped).
  void clear();

 private:
  /// Applies `change` to the entry of `full_jid`, if bound, under the exclusive lock.
  void update(const Jid& full_jid, const std::function<void(BoundResource&)>& change);

  /// Looks bare JIDs up by string_view, so that a lookup needs no string of its own.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
      return std::hash<std::string_view>{}(key);
    }
  };
  using ByBare =
      std::unordered_map<std::string, std::vector<BoundResource>, KeyHash, std::equal_to<>>;
  /// The entry of `full_jid`'s bare JID.
  ByBare::const_iterator find_bare(const Jid& full_jid) const;
  /// find_session() for a caller that holds the lock.
  SessionPtr find_session_locked(const Jid& full_jid) const;

  ConflictPolicy policy_;
  unsigned max_resources_;
  mutable std::shared_mutex mutex_;
  ByBare by_bare_;
  std::size_t count_ = 0;
};

}  // namespace stoa::xmpp::server
