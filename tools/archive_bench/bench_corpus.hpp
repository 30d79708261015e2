#pragma once

// What stoa_archive_bench writes, whichever way it fills: the rooms and the message bodies.

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace stoa::archive_bench {

inline constexpr const char* kService = "conference.bench.example";
inline constexpr std::size_t kVocabulary = 20000;

/// The word of frequency rank `rank` (0 is the most common): letters only, so that every
/// token is one word for the 'simple' text search configuration.
inline std::string word(std::size_t rank) {
  std::string out = "w";
  do {
    out += static_cast<char>('a' + rank % 26);
    rank /= 26;
  } while (rank > 0);
  return out;
}

/// Draws message bodies of 6 to 18 words with Zipf-distributed frequencies (as words in text).
class BodyMaker {
 public:
  explicit BodyMaker(std::uint64_t seed) : random_(seed) {
    std::vector<double> weights(kVocabulary);
    for (std::size_t i = 0; i < kVocabulary; ++i) {
      weights[i] = 1.0 / static_cast<double>(i + 1);
    }
    words_ = std::discrete_distribution<std::size_t>(weights.begin(), weights.end());
  }
  std::string next() {
    std::string body;
    const int count = std::uniform_int_distribution<int>(6, 18)(random_);
    for (int i = 0; i < count; ++i) {
      body += (i == 0 ? "" : " ") + word(words_(random_));
    }
    return body;
  }

 private:
  std::mt19937_64 random_;
  std::discrete_distribution<std::size_t> words_;
};

/// Room 0 is the big one.
inline std::string room_jid(unsigned index) {
  return (index == 0 ? std::string("big") : "room" + std::to_string(index)) + "@" + kService;
}

/// The groupchat message the room archives: as the writer stores it, without 'to'.
inline std::string bench_stanza(const std::string& room, const std::string& nick,
                                std::uint64_t number, const std::string& stanza_id,
                                const std::string& body) {
  return "<message xmlns='jabber:client' from='" + room + "/" + nick + "' type='groupchat' id='c" +
         std::to_string(number) + "'><body>" + body +
         "</body><stanza-id xmlns='urn:xmpp:sid:0' by='" + room + "' id='" + stanza_id +
         "'/></message>";
}

}  // namespace stoa::archive_bench
