#include "muc/data_form.hpp"

#include <algorithm>

#include "xmpp/namespaces.hpp"

namespace stoa::muc {

const std::string& FormField::value() const {
  static const std::string kEmpty;
  return values.empty() ? kEmpty : values.front();
}

const FormField* DataForm::field(std::string_view var) const {
  auto found = std::ranges::find(fields, var, &FormField::var);
  return found == fields.end() ? nullptr : &*found;
}

std::string DataForm::form_type() const {
  const FormField* type_field = field("FORM_TYPE");
  return type_field ? type_field->value() : std::string();
}

FormField& DataForm::add(std::string var, std::string type, std::string label,
                         std::vector<std::string> values) {
  fields.push_back(
      FormField{std::move(var), std::move(type), std::move(label), std::move(values), {}});
  return fields.back();
}

xmpp::Element to_element(const DataForm& form) {
  xmpp::Element x("x", std::string(xmpp::ns::kDataForms));
  x.set_attr("type", form.type);
  if (!form.title.empty()) {
    x.add_child("title", std::string(xmpp::ns::kDataForms)).set_text(form.title);
  }
  for (const FormField& field : form.fields) {
    xmpp::Element& f = x.add_child("field", std::string(xmpp::ns::kDataForms));
    f.set_attr("var", field.var);
    if (!field.type.empty()) {
      f.set_attr("type", field.type);
    }
    if (!field.label.empty()) {
      f.set_attr("label", field.label);
    }
    for (const std::string& value : field.values) {
      f.add_child("value", std::string(xmpp::ns::kDataForms)).set_text(value);
    }
    for (const auto& [label, value] : field.options) {
      xmpp::Element& option = f.add_child("option", std::string(xmpp::ns::kDataForms));
      if (!label.empty()) {
        option.set_attr("label", label);
      }
      option.add_child("value", std::string(xmpp::ns::kDataForms)).set_text(value);
    }
  }
  return x;
}

std::optional<DataForm> parse_form(const xmpp::Element& x) {
  if (!x.is("x", xmpp::ns::kDataForms)) {
    return std::nullopt;
  }
  DataForm form;
  form.type = x.attr_or("type");
  if (form.type != "form" && form.type != "submit" && form.type != "cancel" &&
      form.type != "result") {
    return std::nullopt;
  }
  form.title = x.child_text("title", xmpp::ns::kDataForms);
  for (const xmpp::Element* f : x.children("field", xmpp::ns::kDataForms)) {
    FormField field;
    field.var = f->attr_or("var");
    field.type = f->attr_or("type");
    field.label = f->attr_or("label");
    for (const xmpp::Element* value : f->children("value", xmpp::ns::kDataForms)) {
      field.values.push_back(value->text());
    }
    form.fields.push_back(std::move(field));
  }
  return form;
}

std::optional<bool> parse_form_boolean(std::string_view value) {
  if (value == "1" || value == "true") {
    return true;
  }
  if (value == "0" || value == "false") {
    return false;
  }
  return std::nullopt;
}

}  // namespace stoa::muc
