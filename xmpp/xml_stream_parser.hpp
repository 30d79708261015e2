#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "xmpp/stream_error.hpp"
#include "xmpp/xml_element.hpp"

struct XML_ParserStruct;

namespace stoa::xmpp {

/// Bounds applied to every stream; each comes from the configuration.
struct StreamLimits {
  std::size_t max_stanza_bytes = 256 * 1024;
  std::size_t max_depth = 32;
  std::size_t max_attributes = 64;
};

/// The opening <stream:stream> tag, with the default namespace it declared for its content.
struct StreamOpen {
  Element header;
  std::string content_xmlns;
};
/// A complete first-level child of the stream (a stanza or a negotiation element).
struct StreamElement {
  Element element;
};
/// The closing </stream:stream> tag.
struct StreamClose {};

using StreamEvent = std::variant<StreamOpen, StreamElement, StreamClose>;

/// Streaming XMPP parser on expat: bytes go in, stream events come out in order.
/// Enforces RFC 6120 §11.1 (no DTD, comments, processing instructions or entity declarations)
/// and the configured size, depth and attribute limits. After an error every later feed fails;
/// after the stream's close, later input is ignored.
///
/// An expat parser holds several KiB, most streams are idle between stanzas and a node holds
/// tens of thousands of them: so the expat parser is freed whenever a feed ends between two
/// stanzas, and the next feed starts a new one from the stream's namespace declarations.
class XmlStreamParser {
 public:
  explicit XmlStreamParser(StreamLimits limits);
  ~XmlStreamParser();
  XmlStreamParser(const XmlStreamParser&) = delete;
  XmlStreamParser& operator=(const XmlStreamParser&) = delete;

  /// Parses a chunk; the events it completes become available through next(). Returns the
  /// stream error condition when the input broke the rules.
  std::optional<StreamCondition> feed(std::string_view data);

  /// Takes the next complete event, if any.
  std::optional<StreamEvent> next();

  /// Starts a new stream (after STARTTLS or SASL success): drops pending events and state.
  void reset();

 private:
  static void on_start(void* self, const char* name, const char** attrs);
  static void on_end(void* self, const char* name);
  static void on_text(void* self, const char* text, int len);
  static void on_namespace(void* self, const char* prefix, const char* uri);
  static void on_restricted(void* self);
  void create_parser();
  /// Brings a new expat parser to where the freed one was: inside the stream's open tag, with
  /// its namespace declarations.
  void resume_stream();
  bool between_stanzas() const;
  void fail(StreamCondition condition);
  long long event_end() const;
  bool stanza_too_large() const;

  StreamLimits limits_;
  XML_ParserStruct* parser_ = nullptr;
  std::vector<StreamEvent> events_;
  std::size_t next_event_ = 0;  // events_ before it were taken
  std::vector<Element> open_;   // stanza under construction, outermost first
  std::size_t depth_ = 0;
  std::string stream_default_xmlns_;
  /// Namespace declarations of the stream's open tag (prefix, empty for the default; URI).
  std::vector<std::pair<std::string, std::string>> stream_namespaces_;
  bool resuming_ = false;  // feeding resume_stream()'s open tag, which is no event
  long long stanza_start_byte_ = 0;
  long long parsed_bytes_ = 0;  // end of the last event expat reported
  long long fed_bytes_ = 0;
  bool closed_ = false;
  std::optional<StreamCondition> error_;
};

}  // namespace stoa::xmpp
