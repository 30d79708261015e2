#include "bench/markup_scanner.hpp"

namespace stoa::bench::markup {
namespace {

constexpr std::string_view kCommentOpen = "<!--";
constexpr std::string_view kCDataOpen = "<![CDATA[";

// Hand-written character tests: std::string_view::find_first_of calls memchr once per
// character scanned, which made it the load generator's hottest function.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::size_t skip_spaces(std::string_view text, std::size_t position) {
  while (position < text.size() && is_space(text[position])) {
    ++position;
  }
  return position;
}

/// The construct that ends with `terminator`, searched from `from`.
Construct through(std::string_view text, std::size_t from, std::string_view terminator) {
  const std::size_t found = text.find(terminator, from);
  if (found == std::string_view::npos) {
    return {Kind::incomplete, 0};
  }
  return {Kind::other, found + terminator.size()};
}

/// "<!" opens a comment or a CDATA section; a DOCTYPE is not allowed in a stream.
Construct scan_bang(std::string_view text, std::size_t at) {
  const std::string_view rest = text.substr(at);
  if (rest.starts_with(kCommentOpen)) {
    return through(text, at + kCommentOpen.size(), "-->");
  }
  if (rest.starts_with(kCDataOpen)) {
    return through(text, at + kCDataOpen.size(), "]]>");
  }
  if (kCommentOpen.starts_with(rest) || kCDataOpen.starts_with(rest)) {
    return {Kind::incomplete, 0};
  }
  return {Kind::invalid, 0};
}

/// A start tag ends at the first '>' outside quotes; quoted values may hold '>' and '/'.
Construct scan_start_tag(std::string_view text, std::size_t at) {
  std::size_t position = at + 1;
  for (;; ++position) {
    if (position == text.size()) {
      return {Kind::incomplete, 0};
    }
    const char c = text[position];
    if (c == '>') {
      break;
    }
    if (c == '<') {
      return {Kind::invalid, 0};
    }
    if (c == '\'' || c == '"') {
      const std::size_t closing = text.find(c, position + 1);
      if (closing == std::string_view::npos) {
        return {Kind::incomplete, 0};
      }
      position = closing;
    }
  }
  // A quoted value ends with its quote, so the last non-space character before '>' is a '/'
  // only when it closes the tag.
  std::size_t last = position - 1;
  while (last > at && is_space(text[last])) {
    --last;
  }
  const bool empty = text[last] == '/';
  return {empty ? Kind::empty_element_tag : Kind::start_tag, position + 1};
}

bool is_name_end(char c) {
  return is_space(c) || c == '=' || c == '/' || c == '>';
}

}  // namespace

Construct scan(std::string_view text, std::size_t at) {
  if (at + 1 >= text.size()) {
    return {Kind::incomplete, 0};
  }
  switch (text[at + 1]) {
    case '/': {
      const std::size_t close = text.find('>', at + 2);
      if (close == std::string_view::npos) {
        return {Kind::incomplete, 0};
      }
      return {Kind::end_tag, close + 1};
    }
    case '?':
      return through(text, at + 2, "?>");
    case '!':
      return scan_bang(text, at);
    default:
      if (is_name_end(text[at + 1])) {
        return {Kind::invalid, 0};
      }
      return scan_start_tag(text, at);
  }
}

std::string_view tag_name(std::string_view tag) {
  std::size_t end = 1;
  while (end < tag.size() && !is_name_end(tag[end])) {
    ++end;
  }
  return tag.substr(1, end - 1);
}

std::optional<StartTag> StartTag::read(std::string_view tag) {
  if (tag.size() < 3 || tag.front() != '<' || tag.back() != '>') {
    return std::nullopt;
  }
  StartTag result;
  result.name_ = tag_name(tag);
  if (result.name_.empty()) {
    return std::nullopt;
  }
  std::size_t position = 1 + result.name_.size();
  for (;;) {
    position = skip_spaces(tag, position);
    if (position == tag.size()) {
      return std::nullopt;
    }
    if (tag[position] == '/' || tag[position] == '>') {
      return result;
    }
    const std::size_t name_start = position;
    while (position < tag.size() && !is_name_end(tag[position])) {
      ++position;
    }
    const std::string_view name = tag.substr(name_start, position - name_start);
    position = skip_spaces(tag, position);
    if (name.empty() || position == tag.size() || tag[position] != '=') {
      return std::nullopt;
    }
    position = skip_spaces(tag, position + 1);
    if (position == tag.size() || (tag[position] != '\'' && tag[position] != '"')) {
      return std::nullopt;
    }
    const std::size_t closing = tag.find(tag[position], position + 1);
    if (closing == std::string_view::npos || result.count_ == kMaxAttributes) {
      return std::nullopt;
    }
    result.attributes_[result.count_++] =
        Attribute{name, tag.substr(position + 1, closing - position - 1)};
    position = closing + 1;
  }
}

std::optional<std::string_view> StartTag::attribute(std::string_view name) const {
  for (std::size_t index = 0; index < count_; ++index) {
    if (attributes_[index].name == name) {
      return attributes_[index].raw_value;
    }
  }
  return std::nullopt;
}

}  // namespace stoa::bench::markup
