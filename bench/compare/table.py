"""The comparison table: one row per metric, one column per measured server."""

# (title, path into stoa-bench's JSON, which way is better). "pg_cpu_seconds" is added by compare.py.
ROWS = [
    ("sessions established /s", ("sessions_established_per_s",), "high"),
    ("sessions held", ("sessions_held",), "high"),
    ("joins /s", ("joins_per_s",), "high"),
    ("join latency p50 ms", ("join_latency_ms", "p50"), "low"),
    ("join latency p99 ms", ("join_latency_ms", "p99"), "low"),
    ("posts /s", ("posts_per_s",), "high"),
    ("deliveries /s", ("deliveries_per_s",), "high"),
    ("delivery latency p50 ms", ("latency_ms", "p50"), "low"),
    ("delivery latency p90 ms", ("latency_ms", "p90"), "low"),
    ("delivery latency p99 ms", ("latency_ms", "p99"), "low"),
    ("delivery latency max ms", ("latency_ms", "max"), "low"),
    ("MAM page p50 ms", ("mam_page_ms", "p50"), "low"),
    ("MAM page p99 ms", ("mam_page_ms", "p99"), "low"),
    ("errors", ("errors_total",), "low"),
    ("server CPU s", ("server", "cpu_seconds"), "low"),
    ("server peak RSS MiB", ("server", "peak_rss_mib"), "low"),
    ("PostgreSQL CPU s", ("pg_cpu_seconds",), "low"),
]


def _lookup(result, path):
    value = result
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def with_derived(result):
    """Adds the totals the table shows but stoa-bench does not report as such."""
    derived = dict(result)
    derived["errors_total"] = sum((result.get("errors") or {}).values())
    server = result.get("server")
    if isinstance(server, dict) and "peak_rss_kib" in server:
        derived["server"] = dict(server, peak_rss_mib=server["peak_rss_kib"] / 1024)
    return derived


def _format(value):
    if value is None:
        return "n/a"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return str(int(value))


def _best(values, direction):
    present = [value for value in values if value is not None]
    if len(present) < 2:
        return None
    return max(present) if direction == "high" else min(present)


def markdown(columns):
    """columns: list of (label, result dict). The best value of each row is in bold."""
    labels = [label for label, _ in columns]
    results = [with_derived(result) for _, result in columns]
    lines = ["| metric | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
    for title, path, direction in ROWS:
        values = [_lookup(result, path) for result in results]
        if all(value is None for value in values):
            continue
        # Compared as shown, so that values equal at the shown precision are all in bold.
        best = _format(_best(values, direction))
        cells = [f"**{_format(value)}**" if value is not None and _format(value) == best else _format(value)
                 for value in values]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
