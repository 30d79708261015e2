#include "store/archived_stanza.hpp"

#include <expat.h>

#include <climits>
#include <cstring>
#include <memory>

namespace stoa::store {

namespace {

// expat reports names as "namespace-uri<kSeparator>local-name"; no URI contains a space.
constexpr char kSeparator = ' ';
constexpr std::string_view kClient = "jabber:client";
constexpr std::string_view kOccupantId = "urn:xmpp:occupant-id:0";

struct Extraction {
  StanzaColumns columns;
  int depth = 0;
  bool in_body = false;
  std::string body;
};

bool is_name(const XML_Char* name, std::string_view xmlns, std::string_view local) {
  const std::string_view full(name);
  const std::size_t split = full.find(kSeparator);
  if (split == std::string_view::npos) {
    // Serialized inside a jabber:client context, the namespace is not declared at all.
    return xmlns == kClient && full == local;
  }
  return full.substr(0, split) == xmlns && full.substr(split + 1) == local;
}

void XMLCALL on_start(void* data, const XML_Char* name, const XML_Char** attributes) {
  auto& state = *static_cast<Extraction*>(data);
  ++state.depth;
  if (state.depth != 2) {
    return;
  }
  if (!state.columns.body && is_name(name, kClient, "body")) {
    state.in_body = true;
  } else if (!state.columns.occupant_id && is_name(name, kOccupantId, "occupant-id")) {
    for (const XML_Char** attribute = attributes; *attribute; attribute += 2) {
      if (std::strcmp(attribute[0], "id") == 0) {
        state.columns.occupant_id = attribute[1];
      }
    }
  }
}

void XMLCALL on_end(void* data, const XML_Char*) {
  auto& state = *static_cast<Extraction*>(data);
  if (state.depth == 2 && state.in_body) {
    state.columns.body = std::move(state.body);
    state.in_body = false;
  }
  --state.depth;
}

void XMLCALL on_text(void* data, const XML_Char* text, int length) {
  auto& state = *static_cast<Extraction*>(data);
  if (state.in_body && state.depth == 2) {
    state.body.append(text, static_cast<std::size_t>(length));
  }
}

}  // namespace

StanzaColumns extract_stanza_columns(std::string_view stanza) {
  if (stanza.size() > INT_MAX) {
    return {};
  }
  const std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(
      XML_ParserCreateNS("UTF-8", kSeparator), &XML_ParserFree);
  if (!parser) {
    return {};
  }
  Extraction state;
  XML_SetUserData(parser.get(), &state);
  XML_SetElementHandler(parser.get(), on_start, on_end);
  XML_SetCharacterDataHandler(parser.get(), on_text);
  if (XML_Parse(parser.get(), stanza.data(), static_cast<int>(stanza.size()), XML_TRUE) !=
      XML_STATUS_OK) {
    return {};
  }
  return state.columns;
}

}  // namespace stoa::store
