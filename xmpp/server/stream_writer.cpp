#include "xmpp/server/stream_writer.hpp"

#include "xmpp/namespaces.hpp"

namespace stoa::xmpp::server {

std::string stream_header(std::string_view content_xmlns, std::string_view from,
                          std::string_view id) {
  std::string out = "<?xml version='1.0'?><stream:stream xmlns='";
  append_escaped(out, content_xmlns);
  out += "' xmlns:stream='http://etherx.jabber.org/streams' from='";
  append_escaped(out, from);
  out += "' id='";
  append_escaped(out, id);
  out += "' version='1.0' xml:lang='en'>";
  return out;
}

std::string stream_features(const Element& features) {
  std::string out = "<stream:features>";
  for (const Element* child : features.children()) {
    child->write(out, ns::kClient);
  }
  out += "</stream:features>";
  return out;
}

std::string stream_error(StreamCondition condition, std::string_view text) {
  std::string out = "<stream:error><";
  out += to_string(condition);
  out += " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>";
  if (!text.empty()) {
    out += "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>";
    append_escaped(out, text);
    out += "</text>";
  }
  out += "</stream:error></stream:stream>";
  return out;
}

}  // namespace stoa::xmpp::server
