#pragma once

// Header-only, like muc_store.hpp: the store implements it without linking muc/.

#include <asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "muc/muc_store.hpp"
#include "muc/timestamp.hpp"

namespace stoa::muc {

/// Which entries of a room's archive a MAM query (XEP-0313) selects, and which page of them it
/// returns (XEP-0059). Entries are ordered by the time the room accepted them, ties broken by
/// append order; every filter given must hold.
struct ArchiveQuery {
  std::optional<Timestamp> start;        ///< only entries at or after this time
  std::optional<Timestamp> end;          ///< only entries at or before this time
  std::optional<std::string> nick;       ///< only entries sent under this nick
  std::optional<std::string> sender;     ///< only entries whose sender's real bare JID is this
  std::optional<std::string> after_id;   ///< only entries after this one (form field after-id)
  std::optional<std::string> before_id;  ///< only entries before this one (before-id)
  std::vector<std::string> ids;          ///< only these entries; empty: no such filter
  /// Only messages whose body holds these words (XEP-0431): web-search syntax ("quoted
  /// phrase", -excluded, or), matched word by word without stemming. Words alone; text that
  /// holds no word matches nothing.
  std::optional<std::string> fulltext;
  /// RSM <after/>: the page that follows this entry. Without page_after or page_before, the
  /// first page.
  std::optional<std::string> page_after;
  /// RSM <before/>: the page that precedes this entry; "" asks for the last page.
  std::optional<std::string> page_before;
  std::size_t max = 0;  ///< entries on the page; 0 returns only the count
};

/// One page of a query's result.
struct ArchivePage {
  std::vector<ArchiveEntry> entries;  ///< oldest first
  /// Entries matching the filters, all pages together; unset when there are more than the
  /// store counts (RSM lets a count be left out where it would cost too much).
  std::optional<std::uint64_t> count;
  /// Position of entries.front() among those; unset with count.
  std::optional<std::uint64_t> first_index;
  /// No further page in the direction of paging: forwards without page_before, backwards
  /// with it.
  bool complete = false;
  /// Set, and nothing else is, when an id of the query (after_id, before_id, ids, page_after,
  /// page_before) names no entry of the archive: XEP-0313 answers item-not-found.
  std::optional<std::string> unknown_id;
};

/// The oldest or newest entry of an archive.
struct ArchiveEnd {
  std::string stanza_id;
  Timestamp timestamp{};

  bool operator==(const ArchiveEnd&) const = default;
};

/// What XEP-0313 archive metadata tells: the first and last entries; both unset when the
/// archive is empty.
struct ArchiveMetadata {
  std::optional<ArchiveEnd> first;
  std::optional<ArchiveEnd> last;

  bool operator==(const ArchiveMetadata&) const = default;
};

/// Thrown when the store has as many archive queries under way as it takes: the client is told
/// to try again later (resource-constraint), and the database stays free for the write path.
class ArchiveBusy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Reading room archives for MAM: the archive MucStore::append() writes (every entry, messages
/// and subject changes alike). The production implementation is PostgreSQL
/// (store/pg_mam_store). Methods never block the calling thread; a database failure throws an
/// exception derived from std::exception.
class MamStore {
 public:
  virtual ~MamStore() = default;

  /// One page of the entries of `room` that `query` selects.
  virtual asio::awaitable<ArchivePage> query(std::string room, ArchiveQuery query) = 0;
  /// The first and last entries of the archive of `room`.
  virtual asio::awaitable<ArchiveMetadata> metadata(std::string room) = 0;
};

}  // namespace stoa::muc
