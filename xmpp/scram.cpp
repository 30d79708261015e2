#include "xmpp/scram.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stringprep.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "xmpp/utf8.hpp"

namespace stoa::xmpp::sasl {
namespace {

const EVP_MD* md(ScramHash hash) {
  return hash == ScramHash::sha1 ? EVP_sha1() : EVP_sha256();
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::string_view hash_name(ScramHash hash) {
  return hash == ScramHash::sha1 ? "SHA-1" : "SHA-256";
}

std::size_t digest_size(ScramHash hash) {
  return hash == ScramHash::sha1 ? 20 : 32;
}

std::string digest(ScramHash hash, std::string_view data) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &length,
                 md(hash), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  out.resize(length);
  return out;
}

std::string hmac(ScramHash hash, std::string_view key, std::string_view data) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int length = 0;
  if (HMAC(md(hash), key.data(), static_cast<int>(key.size()), bytes(data), data.size(),
           reinterpret_cast<unsigned char*>(out.data()), &length) == nullptr) {
    throw std::runtime_error("HMAC failed");
  }
  out.resize(length);
  return out;
}

std::string salted_password(ScramHash hash, std::string_view password, std::string_view salt,
                            unsigned iterations) {
  std::string out(digest_size(hash), '\0');
  // Iteration counts come from stored credentials or the configuration, both far below
  // INT_MAX; zero would be rejected by OpenSSL, so it counts as one.
  const int rounds = static_cast<int>(std::clamp(iterations, 1u, 1u << 30));
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), bytes(salt),
                        static_cast<int>(salt.size()), rounds, md(hash),
                        static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
  }
  return out;
}

store::ScramCredential make_credential(ScramHash hash, std::string_view prepared_password,
                                       std::string salt, unsigned iterations) {
  const std::string salted = salted_password(hash, prepared_password, salt, iterations);
  store::ScramCredential credential;
  credential.hash = std::string(hash_name(hash));
  credential.iterations = std::max(iterations, 1u);
  credential.stored_key = digest(hash, hmac(hash, salted, "Client Key"));
  credential.server_key = hmac(hash, salted, "Server Key");
  credential.salt = std::move(salt);
  return credential;
}

std::string prepare_password(std::string_view password) {
  if (password.empty() || !is_valid_utf8(password)) {
    return std::string(password);
  }
  // NFKC can expand a character severalfold (U+FDFA becomes 18 characters); a result that
  // does not fit is one of the passwords used raw.
  std::string buffer(password.size() * 4 + 64, '\0');
  std::memcpy(buffer.data(), password.data(), password.size());
  if (stringprep(buffer.data(), buffer.size(), STRINGPREP_NO_UNASSIGNED, stringprep_saslprep) !=
      STRINGPREP_OK) {
    return std::string(password);
  }
  buffer.resize(std::strlen(buffer.c_str()));
  return buffer;
}

std::string random_bytes(std::size_t size) {
  std::string out(size, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(size)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

std::string unknown_user_salt(ScramHash hash, std::string_view username) {
  static const std::string key = random_bytes(32);
  std::string input(hash_name(hash));
  input += '\0';
  input += username;
  std::string salt = hmac(ScramHash::sha256, key, input);
  salt.resize(kSaltBytes);
  return salt;
}

bool equal_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool is_usable(const store::ScramCredential& credential, ScramHash hash) {
  return credential.hash == hash_name(hash) && credential.iterations > 0 &&
         credential.stored_key.size() == digest_size(hash) &&
         credential.server_key.size() == digest_size(hash);
}

}  // namespace stoa::xmpp::sasl
