#include "muc/mam_query.hpp"

#include <algorithm>
#include <set>

#include "muc/data_form.hpp"
#include "muc/history.hpp"
#include "muc/muc_namespaces.hpp"
#include "muc/rsm.hpp"
#include "xmpp/namespaces.hpp"

namespace stoa::muc {

namespace {

using xmpp::Element;
using xmpp::StanzaCondition;
using xmpp::StanzaError;

// Echoed in every result of the page: a long one would multiply the answer's size.
constexpr std::size_t kMaxQueryIdBytes = 256;

// A search text is a few words: a longer one is no search a person types, and its query would
// cost the index a lookup per word.
constexpr std::size_t kMaxFulltextBytes = 1024;

StanzaError bad_request(std::string text) {
  return StanzaError(StanzaCondition::bad_request, std::move(text));
}

/// The single value of a field; nullopt when it has none or an empty one (taken as not given).
std::variant<std::optional<std::string>, StanzaError> single_value(const FormField& field) {
  if (field.values.size() > 1) {
    return bad_request("the field '" + field.var + "' takes one value");
  }
  if (field.values.empty() || field.values.front().empty()) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(field.values.front());
}

/// Applies one field of the submitted form to the request.
std::optional<StanzaError> apply_field(MamRequest& request, const FormField& field,
                                       const xmpp::Jid& room, std::size_t max_page) {
  ArchiveQuery& query = request.query;
  if (field.var == "ids") {
    for (const std::string& id : field.values) {
      if (!id.empty()) {
        query.ids.push_back(id);
      }
    }
    // They all fit on one page: a longer list is no query a client needs.
    if (query.ids.size() > max_page) {
      return bad_request("at most " + std::to_string(max_page) + " ids per query");
    }
    return std::nullopt;
  }
  auto read = single_value(field);
  if (auto* error = std::get_if<StanzaError>(&read)) {
    return std::move(*error);
  }
  std::optional<std::string> value = std::get<std::optional<std::string>>(std::move(read));
  if (field.var == "FORM_TYPE") {
    if (value && *value != ns::kMam) {
      return bad_request("FORM_TYPE must be " + std::string(ns::kMam));
    }
  } else if (!value) {
    // Not given: no filter.
  } else if (field.var == "start" || field.var == "end") {
    auto time = parse_archive_time(field.var, *value);
    if (auto* error = std::get_if<StanzaError>(&time)) {
      return std::move(*error);
    }
    (field.var == "start" ? query.start : query.end) = std::get<Timestamp>(time);
  } else if (field.var == "with") {
    std::optional<xmpp::Jid> with = xmpp::Jid::parse(*value);
    if (!with) {
      return bad_request("'with' must be a JID, not '" + *value + "'");
    }
    if (with->bare() == room.bare()) {
      // An occupant JID names the sender by nick; the bare room JID matches everything.
      if (!with->is_bare()) {
        query.nick = with->resource();
      }
    } else {
      // Only bare JIDs are archived: a full JID matches its account's messages.
      query.sender = with->bare_str();
      request.filters_by_real_jid = true;
    }
  } else if (is_fulltext_field(field.var)) {
    if (query.fulltext) {
      return bad_request("the search text is given in one field");
    }
    auto text = parse_fulltext(std::move(*value));
    if (auto* error = std::get_if<StanzaError>(&text)) {
      return std::move(*error);
    }
    query.fulltext = std::get<std::string>(std::move(text));
  } else if (field.var == "after-id") {
    query.after_id = std::move(value);
  } else if (field.var == "before-id") {
    query.before_id = std::move(value);
  } else {
    // XEP-0313 (Retrieving form fields): a field the archive does not know is
    // feature-not-implemented.
    return StanzaError(StanzaCondition::feature_not_implemented,
                       "the archive has no query field '" + field.var + "'");
  }
  return std::nullopt;
}

std::optional<StanzaError> apply_form(MamRequest& request, const Element& x, const xmpp::Jid& room,
                                      std::size_t max_page) {
  std::optional<DataForm> form = parse_form(x);
  if (!form || form->type != "submit") {
    return bad_request("the query form must be a data form of type 'submit'");
  }
  std::set<std::string> seen;
  for (const FormField& field : form->fields) {
    if (!seen.insert(field.var).second) {
      return bad_request("the field '" + field.var + "' appears twice");
    }
    if (std::optional<StanzaError> error = apply_field(request, field, room, max_page)) {
      return error;
    }
  }
  return std::nullopt;
}

std::optional<StanzaError> apply_rsm(MamRequest& request, const Element* set,
                                     std::size_t max_page) {
  ArchiveQuery& query = request.query;
  query.max = max_page;
  if (!set) {
    return std::nullopt;
  }
  auto parsed = parse_rsm(*set);
  if (auto* error = std::get_if<StanzaError>(&parsed)) {
    return std::move(*error);
  }
  RsmRequest& rsm = std::get<RsmRequest>(parsed);
  if (rsm.index) {
    // XEP-0059 (Retrieving a page out of order): optional; ids page through any archive size.
    return StanzaError(StanzaCondition::feature_not_implemented,
                       "pages by <index/> are not supported; use <after/> or <before/>");
  }
  if (rsm.after && rsm.before) {
    // XEP-0313 (Requesting pages): undefined by RSM; the form fields give ranges.
    return bad_request("<after/> and <before/> together are undefined; use after-id and before-id");
  }
  if (rsm.after && rsm.after->empty()) {
    return bad_request("<after/> must name an id");
  }
  query.max = std::min(rsm.max.value_or(max_page), max_page);
  query.page_after = std::move(rsm.after);
  query.page_before = std::move(rsm.before);
  return std::nullopt;
}

}  // namespace

bool in_archive_years(Timestamp time) {
  const std::chrono::year year =
      std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(time)).year();
  return year >= std::chrono::year(1) && year <= std::chrono::year(9999);
}

