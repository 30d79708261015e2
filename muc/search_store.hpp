#pragma once

// Header-only, like mam_store.hpp: the store implements it without linking muc/.

#include <asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "muc/mam_store.hpp"
#include "muc/timestamp.hpp"

namespace stoa::muc {

/// Who searches across the rooms of a service (docs/search.md), which decides the rooms
/// searched and whose real JIDs the results show.
struct SearchScope {
  std::string service;      ///< the MUC service domain: its rooms only
  std::string user;         ///< the requester's full JID
  std::string user_bare;    ///< its bare JID
  std::string user_domain;  ///< its domain (XEP-0045 §9 lets an affiliation name a domain)
  /// A service administrator: owner of every room, so reads them all with real JIDs.
  bool service_admin = false;
};

/// A place in the archive order across rooms (time, then append order): what a page cursor
/// names.
struct SearchPosition {
  Timestamp at{};
  std::int64_t seq = 0;

  bool operator==(const SearchPosition&) const = default;
};

/// What a search selects, and which page of it. Messages are ordered by the time their room
/// accepted them, ties broken by append order; every filter given must hold.
struct SearchQuery {
  std::string text;                 ///< the words, as ArchiveQuery::fulltext
  std::optional<Timestamp> start;   ///< only messages at or after this time
  std::optional<Timestamp> end;     ///< only messages at or before this time
  std::optional<std::string> room;  ///< only this room (bare JID)
  /// RSM <after/>: the page that follows this place. Without it or page_before, the first page.
  std::optional<SearchPosition> page_after;
  /// RSM <before/>: the page that precedes this place.
  std::optional<SearchPosition> page_before;
  bool last_page = false;  ///< RSM <before/> without a place: the newest page
  std::size_t max = 0;     ///< messages on the page; 0 returns only the count
};

/// One message a search found.
struct SearchHit {
  std::string room;  ///< the bare room JID
  ArchiveEntry entry;
  SearchPosition position;
  /// The requester may see the sender's real JID in this room: everyone may where whois is
  /// 'anyone', admins and owners may everywhere, and a sender may see their own.
  bool shows_real_jid = false;
};

/// One page of a search's result.
struct SearchPage {
  std::vector<SearchHit> hits;  ///< oldest first
  /// Messages found, all pages together; unset past what the store counts (as ArchivePage).
  std::optional<std::uint64_t> count;
  /// Position of hits.front() among those; unset with count.
  std::optional<std::uint64_t> first_index;
  /// No further page in the direction of paging: forwards without page_before/last_page,
  /// backwards with either.
  bool complete = false;
};

/// Full-text search across the archives of all the rooms of a service that the requester may
/// read (docs/search.md has the rules). The production implementation is PostgreSQL
/// (store/pg_search_store). Methods never block the calling thread; a busy store throws
/// ArchiveBusy, a failing one another exception derived from std::exception.
class SearchStore {
 public:
  virtual ~SearchStore() = default;

  virtual asio::awaitable<SearchPage> search(SearchScope scope, SearchQuery query) = 0;
};

}  // namespace stoa::muc
