#include "muc/search_request.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "muc/data_form.hpp"
#include "muc/mam_query.hpp"
#include "muc/muc_namespaces.hpp"
#include "muc/rsm.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza_error.hpp"

namespace stoa::muc {

namespace {

using xmpp::Element;
using xmpp::Jid;
using xmpp::StanzaCondition;
using xmpp::StanzaError;

// Echoed in every result of the page, as MAM's queryid: a long one would multiply the answer.
constexpr std::size_t kMaxQueryIdBytes = 256;

StanzaError bad_request(std::string text) {
  return StanzaError(StanzaCondition::bad_request, std::move(text));
}

/// Applies one field of the submitted form to the query.
std::optional<StanzaError> apply_field(SearchQuery& query, const FormField& field,
                                       const std::string& service) {
  if (field.values.size() > 1) {
    return bad_request("the field '" + field.var + "' takes one value");
  }
  const std::string value = field.values.empty() ? std::string() : field.values.front();
  if (field.var == "FORM_TYPE") {
    if (!value.empty() && value != ns::kStoaSearch) {
      return bad_request("FORM_TYPE must be " + std::string(ns::kStoaSearch));
    }
  } else if (is_fulltext_field(field.var)) {
    auto text = parse_fulltext(value);
    if (auto* error = std::get_if<StanzaError>(&text)) {
      return std::move(*error);
    }
    query.text = std::get<std::string>(std::move(text));
  } else if (value.empty()) {
    // Not given: no filter.
  } else if (field.var == "start" || field.var == "end") {
    auto time = parse_archive_time(field.var, value);
    if (auto* error = std::get_if<StanzaError>(&time)) {
      return std::move(*error);
    }
    (field.var == "start" ? query.start : query.end) = std::get<Timestamp>(time);
  } else if (field.var == "room") {
    std::optional<Jid> room = Jid::parse(value);
    if (!room || !room->is_bare() || room->local().empty() || room->domain() != service) {
      return bad_request("'room' must be the bare JID of a room of " + service + ", not '" + value +
                         "'");
    }
    query.room = room->bare_str();
  } else {
    return StanzaError(StanzaCondition::feature_not_implemented,
                       "the search has no field '" + field.var + "'");
  }
  return std::nullopt;
}

std::optional<StanzaError> apply_form(SearchQuery& query, const Element& x,
                                      const std::string& service) {
  std::optional<DataForm> form = parse_form(x);
  if (!form || form->type != "submit") {
    return bad_request("the search form must be a data form of type 'submit'");
  }
  std::set<std::string> seen;
  bool text_given = false;
  for (const FormField& field : form->fields) {
    if (!seen.insert(field.var).second) {
      return bad_request("the field '" + field.var + "' appears twice");
    }
    if (is_fulltext_field(field.var)) {
      if (text_given) {
        return bad_request("the search text is given in one field");
      }
      text_given = true;
    }
    if (std::optional<StanzaError> error = apply_field(query, field, service)) {
      return error;
    }
  }
  return std::nullopt;
}

std::optional<StanzaError> apply_rsm(SearchQuery& query, const Element* set, std::size_t max_page) {
  query.max = max_page;
  if (!set) {
    return std::nullopt;
  }
  auto parsed = parse_rsm(*set);
  if (auto* error = std::get_if<StanzaError>(&parsed)) {
    return std::move(*error);
  }
  const RsmRequest& rsm = std::get<RsmRequest>(parsed);
  if (rsm.index) {
    return StanzaError(StanzaCondition::feature_not_implemented,
                       "pages by <index/> are not supported; use <after/> or <before/>");
  }
  if (rsm.after && rsm.before) {
    return bad_request("<after/> and <before/> together are undefined");
  }
  query.max = std::min(rsm.max.value_or(max_page), max_page);
  for (auto [given, place] :
       {std::pair{&rsm.after, &query.page_after}, std::pair{&rsm.before, &query.page_before}}) {
    if (!*given) {
      continue;
    }
    if ((*given)->empty() && given == &rsm.before) {
      query.last_page = true;
      continue;
    }
    *place = parse_search_cursor(**given);
    if (!*place) {
      // The ids are the cursors of earlier results; anything else names no result.
      return StanzaError(StanzaCondition::item_not_found, "'" + **given + "' is no result id");
    }
  }
  return std::nullopt;
}

std::variant<ServeSearch, StanzaError> read_search(const Element& iq, const Element& payload,
                                                   const Jid& from,
                                                   const ServiceSettings& settings) {
  ServeSearch search;
  search.to = from;
  search.iq_id = iq.attr_or("id");
  if (const std::string* id = payload.attr("queryid")) {
    if (id->size() > kMaxQueryIdBytes) {
      return bad_request("a queryid is limited to " + std::to_string(kMaxQueryIdBytes) + " bytes");
    }
    search.query_id = *id;
  }
  if (payload.children("x", xmpp::ns::kDataForms).size() > 1 ||
      payload.children("set", ns::kRsm).size() > 1) {
    return bad_request("a search has at most one form and one <set/>");
  }
  const Element* x = payload.child("x", xmpp::ns::kDataForms);
  if (!x) {
    return bad_request("a search is a data form with the words to find");
  }
  if (std::optional<StanzaError> error = apply_form(search.query, *x, settings.domain)) {
    return std::move(*error);
  }
  if (search.query.text.empty()) {
    return bad_request("the field '" + std::string(kFulltextField) + "' gives the words to find");
  }
  if (std::optional<StanzaError> error =
          apply_rsm(search.query, payload.child("set", ns::kRsm), settings.mam_max_page)) {
    return std::move(*error);
  }
  search.scope.service = settings.domain;
  search.scope.user = from.str();
  search.scope.user_bare = from.bare_str();
  search.scope.user_domain = from.domain();
  search.scope.service_admin =
      std::ranges::find(settings.admins, search.scope.user_bare) != settings.admins.end();
  return search;
}

Element search_form() {
  DataForm form;
  form.type = "form";
  form.add("FORM_TYPE", "hidden", "", {std::string(ns::kStoaSearch)});
  form.add(std::string(kFulltextField), "text-single",
           "Containing these words (\"a phrase\", -without, or)");
  form.add("start", "text-single", "Sent at or after (XEP-0082 DateTime)");
  form.add("end", "text-single", "Sent at or before (XEP-0082 DateTime)");
  form.add("room", "jid-single", "Only in this room");
  Element query("query", std::string(ns::kStoaSearch));
  query.add_child(to_element(form));
  return query;
}

}  // namespace

bool is_search_request(const Element& stanza) {
  const std::string type = stanza.attr_or("type");
  if (stanza.name() != "iq" || (type != "get" && type != "set")) {
    return false;
  }
  std::vector<const Element*> payloads = stanza.children();
  return payloads.size() == 1 && payloads.front()->is("query", ns::kStoaSearch);
}

std::variant<Element, ServeSearch> read_search_request(const Element& iq, const Jid& from,
                                                       const ServiceSettings& settings) {
  if (iq.attr_or("type") == "get") {
    Element reply = xmpp::make_iq_result(iq);
    reply.add_child(search_form());
    return reply;
  }
  auto read = read_search(iq, *iq.children().front(), from, settings);
  if (auto* error = std::get_if<StanzaError>(&read)) {
    return xmpp::make_error_reply(iq, *error);
  }
  return std::get<ServeSearch>(std::move(read));
}

std::string format_search_cursor(const SearchPosition& position) {
  return std::to_string(position.at.time_since_epoch().count()) + "." +
         std::to_string(position.seq);
}

std::optional<SearchPosition> parse_search_cursor(std::string_view text) {
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) {
    return std::nullopt;
  }
  auto whole = [](std::string_view part, std::int64_t& out) {
    const char* end = part.data() + part.size();
    auto [ptr, error] = std::from_chars(part.data(), end, out);
    return !part.empty() && error == std::errc() && ptr == end;
  };
  std::int64_t micros = 0;
  SearchPosition position;
  if (!whole(text.substr(0, dot), micros) || !whole(text.substr(dot + 1), position.seq) ||
      position.seq < 0) {
    return std::nullopt;
  }
  position.at = Timestamp(std::chrono::microseconds(micros));
  if (!in_archive_years(position.at)) {
    return std::nullopt;
  }
  return position;
}