std::variant<Timestamp, StanzaError> parse_archive_time(const std::string& var,
                                                        const std::string& value) {
  std::optional<Timestamp> time = parse_timestamp(value);
  if (time && !in_archive_years(*time)) {
    return bad_request("'" + var + "' must lie in the years 1 to 9999, not '" + value + "'");
  }
  if (!time) {
    return bad_request("'" + var + "' must be an XEP-0082 DateTime, not '" + value + "'");
  }
  return *time;
}

bool is_fulltext_field(const std::string& var) {
  return var == kFulltextField || var == "withtext" || var == "full-text-search";
}

std::variant<std::string, StanzaError> parse_fulltext(std::string text) {
  if (text.size() > kMaxFulltextBytes) {
    return bad_request("the search text is limited to " + std::to_string(kMaxFulltextBytes) +
                       " bytes");
  }
  return text;
}

std::variant<MamRequest, StanzaError> parse_mam_query(const Element& query, const xmpp::Jid& room,
                                                      std::size_t max_page) {
  MamRequest request;
  if (const std::string* id = query.attr("queryid")) {
    if (id->size() > kMaxQueryIdBytes) {
      return bad_request("a queryid is limited to " + std::to_string(kMaxQueryIdBytes) + " bytes");
    }
    request.query_id = *id;
  }
  if (query.attr("node")) {
    // XEP-0313 reserves 'node' for pubsub archives.
    return StanzaError(StanzaCondition::item_not_found, "the room's archive has no nodes");
  }
  if (query.children("x", xmpp::ns::kDataForms).size() > 1 ||
      query.children("set", ns::kRsm).size() > 1) {
    return bad_request("a query has at most one form and one <set/>");
  }
  if (const Element* x = query.child("x", xmpp::ns::kDataForms)) {
    if (std::optional<StanzaError> error = apply_form(request, *x, room, max_page)) {
      return std::move(*error);
    }
  }
  if (std::optional<StanzaError> error =
          apply_rsm(request, query.child("set", ns::kRsm), max_page)) {
    return std::move(*error);
  }
  request.flip = query.child("flip-page", ns::kMam) != nullptr;
  return request;
}

