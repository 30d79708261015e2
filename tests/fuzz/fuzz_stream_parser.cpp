// libFuzzer target: arbitrary bytes through XmlStreamParser, fed in chunks, with every element
// serialized and parsed again. Crashes, sanitizer reports and broken round trips are findings.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "xmpp/xml_stream_parser.hpp"

namespace {

using stoa::xmpp::Element;
using stoa::xmpp::StreamElement;
using stoa::xmpp::StreamLimits;
using stoa::xmpp::StreamOpen;
using stoa::xmpp::XmlStreamParser;

/// What the parser makes of `element` written out inside a stream whose content namespace is
/// `content_xmlns`: it must be the element again.
void check_round_trip(const Element& element, const std::string& content_xmlns) {
  const std::string serialized = element.str(content_xmlns);
  std::string document = "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='";
  stoa::xmpp::append_escaped(document, content_xmlns);
  document += "'>";
  document += serialized;
  XmlStreamParser parser(StreamLimits{.max_stanza_bytes = document.size() * 2 + 64,
                                      .max_depth = 1 << 20,
                                      .max_attributes = 1 << 20});
  if (parser.feed(document)) {
    std::abort();
  }
  parser.next();  // the stream open
  auto event = parser.next();
  if (!event || !std::holds_alternative<StreamElement>(*event) ||
      std::get<StreamElement>(*event).element.str(content_xmlns) != serialized) {
    std::abort();
  }
}

void drain(XmlStreamParser& parser, std::string& content_xmlns, bool& reset_requested) {
  while (auto event = parser.next()) {
    if (auto* open = std::get_if<StreamOpen>(&*event)) {
      content_xmlns = open->content_xmlns;
      (void)open->header.str();
    } else if (auto* stanza = std::get_if<StreamElement>(&*event)) {
      const Element copy = stanza->element.clone();
      check_round_trip(copy, content_xmlns);
      // The way a session restarts the stream after STARTTLS or SASL success.
      reset_requested = reset_requested || copy.name() == "proceed" || copy.name() == "success";
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  // The first byte picks tight or default limits and how many chunks the rest is cut into.
  const std::uint8_t control = data[0];
  StreamLimits limits;
  if (control & 1) {
    limits.max_stanza_bytes = 512;
  }
  if (control & 2) {
    limits.max_depth = 4;
  }
  if (control & 4) {
    limits.max_attributes = 3;
  }
  const std::size_t chunks = 1 + (control >> 3);
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  XmlStreamParser parser(limits);
  std::string content_xmlns;
  const std::size_t chunk_size = input.size() / chunks + 1;
  for (std::size_t offset = 0; offset < input.size(); offset += chunk_size) {
    const bool failed = parser.feed(input.substr(offset, chunk_size)).has_value();
    bool reset_requested = false;
    drain(parser, content_xmlns, reset_requested);
    if (failed) {
      break;
    }
    if (reset_requested) {
      parser.reset();
    }
  }
  return 0;
}
