#include "bench/report.hpp"

#include <cstdio>
#include <vector>

namespace stoa::bench {
namespace {

/// The rates and derived figures both reports show.
struct Figures {
  double sessions_per_s = 0;
  double joins_per_s = 0;
  double posts_per_s = 0;
  double deliveries_per_s = 0;
  double stanzas_per_s = 0;
  double storm_seconds = 0;
  double storm_sessions_per_s = 0;
  std::optional<double> kib_per_session;
  std::optional<double> kib_per_occupancy;
  double generator_cpu_seconds = 0;
  double generator_traffic_cpu_seconds = 0;  ///< in the steady and drain phases
  std::optional<double> generator_us_per_stanza;
};

double rate(double count, double seconds) {
  return seconds > 0 ? count / seconds : 0;
}

Figures figures(const RunOutcome& outcome) {
  const Results& r = outcome.results;
  Figures f;
  f.sessions_per_s =
      rate(static_cast<double>(r.sessions_established), outcome.phase_seconds("connect"));
  f.joins_per_s = rate(static_cast<double>(r.joins),
                       outcome.phase_seconds("create") + outcome.phase_seconds("join"));
  const double steady = outcome.phase_seconds("steady");
  f.posts_per_s = rate(static_cast<double>(r.posts), steady);
  f.deliveries_per_s = rate(static_cast<double>(r.deliveries), steady);
  f.stanzas_per_s =
      rate(static_cast<double>(r.stanzas_received), steady + outcome.phase_seconds("drain"));
  for (const PhaseTime& phase : outcome.phases) {
    f.generator_cpu_seconds += phase.generator_cpu_seconds;
  }
  // stanzas_received counts the steady and drain phases: their CPU time per stanza is what
  // the load generator takes from the server's cores for each delivery.
  f.generator_traffic_cpu_seconds =
      outcome.phase_generator_cpu_seconds("steady") + outcome.phase_generator_cpu_seconds("drain");
  if (r.stanzas_received > 0) {
    f.generator_us_per_stanza =
        f.generator_traffic_cpu_seconds * 1e6 / static_cast<double>(r.stanzas_received);
  }
  f.storm_seconds = outcome.phase_seconds("storm");
  f.storm_sessions_per_s = rate(static_cast<double>(r.storm_sessions), f.storm_seconds);
  // Growth of the server's resident memory while sessions, then occupancies, were added.
  const auto at = [&](const char* phase) -> const ServerSample* {
    auto found = outcome.server_at.find(phase);
    return found == outcome.server_at.end() ? nullptr : &found->second;
  };
  if (const ServerSample* before = at("connect"), *after = at("create");
      before && after && r.sessions_established > 0) {
    f.kib_per_session = static_cast<double>(after->rss_kib - before->rss_kib) /
                        static_cast<double>(r.sessions_established);
  }
  if (const ServerSample* before = at("create"), *after = at("steady");
      before && after && r.joins > 0) {
    f.kib_per_occupancy =
        static_cast<double>(after->rss_kib - before->rss_kib) / static_cast<double>(r.joins);
  }
  return f;
}

std::string number(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.3f", value);
  return text;
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", c);
      out += escape;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string quantiles(const Histogram& histogram) {
  const auto ms = [](std::uint64_t micros) { return number(static_cast<double>(micros) / 1000.0); };
  return "{\"count\": " + std::to_string(histogram.count()) +
         ", \"p50\": " + ms(histogram.quantile(0.50)) +
         ", \"p90\": " + ms(histogram.quantile(0.90)) +
         ", \"p99\": " + ms(histogram.quantile(0.99)) + ", \"max\": " + ms(histogram.max()) + "}";
}

std::string label_of(const Options& options, const Scenario& scenario) {
  return options.label.empty() ? scenario.name : options.label;
}

}  // namespace

std::string json_report(const Options& options, const Scenario& scenario, const RoomPlan& plan,
                        const RunOutcome& outcome) {
  const Results& r = outcome.results;
  const Figures f = figures(outcome);
  std::string out = "{\n";
  const auto field = [&](const std::string& key, const std::string& value) {
    out += "  " + quoted(key) + ": " + value + ",\n";
  };
  field("label", quoted(label_of(options, scenario)));
  field("scenario", quoted(scenario.name));
  field("users", std::to_string(scenario.users));
  field("rooms", std::to_string(plan.room_count()));
  field("occupancies", std::to_string(plan.memberships()));
  field("processes", std::to_string(options.processes));
  field("duration_s", number(outcome.duration_s));
  std::string phases = "{";
  for (const PhaseTime& phase : outcome.phases) {
    phases += (phases.size() > 1 ? ", " : "") + quoted(phase.name) + ": " + number(phase.seconds);
  }
  field("phases_s", phases + "}");
  field("sessions_established", std::to_string(r.sessions_established));
  field("sessions_established_per_s", number(f.sessions_per_s));
  field("sessions_held", std::to_string(r.sessions_held));
  field("joins", std::to_string(r.joins));
  field("joins_per_s", number(f.joins_per_s));
  field("join_latency_ms", quantiles(r.join_latency));
  field("churn_joins", std::to_string(r.churn_joins));
  field("presence_changes", std::to_string(r.presence_changes));
  field("posts", std::to_string(r.posts));
  field("posts_per_s", number(f.posts_per_s));
  field("deliveries", std::to_string(r.deliveries));
  field("deliveries_expected", std::to_string(r.deliveries_expected));
  field("deliveries_per_s", number(f.deliveries_per_s));
  field("stanzas_received", std::to_string(r.stanzas_received));
  field("stanzas_received_per_s", number(f.stanzas_per_s));
  field("latency_ms", quantiles(r.latency));
  field("mam_queries", std::to_string(r.mam_queries));
  field("mam_page_ms", quantiles(r.mam_latency));
  if (scenario.reconnect_storm) {
    field("storm", "{\"sessions\": " + std::to_string(r.storm_sessions) + ", \"joins\": " +
                       std::to_string(r.storm_joins) + ", \"seconds\": " + number(f.storm_seconds) +
                       ", \"sessions_per_s\": " + number(f.storm_sessions_per_s) + "}");
    field("storm_login_latency_ms", quantiles(r.storm_login_latency));
    field("storm_join_latency_ms", quantiles(r.storm_join_latency));
    field("storm_large_room_join_latency_ms", quantiles(r.storm_large_join_latency));
    field("storm_generator_lag_ms", quantiles(r.storm_generator_lag));
  }
  std::string generator =
      "{\"cpu_seconds\": " + number(f.generator_cpu_seconds) +
      ", \"steady_drain_cpu_seconds\": " + number(f.generator_traffic_cpu_seconds);
  if (f.generator_us_per_stanza) {
    generator += ", \"us_per_stanza_received\": " + number(*f.generator_us_per_stanza);
  }
  field("load_generator", generator + "}");
  std::string errors = "{";
  for (const auto& [kind, count] : r.errors) {
    errors += (errors.size() > 1 ? ", " : "") + quoted(kind) + ": " + std::to_string(count);
  }
  out += "  \"errors\": " + errors + "}";
  if (options.server_pid && outcome.server_before && outcome.server_at.contains("end")) {
    const ServerSample& end = outcome.server_at.at("end");
    out += ",\n  \"server\": {\"cpu_seconds\": " +
           number(end.cpu_seconds - outcome.server_before->cpu_seconds) +
           ", \"peak_rss_kib\": " + std::to_string(end.peak_rss_kib) +
           ", \"rss_kib_start\": " + std::to_string(outcome.server_before->rss_kib) +
           ", \"rss_kib_end\": " + std::to_string(end.rss_kib);
    if (f.kib_per_session) {
      out += ", \"kib_per_session\": " + number(*f.kib_per_session);
    }
    if (f.kib_per_occupancy) {
      out += ", \"kib_per_occupancy\": " + number(*f.kib_per_occupancy);
    }
    out += "}";
  }
  return out + "\n}\n";
}

std::string table_report(const Options& options, const Scenario& scenario, const RoomPlan& plan,
                         const RunOutcome& outcome) {
  const Results& r = outcome.results;
  const Figures f = figures(outcome);
  std::string out;
  const auto row = [&](const std::string& name, const std::string& value) {
    char line[160];
    std::snprintf(line, sizeof line, "%-28s %s\n", name.c_str(), value.c_str());
    out += line;
  };
  const auto latency = [](const Histogram& h) {
    const auto ms = [](std::uint64_t micros) {
      return number(static_cast<double>(micros) / 1000.0);
    };
    return "p50 " + ms(h.quantile(0.5)) + "  p90 " + ms(h.quantile(0.9)) + "  p99 " +
           ms(h.quantile(0.99)) + "  max " + ms(h.max()) + " ms (" + std::to_string(h.count()) +
           ")";
  };
  row("run", label_of(options, scenario) + " (" + std::to_string(scenario.users) + " users, " +
                 std::to_string(plan.room_count()) + " rooms, " +
                 std::to_string(plan.memberships()) + " occupancies, " +
                 std::to_string(options.processes) + " processes)");
  for (const PhaseTime& phase : outcome.phases) {
    row("phase " + phase.name, number(phase.seconds) + " s");
  }
  row("sessions established",
      std::to_string(r.sessions_established) + " (" + number(f.sessions_per_s) + "/s)");
  row("sessions held", std::to_string(r.sessions_held));
  row("joins", std::to_string(r.joins) + " (" + number(f.joins_per_s) + "/s)");
  row("join latency", latency(r.join_latency));
  row("posts", std::to_string(r.posts) + " (" + number(f.posts_per_s) + "/s)");
  row("deliveries", std::to_string(r.deliveries) + " of " + std::to_string(r.deliveries_expected) +
                        " expected (" + number(f.deliveries_per_s) + "/s)");
  row("stanzas received",
      std::to_string(r.stanzas_received) + " (" + number(f.stanzas_per_s) + "/s)");
  row("groupchat latency", latency(r.latency));
  row("MAM page latency", latency(r.mam_latency));
  if (scenario.reconnect_storm) {
    row("reconnect storm", std::to_string(r.storm_sessions) + " sessions, " +
                               std::to_string(r.storm_joins) + " joins in " +
                               number(f.storm_seconds) + " s");
    row("storm login latency", latency(r.storm_login_latency));
    row("storm join latency", latency(r.storm_join_latency));
    row("  rooms of " + std::to_string(kLargeRoom) + "+", latency(r.storm_large_join_latency));
    row("storm generator lag", latency(r.storm_generator_lag));
  }
  std::string generator = number(f.generator_cpu_seconds) + " s (steady + drain " +
                          number(f.generator_traffic_cpu_seconds) + " s";
  if (f.generator_us_per_stanza) {
    generator += ", " + number(*f.generator_us_per_stanza) + " us per stanza received";
  }
  row("load generator cpu", generator + ")");
  if (options.server_pid && outcome.server_before && outcome.server_at.contains("end")) {
    const ServerSample& end = outcome.server_at.at("end");
    row("server cpu", number(end.cpu_seconds - outcome.server_before->cpu_seconds) + " s");
    row("server rss", std::to_string(outcome.server_before->rss_kib) + " -> " +
                          std::to_string(end.rss_kib) + " KiB (peak " +
                          std::to_string(end.peak_rss_kib) + ")");
    if (f.kib_per_session) {
      row("server memory per session", number(*f.kib_per_session) + " KiB");
    }
    if (f.kib_per_occupancy) {
      row("server memory per occupancy", number(*f.kib_per_occupancy) + " KiB");
    }
  }
  if (r.errors.empty()) {
    row("errors", "none");
  }
  for (const auto& [kind, count] : r.errors) {
    row("error " + kind, std::to_string(count));
  }
  return out;
}

}  // namespace stoa::bench