Element mam_query_form() {
  DataForm form;
  form.type = "form";
  form.add("FORM_TYPE", "hidden", "", {std::string(ns::kMam)});
  form.add("with", "jid-single", "Sender: an occupant JID, or a real JID where you may see them");
  form.add("start", "text-single", "Sent at or after (XEP-0082 DateTime)");
  form.add("end", "text-single", "Sent at or before (XEP-0082 DateTime)");
  form.add("before-id", "text-single", "Sent before the message with this id");
  form.add("after-id", "text-single", "Sent after the message with this id");
  form.add(std::string(kFulltextField), "text-single",
           "Containing these words (\"a phrase\", -without, or)");
  Element x = to_element(form);
  // XEP-0313 (Retrieving form fields): the ids are open-ended, which an XEP-0122 <validate/> says.
  Element& ids = x.add_child("field", std::string(xmpp::ns::kDataForms));
  ids.set_attr("var", "ids");
  ids.set_attr("type", "list-multi");
  ids.set_attr("label", "Only the messages with these ids");
  Element& validate = ids.add_child("validate", std::string(ns::kDataValidate));
  validate.set_attr("datatype", "xs:string");
  validate.add_child("open", std::string(ns::kDataValidate));
  Element query("query", std::string(ns::kMam));
  query.add_child(std::move(x));
  return query;
}

std::optional<Element> forwarded_entry(const ArchiveEntry& entry, const std::string& real_jid) {
  std::optional<Element> archived = parse_archived_stanza(entry.stanza);
  if (!archived) {
    return std::nullopt;
  }
  // XEP-0313 (MUC archives): no 'to', and no muc#user <x/> but the one the archive adds itself.
  archived->remove_attr("to");
  archived->remove_children("x", ns::kMucUser);
  if (!real_jid.empty()) {
    archived->add_child("x", std::string(ns::kMucUser))
        .add_child("item", std::string(ns::kMucUser))
        .set_attr("jid", real_jid);
  }
  Element forwarded("forwarded", std::string(xmpp::ns::kForward));
  forwarded.add_child("delay", std::string(xmpp::ns::kDelay))
      .set_attr("stamp", format_timestamp(entry.timestamp));
  forwarded.add_child(std::move(*archived));
  return forwarded;
}

std::optional<Element> mam_result_message(const ArchiveEntry& entry, const std::string& room,
                                          const std::optional<std::string>& query_id,
                                          const std::string& real_jid) {
  std::optional<Element> forwarded = forwarded_entry(entry, real_jid);
  if (!forwarded) {
    return std::nullopt;
  }
  Element message("message", std::string(xmpp::ns::kClient));
  message.set_attr("from", room);
  Element& result = message.add_child("result", std::string(ns::kMam));
  if (query_id) {
    result.set_attr("queryid", *query_id);
  }
  result.set_attr("id", entry.stanza_id);
  result.add_child(std::move(*forwarded));
  return message;
}

Element mam_fin(const ArchivePage& page) {
  Element fin("fin", std::string(ns::kMam));
  if (page.complete) {
    fin.set_attr("complete", "true");
  }
  if (page.entries.empty()) {
    fin.add_child(rsm_page_set("", "", std::nullopt, page.count));
  } else {
    fin.add_child(rsm_page_set(page.entries.front().stanza_id, page.entries.back().stanza_id,
                               page.first_index, page.count));
  }
  return fin;
}

Element mam_metadata(const ArchiveMetadata& metadata) {
  Element out("metadata", std::string(ns::kMam));
  auto add = [&out](const char* name, const std::optional<ArchiveEnd>& end) {
    if (end) {
      Element& child = out.add_child(name, std::string(ns::kMam));
      child.set_attr("id", end->stanza_id);
      child.set_attr("timestamp", format_timestamp(end->timestamp));
    }
  };
  add("start", metadata.first);
  add("end", metadata.last);
  return out;
}

}  // namespace stoa::muc
