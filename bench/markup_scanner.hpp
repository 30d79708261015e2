#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

/// Just enough XML lexing to find where a server's stanzas end and to read a start tag's
/// attributes, without building elements. Server-to-client streams carry no DTD (RFC 6120
/// §11.1); comments, processing instructions and CDATA sections are recognized so that a '>'
/// inside them is not taken for the end of a tag. Well-formedness is left to the full parser.
namespace stoa::bench::markup {

enum class Kind {
  start_tag,          ///< <name ...>
  empty_element_tag,  ///< <name .../>
  end_tag,            ///< </name>
  other,              ///< a comment, processing instruction or CDATA section
  incomplete,         ///< the text ends before the construct does
  invalid,            ///< not a construct a server may send
};

struct Construct {
  Kind kind;
  std::size_t end;  ///< one past its last character (when complete)
};

/// The construct starting at text[at], which is '<'.
Construct scan(std::string_view text, std::size_t at);

/// The name of a complete start tag (or empty-element tag).
std::string_view tag_name(std::string_view tag);

/// An attribute as written: the value keeps its entity and character references.
struct Attribute {
  std::string_view name;
  std::string_view raw_value;
};

/// A start tag (or empty-element tag) read into its name and attributes, referring to the text.
class StartTag {
 public:
  /// Tags with more attributes than this are left to the full parser.
  static constexpr std::size_t kMaxAttributes = 12;

  /// Reads `tag`, a complete start tag as scan() delimits it; nullopt when it is malformed or
  /// has more than kMaxAttributes attributes.
  static std::optional<StartTag> read(std::string_view tag);

  std::string_view name() const { return name_; }
  /// The raw value of the first attribute called `name`.
  std::optional<std::string_view> attribute(std::string_view name) const;

 private:
  std::string_view name_;
  std::array<Attribute, kMaxAttributes> attributes_{};
  std::size_t count_ = 0;
};

}  // namespace stoa::bench::markup
