#include "xmpp/server/session_registry.hpp"

#include <algorithm>

namespace stoa::xmpp::server {

SessionRegistry::ByBare::const_iterator SessionRegistry::find_bare(const Jid& full_jid) const {
  // Reused by every lookup of this thread: bare_str() would allocate on each one.
  thread_local std::string key;
  key.clear();
  if (!full_jid.local().empty()) {
    key.append(full_jid.local()).append("@");
  }
  key.append(full_jid.domain());
  return by_bare_.find(std::string_view(key));
}

BindResult SessionRegistry::bind(const SessionPtr& session, const Jid& full_jid) {
  std::unique_lock lock(mutex_);
  auto& resources = by_bare_[full_jid.bare_str()];
  auto same = std::find_if(resources.begin(), resources.end(),
                           [&](const BoundResource& r) { return r.jid == full_jid; });
  if (same != resources.end()) {
    if (policy_ == ConflictPolicy::refuse) {
      return {BindResult::Outcome::conflict, nullptr};
    }
    SessionPtr replaced = std::move(same->session);
    *same = BoundResource{session, full_jid, false, 0, nullptr, false};
    return {BindResult::Outcome::bound, std::move(replaced)};
  }
  if (resources.size() >= max_resources_) {
    return {BindResult::Outcome::too_many_resources, nullptr};
  }
  resources.push_back(BoundResource{session, full_jid, false, 0, nullptr, false});
  ++count_;
  return {BindResult::Outcome::bound, nullptr};
}

void SessionRegistry::unbind(const SessionPtr& session, const Jid& full_jid) {
  std::unique_lock lock(mutex_);
  auto it = by_bare_.find(full_jid.bare_str());
  if (it == by_bare_.end()) {
    return;
  }
  auto removed = std::erase_if(it->second, [&](const BoundResource& r) {
    return r.session == session && r.jid == full_jid;
  });
  count_ -= removed;
  if (it->second.empty()) {
    by_bare_.erase(it);
  }
}

std::optional<BoundResource> SessionRegistry::find(const Jid& full_jid) const {
  std::shared_lock lock(mutex_);
  auto it = find_bare(full_jid);
  if (it == by_bare_.end()) {
    return std::nullopt;
  }
  for (const BoundResource& r : it->second) {
    if (r.jid == full_jid) {
      return r;
    }
  }
  return std::nullopt;
}

SessionPtr SessionRegistry::find_session(const Jid& full_jid) const {
  std::shared_lock lock(mutex_);
  return find_session_locked(full_jid);
}

std::vector<SessionPtr> SessionRegistry::find_sessions(const std::vector<Jid>& full_jids) const {
  std::vector<SessionPtr> found;
  found.reserve(full_jids.size());
  std::shared_lock lock(mutex_);
  for (const Jid& full_jid : full_jids) {
    found.push_back(find_session_locked(full_jid));
  }
  return found;
}

SessionPtr SessionRegistry::find_session_locked(const Jid& full_jid) const {
  auto it = find_bare(full_jid);
  if (it == by_bare_.end()) {
    return nullptr;
  }
  for (const BoundResource& r : it->second) {
    if (r.jid == full_jid) {
      return r.session;
    }
  }
  return nullptr;
}

std::vector<BoundResource> SessionRegistry::resources(const std::string& bare_jid) const {
  std::shared_lock lock(mutex_);
  auto it = by_bare_.find(bare_jid);
  return it == by_bare_.end() ? std::vector<BoundResource>{} : it->second;
}

void SessionRegistry::update(const Jid& full_jid,
                             const std::function<void(BoundResource&)>& change) {
  std::unique_lock lock(mutex_);
  auto it = by_bare_.find(full_jid.bare_str());
  if (it == by_bare_.end()) {
    return;
  }
  for (BoundResource& r : it->second) {
    if (r.jid == full_jid) {
      change(r);
    }
  }
}

void SessionRegistry::set_presence(const Jid& full_jid, bool available, int priority,
                                   std::shared_ptr<const Element> presence) {
  update(full_jid, [&](BoundResource& r) {
    r.available = available;
    r.priority = priority;
    r.presence = std::move(presence);
  });
}

void SessionRegistry::set_carbons(const Jid& full_jid, bool enabled) {
  update(full_jid, [enabled](BoundResource& r) { r.carbons = enabled; });
}

std::size_t SessionRegistry::size() const {
  std::shared_lock lock(mutex_);
  return count_;
}

void SessionRegistry::for_each(const std::function<void(const BoundResource&)>& visit) const {
  std::shared_lock lock(mutex_);
  for (const auto& [bare, resources] : by_bare_) {
    for (const BoundResource& r : resources) {
      visit(r);
    }
  }
}

void SessionRegistry::clear() {
  std::unique_lock lock(mutex_);
  by_bare_.clear();
  count_ = 0;
}

}  // namespace stoa::xmpp::server
