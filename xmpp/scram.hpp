#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "store/scram_credential.hpp"

/// The SCRAM arithmetic of RFC 5802 §3, shared by the SCRAM and PLAIN mechanisms and by
/// credential derivation. Keys, salts and digests are raw bytes.
namespace stoa::xmpp::sasl {

/// Length of the salts generated for new credentials and for unknown users.
inline constexpr std::size_t kSaltBytes = 16;

/// The hash functions SCRAM is offered with.
enum class ScramHash { sha1, sha256 };

/// "SHA-1" or "SHA-256", as in ScramCredential::hash and the need_credential step.
std::string_view hash_name(ScramHash hash);
/// Output length of the hash in bytes.
std::size_t digest_size(ScramHash hash);
/// H(data).
std::string digest(ScramHash hash, std::string_view data);
/// HMAC(key, data).
std::string hmac(ScramHash hash, std::string_view key, std::string_view data);
/// Hi(password, salt, iterations): PBKDF2 with HMAC over `hash`. Throws std::runtime_error
/// when OpenSSL fails.
std::string salted_password(ScramHash hash, std::string_view password, std::string_view salt,
                            unsigned iterations);
/// StoredKey and ServerKey for a prepared password.
store::ScramCredential make_credential(ScramHash hash, std::string_view prepared_password,
                                       std::string salt, unsigned iterations);
/// SASLprep (RFC 4013) of a password; its raw bytes when it cannot be prepared, so that
/// every password still gets a credential and the same input always verifies.
std::string prepare_password(std::string_view password);
/// `size` bytes from OpenSSL's CSPRNG; throws std::runtime_error when it fails.
std::string random_bytes(std::size_t size);
/// A salt for a username that has no account: stable within the process (a client asking
/// twice sees the same one) and unpredictable without the per-process key.
std::string unknown_user_salt(ScramHash hash, std::string_view username);
/// Equality in time independent of where the inputs differ.
bool equal_secret(std::string_view a, std::string_view b);
/// True when `credential` is usable with `hash`: right name, key sizes and iterations.
bool is_usable(const store::ScramCredential& credential, ScramHash hash);

}  // namespace stoa::xmpp::sasl
