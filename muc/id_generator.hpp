#pragma once

#include <string>

namespace stoa::muc {

/// Source of the unpredictable strings a room needs. Injected, so that room logic stays
/// deterministic under test.
class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  /// A new XEP-0359 stanza id, unique within the room.
  virtual std::string stanza_id() = 0;
  /// A new secret for XEP-0421 occupant ids (see occupant_id.hpp).
  virtual std::string room_secret() = 0;
};

/// Random ids from OpenSSL's CSPRNG: 128 bits per stanza id, 256 per secret. Thread-safe.
class RandomIdGenerator : public IdGenerator {
 public:
  std::string stanza_id() override;
  std::string room_secret() override;
};

}  // namespace stoa::muc
