#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace stoa::bench {

/// Cuts the bytes a server sends into the stream's opening tag, its first-level elements and
/// its closing tag, without parsing them: finding where a stanza ends costs a scan for '<' and
/// quotes, so the session parses fully only the stanzas it cannot read straight from the text.
class StanzaFramer {
 public:
  enum class FrameKind { stream_open, stanza, stream_close };
  struct Frame {
    FrameKind kind;
    std::string_view text;  ///< valid until the next feed() or reset()
  };

  /// A stanza (or an unfinished tag between stanzas) longer than `max_frame_bytes` fails the
  /// stream rather than growing the buffer without bound.
  explicit StanzaFramer(std::size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

  void feed(std::string_view data);
  /// The next complete frame, if the bytes fed so far hold one.
  std::optional<Frame> next();
  /// The input was not a stream a server may send; nothing more comes out.
  bool failed() const { return failed_; }
  /// Starts a new stream (after STARTTLS or SASL success).
  void reset();

 private:
  std::optional<Frame> fail();

  std::size_t max_frame_bytes_;
  std::string buffer_;
  std::size_t position_ = 0;      // the next byte to scan
  std::size_t stanza_start_ = 0;  // where the first-level element being scanned began
  std::size_t depth_ = 0;         // open elements, the stream's own included
  bool closed_ = false;
  bool failed_ = false;
};

}  // namespace stoa::bench
