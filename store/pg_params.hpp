#pragma once

#include <string>
#include <string_view>

#include "muc/timestamp.hpp"

namespace stoa::store {

/// Refuses a value with a NUL byte: libpq takes parameters as C strings and would silently cut
/// it short. `what` names the value in the exception.
void check_text(std::string_view what, const std::string& value);

/// UTC as "YYYY-MM-DD hh:mm:ss.ffffff+00" for a timestamptz parameter: exact to the
/// microsecond, where a floating-point epoch conversion is not. Throws std::invalid_argument
/// outside the years 1 to 9999, where PostgreSQL and XEP-0082 agree.
std::string timestamp_param(muc::Timestamp time);

}  // namespace stoa::store
