#include "bench/stanza_framer.hpp"

#include "bench/markup_scanner.hpp"

namespace stoa::bench {

void StanzaFramer::feed(std::string_view data) {
  if (closed_ || failed_) {
    return;
  }
  // Frames already handed out are done with: keep only the unfinished part.
  const std::size_t keep_from = depth_ >= 2 ? stanza_start_ : position_;
  buffer_.erase(0, keep_from);
  position_ -= keep_from;
  stanza_start_ = 0;
  buffer_ += data;
}

std::optional<StanzaFramer::Frame> StanzaFramer::next() {
  if (closed_ || failed_) {
    return std::nullopt;
  }
  const std::string_view text = buffer_;
  for (;;) {
    const std::size_t open = text.find('<', position_);
    if (open == std::string_view::npos) {
      // Text: a stanza's content, or whitespace keepalives between stanzas.
      position_ = text.size();
      return depth_ >= 2 && text.size() - stanza_start_ > max_frame_bytes_ ? fail() : std::nullopt;
    }
    position_ = open;
    const markup::Construct construct = markup::scan(text, open);
    switch (construct.kind) {
      case markup::Kind::incomplete: {
        const std::size_t start = depth_ >= 2 ? stanza_start_ : open;
        return text.size() - start > max_frame_bytes_ ? fail() : std::nullopt;
      }
      case markup::Kind::invalid:
        return fail();
      case markup::Kind::other:
        position_ = construct.end;
        break;
      case markup::Kind::start_tag:
      case markup::Kind::empty_element_tag: {
        const bool empty = construct.kind == markup::Kind::empty_element_tag;
        const std::string_view tag = text.substr(open, construct.end - open);
        position_ = construct.end;
        if (depth_ == 0) {
          if (empty) {
            return fail();
          }
          depth_ = 1;
          return Frame{FrameKind::stream_open, tag};
        }
        if (depth_ == 1) {
          stanza_start_ = open;
          if (empty) {
            return Frame{FrameKind::stanza, tag};
          }
        }
        if (!empty) {
          ++depth_;
        }
        break;
      }
      case markup::Kind::end_tag:
        position_ = construct.end;
        if (depth_ == 0) {
          return fail();
        }
        --depth_;
        if (depth_ == 0) {
          closed_ = true;
          return Frame{FrameKind::stream_close, text.substr(open, construct.end - open)};
        }
        if (depth_ == 1) {
          return Frame{FrameKind::stanza,
                       text.substr(stanza_start_, construct.end - stanza_start_)};
        }
        break;
    }
  }
}

void StanzaFramer::reset() {
  buffer_.clear();
  position_ = 0;
  stanza_start_ = 0;
  depth_ = 0;
  closed_ = false;
  failed_ = false;
}

std::optional<StanzaFramer::Frame> StanzaFramer::fail() {
  failed_ = true;
  return std::nullopt;
}

}  // namespace stoa::bench
