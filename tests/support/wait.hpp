#pragma once

#include <chrono>

namespace stoa::test {

/// How long a test waits for something that should happen promptly: only ever a bound, never
/// an expectation about speed.
inline constexpr std::chrono::milliseconds kWaitTimeout{15000};

}  // namespace stoa::test
