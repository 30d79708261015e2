#pragma once

// What the readers of muc_archive share: MAM within a room (pg_mam_store) and the search
// across rooms (pg_search_store).

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "muc/timestamp.hpp"
#include "store/database.hpp"

namespace stoa::store {

/// One of a reader's places for a query under way, given back when the query ends however it
/// ends. Shares the counter, so that a query abandoned at shutdown may release its place after
/// the store is gone.
class ReadSlot {
 public:
  /// Takes a place, or throws muc::ArchiveBusy when `max` are taken already.
  ReadSlot(std::shared_ptr<std::atomic<unsigned>> in_flight, unsigned max);
  ReadSlot(ReadSlot&& other) noexcept = default;
  ReadSlot& operator=(ReadSlot&&) = delete;
  ~ReadSlot();

 private:
  std::shared_ptr<std::atomic<unsigned>> in_flight_;
};

/// Microseconds since the epoch of muc_archive.at, as a select-list expression: exact, where a
/// floating-point epoch is not. Read this way rather than as at::text, whose cast in the
/// select list turns the planner away from the merge of the partitions' indexes to a scan and
/// sort of the whole room.
inline constexpr const char* kArchiveMicros = "(extract(epoch FROM at) * 1000000)::bigint";

/// A field selected with kArchiveMicros.
muc::Timestamp read_micros(const pqxx::field& field);

/// Where an entry sits in the archive order: its time and sequence number, as parameters.
struct ArchivePosition {
  std::string at;
  std::string seq;
};

/// A WHERE clause with its parameters, numbered as they are added.
class SqlConditions {
 public:
  /// Adds a parameter and returns its placeholder, "$3".
  std::string param(std::string value);
  void add(const std::string& condition);
  /// Entries after `position` in the archive order. The bound on `at` alone lets the planner
  /// skip whole partitions.
  void after(const ArchivePosition& position);
  void before(const ArchivePosition& position);
  /// Messages whose body holds the words of `text` (web-search syntax: "a phrase", -word, or).
  /// websearch_to_tsquery takes any text without a syntax error; text without words gives
  /// an empty query, which matches nothing.
  void fulltext(std::string text);

  const std::string& sql() const { return sql_; }
  const std::vector<std::string>& params() const { return params_; }
  /// Runs `sql` with the parameters added so far.
  pqxx::result exec(pqxx::work& tx, const std::string& sql) const;

 private:
  std::string sql_;
  std::vector<std::string> params_;
};

}  // namespace stoa::store
