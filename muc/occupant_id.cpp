#include "muc/occupant_id.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace stoa::muc {

std::string occupant_id(std::string_view room_secret, std::string_view bare_jid) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(EVP_sha256(), room_secret.data(), static_cast<int>(room_secret.size()),
            reinterpret_cast<const unsigned char*>(bare_jid.data()), bare_jid.size(), digest,
            &length)) {
    throw std::runtime_error("HMAC-SHA-256 failed");
  }
  // 32 bytes encode to 44 characters, padding included.
  unsigned char encoded[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  int written = EVP_EncodeBlock(encoded, digest, static_cast<int>(length));
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(written));
}

}  // namespace stoa::muc
