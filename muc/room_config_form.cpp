#include "muc/room_config_form.hpp"

#include <algorithm>
#include <charconv>

#include "muc/muc_namespaces.hpp"
#include "xmpp/jid.hpp"

namespace stoa::muc {

namespace {

using xmpp::StanzaCondition;
using xmpp::StanzaError;

// Bounds on free text, so that a room's configuration stays small in every presence and form.
constexpr std::size_t kMaxNameBytes = 256;
constexpr std::size_t kMaxDescriptionBytes = 4096;
constexpr std::size_t kMaxLanguageBytes = 35;  // RFC 5646 recommends supporting 35
constexpr std::size_t kMaxPasswordBytes = 256;

constexpr const char* kBoolean = "boolean";
// Not a muc#roomconfig field: Stoa's own, named in its own namespace (XEP-0068).
constexpr std::string_view kRetentionField = "stoa#roomconfig_retentiondays";

std::string bool_value(bool value) {
  return value ? "1" : "0";
}

std::vector<std::string> role_values(const RoleSet& roles) {
  std::vector<std::string> out;
  for (Role role : {Role::moderator, Role::participant, Role::visitor}) {
    if (roles.contains(role)) {
      out.emplace_back(to_string(role));
    }
  }
  return out;
}

void add_role_options(FormField& field) {
  field.options = {
      {"Moderator", "moderator"}, {"Participant", "participant"}, {"Visitor", "visitor"}};
}

std::optional<unsigned> parse_unsigned(std::string_view text) {
  unsigned value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

StanzaError bad_value(const FormField& field) {
  return {StanzaCondition::bad_request, "invalid value '" + field.value() + "' for " + field.var};
}

class Applier {
 public:
  Applier(const DataForm& form, const ServiceSettings& settings)
      : form_(form), settings_(settings) {}

  std::optional<StanzaError> boolean(std::string_view var, bool& out) {
    const FormField* field = form_.field(var);
    if (!field) {
      return std::nullopt;
    }
    std::optional<bool> value = parse_form_boolean(field->value());
    if (!value) {
      return bad_value(*field);
    }
    out = *value;
    return std::nullopt;
  }

  std::optional<StanzaError> text(std::string_view var, std::size_t max_bytes, std::string& out) {
    const FormField* field = form_.field(var);
    if (!field) {
      return std::nullopt;
    }
    if (field->value().size() > max_bytes) {
      return StanzaError(StanzaCondition::not_acceptable, std::string(var) + " is longer than " +
                                                              std::to_string(max_bytes) + " bytes");
    }
    out = field->value();
    return std::nullopt;
  }

  std::optional<StanzaError> roles(std::string_view var, RoleSet& out) {
    const FormField* field = form_.field(var);
    if (!field) {
      return std::nullopt;
    }
    RoleSet set{false, false, false};
    for (const std::string& value : field->values) {
      std::optional<Role> role = parse_role(value);
      if (value == "none" || !role) {
        return StanzaError(StanzaCondition::bad_request,
                           "invalid role '" + value + "' in " + std::string(var));
      }
      set.moderator = set.moderator || *role == Role::moderator;
      set.participant = set.participant || *role == Role::participant;
      set.visitor = set.visitor || *role == Role::visitor;
    }
    out = set;
    return std::nullopt;
  }

  std::optional<StanzaError> jids(std::string_view var,
                                  std::optional<std::vector<std::string>>& out) {
    const FormField* field = form_.field(var);
    if (!field) {
      return std::nullopt;
    }
    std::vector<std::string> list;
    for (const std::string& value : field->values) {
      if (value.empty()) {
        continue;  // some clients submit one empty value for an empty list
      }
      std::optional<xmpp::Jid> jid = xmpp::Jid::parse(value);
      if (!jid) {
        return StanzaError(StanzaCondition::jid_malformed,
                           "'" + value + "' in " + std::string(var) + " is not a JID");
      }
      std::string bare = jid->bare_str();
      if (std::ranges::find(list, bare) == list.end()) {
        list.push_back(std::move(bare));
      }
    }
    if (list.size() > settings_.max_affiliations_per_room) {
      return StanzaError(StanzaCondition::not_acceptable,
                         std::string(var) + " lists more JIDs than a room may hold");
    }
    out = std::move(list);
    return std::nullopt;
  }

 private:
  const DataForm& form_;
  const ServiceSettings& settings_;
};

}  // namespace

DataForm config_form(const std::string& room_jid, const RoomConfig& config,
                     const std::vector<std::string>& owners, const std::vector<std::string>& admins,
                     const ServiceSettings& settings) {
  DataForm form;
  form.type = "form";
  form.title = "Configuration of " + room_jid;
  form.add("FORM_TYPE", "hidden", "", {std::string(ns::kMucRoomConfig)});
  form.add("muc#roomconfig_roomname", "text-single", "Name", {config.name});
  form.add("muc#roomconfig_roomdesc", "text-single", "Description", {config.description});
  form.add("muc#roomconfig_lang", "text-single", "Language (e.g. en)", {config.language});
  form.add("muc#roomconfig_persistentroom", kBoolean, "Persistent (kept when empty)",
           {bool_value(config.persistent)});
  form.add("muc#roomconfig_publicroom", kBoolean, "Listed in the room directory",
           {bool_value(config.public_room)});
  form.add("muc#roomconfig_membersonly", kBoolean, "Members only",
           {bool_value(config.members_only)});
  form.add("muc#roomconfig_moderatedroom", kBoolean, "Moderated (newcomers need voice)",
           {bool_value(config.moderated)});
  form.add("muc#roomconfig_passwordprotectedroom", kBoolean, "Password protected",
           {bool_value(config.password_protected)});
  form.add("muc#roomconfig_roomsecret", "text-private", "Password", {config.password});
  FormField& whois = form.add("muc#roomconfig_whois", "list-single", "Who may discover real JIDs",
                              {std::string(to_string(config.whois))});
  whois.options = {{"Moderators only", "moderators"}, {"Anyone", "anyone"}};
  FormField& maxusers =
      form.add("muc#roomconfig_maxusers", "list-single", "Maximum number of occupants",
               {config.max_users == 0 ? std::string("none") : std::to_string(config.max_users)});
  for (unsigned n : {10u, 20u, 30u, 50u, 100u, 200u, 500u, 1000u}) {
    if (n <= settings.max_occupants_per_room) {
      maxusers.options.emplace_back(std::to_string(n), std::to_string(n));
    }
  }
  maxusers.options.emplace_back("No limit", "none");
  form.add("muc#roomconfig_allowinvites", kBoolean, "Occupants may invite others",
           {bool_value(config.allow_invites)});
  FormField& allowpm =
      form.add("muc#roomconfig_allowpm", "list-single", "Who may send private messages",
               {std::string(to_string(config.allow_pm))});
  allowpm.options = {{"Anyone", "anyone"},
                     {"Participants", "participants"},
                     {"Moderators", "moderators"},
                     {"Nobody", "none"}};
  form.add("muc#roomconfig_changesubject", kBoolean, "Participants may change the subject",
           {bool_value(config.change_subject)});
  form.add("muc#roomconfig_enablelogging", kBoolean, "Archive served to occupants (MAM)",
           {bool_value(config.enable_logging)});
  add_role_options(form.add("muc#roomconfig_getmemberlist", "list-multi",
                            "Roles that may retrieve the member list",
                            role_values(config.get_member_list)));
  add_role_options(form.add("muc#roomconfig_presencebroadcast", "list-multi",
                            "Roles whose presence is broadcast",
                            role_values(config.presence_broadcast)));
  form.add(
      "muc#maxhistoryfetch", "text-single",
      "Messages of history sent on join (at most " + std::to_string(settings.max_history) + ")",
      {std::to_string(config.history_length)});
  form.add("muc#roomconfig_allowvoicerequests", kBoolean, "Visitors may request voice",
           {bool_value(config.allow_voice_requests)});
  std::string retention_label = "Days the archive keeps messages (0: the service's default";
  retention_label += settings.max_retention_days > 0
                         ? ", at most " + std::to_string(settings.max_retention_days) + ")"
                         : ")";
  form.add(std::string(kRetentionField), "text-single", retention_label,
           {std::to_string(config.retention_days)});
  form.add("muc#roomconfig_roomadmins", "jid-multi", "Administrators", admins);
  form.add("muc#roomconfig_roomowners", "jid-multi", "Owners", owners);
  return form;
}

std::variant<ConfigSubmission, StanzaError> apply_config_form(const DataForm& submitted,
                                                              const RoomConfig& current,
                                                              const ServiceSettings& settings) {
  std::string form_type = submitted.form_type();
  if (!form_type.empty() && form_type != ns::kMucRoomConfig) {
    return StanzaError(StanzaCondition::bad_request,
                       "FORM_TYPE must be " + std::string(ns::kMucRoomConfig));
  }
  ConfigSubmission out{current, std::nullopt, std::nullopt};
  RoomConfig& config = out.config;
  Applier apply(submitted, settings);
  const bool password_flag_given = submitted.field("muc#roomconfig_passwordprotectedroom");
  for (auto error : {
           apply.text("muc#roomconfig_roomname", kMaxNameBytes, config.name),
           apply.text("muc#roomconfig_roomdesc", kMaxDescriptionBytes, config.description),
           apply.text("muc#roomconfig_lang", kMaxLanguageBytes, config.language),
           apply.text("muc#roomconfig_roomsecret", kMaxPasswordBytes, config.password),
           apply.boolean("muc#roomconfig_persistentroom", config.persistent),
           apply.boolean("muc#roomconfig_publicroom", config.public_room),
           apply.boolean("muc#roomconfig_membersonly", config.members_only),
           apply.boolean("muc#roomconfig_moderatedroom", config.moderated),
           apply.boolean("muc#roomconfig_passwordprotectedroom", config.password_protected),
           apply.boolean("muc#roomconfig_allowinvites", config.allow_invites),
           apply.boolean("muc#roomconfig_changesubject", config.change_subject),
           apply.boolean("muc#roomconfig_enablelogging", config.enable_logging),
           apply.boolean("muc#roomconfig_allowvoicerequests", config.allow_voice_requests),
           apply.roles("muc#roomconfig_getmemberlist", config.get_member_list),
           apply.roles("muc#roomconfig_presencebroadcast", config.presence_broadcast),
           apply.jids("muc#roomconfig_roomowners", out.owners),
           apply.jids("muc#roomconfig_roomadmins", out.admins),
       }) {
    if (error) {
      return std::move(*error);
    }
  }
  if (const FormField* whois = submitted.field("muc#roomconfig_whois")) {
    std::optional<Whois> value = parse_whois(whois->value());
    if (!value) {
      return bad_value(*whois);
    }
    config.whois = *value;
  }
  if (const FormField* allowpm = submitted.field("muc#roomconfig_allowpm")) {
    std::optional<PmPolicy> value = parse_pm_policy(allowpm->value());
    if (!value) {
      return bad_value(*allowpm);
    }
    config.allow_pm = *value;
  }
  if (const FormField* maxusers = submitted.field("muc#roomconfig_maxusers")) {
    const std::string& text = maxusers->value();
    if (text.empty() || text == "none" || text == "0") {
      config.max_users = 0;
    } else if (std::optional<unsigned> value = parse_unsigned(text)) {
      if (*value > settings.max_occupants_per_room) {
        return StanzaError(StanzaCondition::not_acceptable,
                           "maxusers may not exceed the service's limit of " +
                               std::to_string(settings.max_occupants_per_room));
      }
      config.max_users = *value;
    } else {
      return bad_value(*maxusers);
    }
  }
  // muc#roomconfig_historylength is what some clients call muc#maxhistoryfetch.
  const FormField* history = submitted.field("muc#maxhistoryfetch");
  if (!history) {
    history = submitted.field("muc#roomconfig_historylength");
  }
  if (history) {
    std::optional<unsigned> value = parse_unsigned(history->value());
    if (!value) {
      return bad_value(*history);
    }
    if (*value > settings.max_history) {
      return StanzaError(
          StanzaCondition::not_acceptable,
          "history may not exceed " + std::to_string(settings.max_history) + " messages");
    }
    config.history_length = *value;
  }
  if (const FormField* retention = submitted.field(kRetentionField)) {
    std::optional<unsigned> value = parse_unsigned(retention->value());
    if (!value) {
      return bad_value(*retention);
    }
    if (settings.max_retention_days > 0 && *value > settings.max_retention_days) {
      return StanzaError(
          StanzaCondition::not_acceptable,
          "retention may not exceed " + std::to_string(settings.max_retention_days) + " days");
    }
    config.retention_days = *value;
  }
  // Clients that only fill in the password expect it to protect the room.
  if (!password_flag_given && submitted.field("muc#roomconfig_roomsecret")) {
    config.password_protected = !config.password.empty();
  }
  if (config.password_protected && config.password.empty()) {
    return StanzaError(StanzaCondition::not_acceptable,
                       "a password-protected room needs a password (muc#roomconfig_roomsecret)");
  }
  if (out.owners && out.owners->empty()) {
    return StanzaError(StanzaCondition::conflict, "a room needs at least one owner");
  }
  return out;
}

}  // namespace stoa::muc