std::optional<Element> search_result_message(const SearchHit& hit, const std::string& service,
                                             const std::optional<std::string>& query_id,
                                             const std::string& requester) {
  const bool show_jid = hit.shows_real_jid || hit.entry.sender == requester;
  std::optional<Element> forwarded = forwarded_entry(hit.entry, show_jid ? hit.entry.sender : "");
  if (!forwarded) {
    return std::nullopt;
  }
  Element message("message", std::string(xmpp::ns::kClient));
  message.set_attr("from", service);
  Element& result = message.add_child("result", std::string(ns::kStoaSearch));
  if (query_id) {
    result.set_attr("queryid", *query_id);
  }
  result.set_attr("room", hit.room);
  result.set_attr("id", hit.entry.stanza_id);
  result.set_attr("cursor", format_search_cursor(hit.position));
  result.add_child(std::move(*forwarded));
  return message;
}

Element search_fin(const SearchPage& page) {
  Element fin("fin", std::string(ns::kStoaSearch));
  if (page.complete) {
    fin.set_attr("complete", "true");
  }
  if (page.hits.empty()) {
    fin.add_child(rsm_page_set("", "", std::nullopt, page.count));
  } else {
    fin.add_child(rsm_page_set(format_search_cursor(page.hits.front().position),
                               format_search_cursor(page.hits.back().position), page.first_index,
                               page.count));
  }
  return fin;
}

}  // namespace stoa::muc
