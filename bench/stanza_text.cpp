#include "bench/stanza_text.hpp"

#include "xmpp/namespaces.hpp"

namespace stoa::bench::stanza_text {

std::string sasl_auth(std::string_view mechanism, std::string_view base64) {
  std::string out = "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='";
  out += mechanism;
  out += "'>";
  out += base64.empty() ? std::string_view("=") : base64;
  out += "</auth>";
  return out;
}

std::string sasl_response(std::string_view base64) {
  return "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + std::string(base64) +
         "</response>";
}

std::string error_condition(const xmpp::Element& stanza) {
  if (const xmpp::Element* error = stanza.child("error")) {
    for (const xmpp::Element* child : error->children()) {
      if (child->xmlns() == xmpp::ns::kStanzaErrors) {
        return child->name();
      }
    }
  }
  return "unknown";
}

}  // namespace stoa::bench::stanza_text
