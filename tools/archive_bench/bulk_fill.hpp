#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace stoa::archive_bench {

/// A room to fill and how many messages it gets; the room must be stored already.
struct BulkRoom {
  std::string jid;
  std::uint64_t messages = 0;
};

/// Fills the rooms' archives with COPY into muc_archive, the table the writer inserts into:
/// the same columns, so PostgreSQL computes the same generated column (body_words), routes
/// each row to its monthly partition and maintains the same indexes. Each room's messages are
/// spread evenly over the 365 days before now, and the rooms are interleaved in time order,
/// as rooms active at once write the table. Faster than the writer's batched INSERT, which
/// binds every value as a parameter, though the indexes (the GIN index above all) still cost
/// most of the time. Prints progress to stderr.
void bulk_fill(store::Database& db, const std::vector<BulkRoom>& rooms, std::uint64_t seed);

}  // namespace stoa::archive_bench
