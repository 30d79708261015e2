#include "muc/id_generator.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace stoa::muc {

namespace {

template <std::size_t Bytes>
std::string random_hex() {
  std::array<unsigned char, Bytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("the random number generator failed");
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(Bytes * 2);
  for (unsigned char b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0f];
  }
  return out;
}

}  // namespace

std::string RandomIdGenerator::stanza_id() {
  return random_hex<16>();
}

std::string RandomIdGenerator::room_secret() {
  return random_hex<32>();
}

}  // namespace stoa::muc
