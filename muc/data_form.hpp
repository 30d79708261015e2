#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xmpp/xml_element.hpp"

namespace stoa::muc {

/// One field of an XEP-0004 data form.
struct FormField {
  std::string var;
  std::string type;  ///< "boolean", "text-single", "list-multi", ...; empty when not given
  std::string label;
  std::vector<std::string> values;
  std::vector<std::pair<std::string, std::string>> options;  ///< (label, value)

  /// The first value, or "" when there is none.
  const std::string& value() const;
};

/// An XEP-0004 data form (jabber:x:data).
struct DataForm {
  std::string type;  ///< "form", "submit", "cancel" or "result"
  std::string title;
  std::vector<FormField> fields;

  const FormField* field(std::string_view var) const;
  /// The value of the hidden FORM_TYPE field, or "".
  std::string form_type() const;
  /// Appends a field; returns it for options to be added.
  FormField& add(std::string var, std::string type, std::string label,
                 std::vector<std::string> values = {});
};

/// The <x xmlns='jabber:x:data'/> element of a form.
xmpp::Element to_element(const DataForm& form);
/// Reads an <x xmlns='jabber:x:data'/>; nullopt when it is not one or has no valid type.
std::optional<DataForm> parse_form(const xmpp::Element& x);
/// XEP-0004 booleans: "1"/"true" and "0"/"false"; nullopt for anything else.
std::optional<bool> parse_form_boolean(std::string_view value);

}  // namespace stoa::muc
