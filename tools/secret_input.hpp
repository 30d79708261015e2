#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace stoa::tools {

/// The secret could not be read (the message says why; it never contains the secret).
class SecretInputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Longest secret read; longer input is refused rather than cut.
inline constexpr std::size_t kMaxSecretBytes = 4096;

/// Reads a secret such as a password, called `name` in prompts ("password"). When stdin is a
/// terminal: prompts on stderr with echo off, twice, and the two entries must match. Otherwise:
/// one line of stdin, without its line ending. Throws SecretInputError on end of input, on a
/// mismatch or on an overlong line.
std::string read_secret(std::string_view name);

}  // namespace stoa::tools
