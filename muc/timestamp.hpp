#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace stoa::muc {

/// A point in UTC time at the precision PostgreSQL's timestamptz keeps, so that what the store
/// returns equals what was stored.
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

/// XEP-0082 DateTime in UTC: "2024-05-01T12:00:00.123456Z" (fraction omitted when zero).
std::string format_timestamp(Timestamp time);
/// Parses an XEP-0082 DateTime with 'Z' or a numeric offset, optional fraction; nullopt when
/// malformed or out of range.
std::optional<Timestamp> parse_timestamp(std::string_view text);

}  // namespace stoa::muc
