"""Runs one stoa-bench scenario against stoad, Prosody and ejabberd and prints one table.

Started by run.sh (which installs the packages); see README.md in this directory."""

import argparse
import datetime
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import tempfile
import tomllib

import cluster
import procs
import settings
import smoke
import table
from server_ejabberd import Ejabberd
from server_prosody import Prosody
from server_stoad import Stoad

SERVERS = {server.name: server for server in (Stoad, Prosody, Ejabberd)}
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
USER_PREFIX = "bench"
PASSWORD = "bench-password"


class Interrupted(Exception):
    pass


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="bench/compare/run.sh", description=__doc__)
    parser.add_argument("--scenario", required=True, help="stoa-bench scenario file (TOML)")
    parser.add_argument("--servers", default="stoad,prosody,ejabberd", help="comma-separated, in run order")
    parser.add_argument("--tls", default="none", help="comma-separated stoa-bench --tls modes: none,starttls")
    parser.add_argument("--auth", default="scram-sha-1", choices=("scram-sha-1", "scram-sha-256", "plain"),
                        help="stoa-bench --auth (stoad offers PLAIN only over TLS; ejabberd 23.01 and "
                             "Prosody 0.12 store SCRAM-SHA-1 only)")
    parser.add_argument("--workers", default="1", help="comma-separated worker counts, e.g. 1,2")
    parser.add_argument("--build-dir", default=os.path.join(REPO, "build"),
                        help="CMake build directory holding stoad, stoactl and stoa-bench")
    parser.add_argument("--processes", type=int, help="stoa-bench --processes")
    parser.add_argument("--bench-timeout", type=int, default=1800, help="seconds one stoa-bench run may take")
    parser.add_argument("--json", help="also write every run's stoa-bench JSON into this file")
    parser.add_argument("--check", action="store_true",
                        help="instead of stoa-bench, check each server with slixmpp (login, join, post, MAM)")
    args = parser.parse_args(argv)
    args.servers = [name.strip() for name in args.servers.split(",") if name.strip()]
    args.tls = [mode.strip() for mode in args.tls.split(",") if mode.strip()]
    args.workers = [int(count) for count in args.workers.split(",") if count.strip()]
    unknown = [name for name in args.servers if name not in SERVERS]
    if unknown or not args.servers:
        parser.error(f"--servers: unknown {unknown}; choose among {', '.join(SERVERS)}")
    if any(mode not in ("none", "starttls", "direct") for mode in args.tls) or not args.tls:
        parser.error("--tls: none, starttls or direct")
    if any(count < 1 for count in args.workers) or not args.workers:
        parser.error("--workers: whole numbers from 1")
    args.build_dir = os.path.abspath(args.build_dir)
    args.scenario = os.path.abspath(args.scenario)
    with open(args.scenario, "rb") as scenario:
        args.users = tomllib.load(scenario)["users"]
    needed = ([] if args.check else [bench_binary(args)]) + (
        [os.path.join(args.build_dir, "xmpp", "server", "stoad"), os.path.join(args.build_dir, "tools", "stoactl")]
        if "stoad" in args.servers else [])
    missing = [path for path in needed if not os.access(path, os.X_OK)]
    if missing:
        parser.error(f"not built: {', '.join(missing)} (cmake --build {args.build_dir} "
                     "--target stoad stoactl stoa-bench)")
    return args


def bench_binary(args):
    return os.path.join(args.build_dir, "bench", "stoa-bench")


def make_certificate(directory):
    os.makedirs(directory)
    certificate, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    f"/CN={settings.DOMAIN}", "-addext",
                    f"subjectAltName=DNS:{settings.DOMAIN},DNS:{settings.MUC_DOMAIN}",
                    "-keyout", key, "-out", certificate], check=True, capture_output=True, timeout=60)
    # A throwaway certificate that the servers read as their own users.
    os.chmod(key, 0o644)
    return certificate, key


def run_bench(args, server, tls, label, out_path):
    port = server.tls_port if tls == "direct" else server.port
    argv = [bench_binary(args), "--scenario", args.scenario,
            "--host", "127.0.0.1", "--port", str(port), "--domain", settings.DOMAIN,
            "--muc-domain", settings.MUC_DOMAIN, "--tls", tls, "--auth", args.auth,
            "--user-prefix", USER_PREFIX, "--password", PASSWORD, "--server-pid", str(server.pid),
            "--json", out_path, "--label", label]
    if args.processes:
        argv += ["--processes", str(args.processes)]
    print(f"== {label}, tls {tls}: {shlex.join(argv)}", file=sys.stderr, flush=True)
    bench = subprocess.Popen(argv, stdout=sys.stderr, start_new_session=True)
    try:
        status = bench.wait(timeout=args.bench_timeout)
    finally:
        if bench.poll() is None:
            os.killpg(bench.pid, signal.SIGKILL)
            bench.wait()
    if status != 0:
        raise RuntimeError(f"stoa-bench exited with status {status} against {label}")
    with open(out_path) as out:
        return json.load(out)


def measure(args, pg, run, server_class, tls, label):
    """Starts one server on a fresh database, loads it with the scenario, stops it."""
    server = server_class(pg, run)
    try:
        server.start()
        server.create_accounts(USER_PREFIX, max(args.users, 2), PASSWORD)
        if args.check:
            smoke.run(server.tls_port if tls == "direct" else server.port, settings.DOMAIN, settings.MUC_DOMAIN,
                      USER_PREFIX, PASSWORD, tls)
            print(f"== {label}, tls {tls}: login, join, post and MAM query work", file=sys.stderr, flush=True)
            return None
        pg_cpu_before = pg.cpu_seconds()
        result = run_bench(args, server, tls, label, os.path.join(run.directory, f"{server.name}.json"))
        result["pg_cpu_seconds"] = round(pg.cpu_seconds() - pg_cpu_before, 2)
        return result
    except Exception:
        print(f"== {label} failed; the end of its log:\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        server.stop()


def machine_description():
    with open("/proc/cpuinfo") as cpuinfo:
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    with open("/proc/meminfo") as meminfo:
        memory_gib = int(meminfo.readline().split()[1]) / 1024 / 1024
    versions = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}, ",
                               "prosody", "ejabberd", "postgresql-15"], capture_output=True, text=True).stdout
    return (f"{model}, {os.cpu_count()} CPUs, {memory_gib:.0f} GiB, Linux {platform.release()}; "
            f"{versions.rstrip(', ')}")


def compare(args, directory):
    certificate, key = make_certificate(os.path.join(directory, "tls"))
    pg = cluster.Cluster(os.path.join(directory, "postgresql"))
    os.makedirs(pg.directory)
    tables = []
    all_results = []
    try:
        pg.start()
        for tls in args.tls:
            columns = []
            measured_once = set()
            for workers in args.workers:
                run = settings.Run(os.path.join(directory, f"{tls}-w{workers}"), certificate, key, workers,
                                   args.build_dir)
                os.makedirs(run.directory)
                os.chmod(run.directory, 0o755)
                for name in args.servers:
                    server_class = SERVERS[name]
                    if not server_class.scales_with_workers and name in measured_once:
                        continue
                    measured_once.add(name)
                    label = f"{name} w{workers}" if server_class.scales_with_workers else name
                    result = measure(args, pg, run, server_class, tls, label)
                    if result is not None:
                        columns.append((label, result))
                        all_results.append(dict(result, tls=tls, workers=workers))
            if columns:
                # One server's worker counts side by side.
                columns.sort(key=lambda column: args.servers.index(column[0].split()[0]))
                tables.append((tls, columns))
    finally:
        pg.stop()
    return tables, all_results


def report(args, argv, tables):
    print(f"Date: {datetime.date.today().isoformat()}")
    print(f"Machine: {machine_description()}")
    print(f"Command: bench/compare/run.sh {shlex.join(argv)}")
    print(f"Scenario: {os.path.relpath(args.scenario, REPO)} ({args.users} users)")
    for tls, columns in tables:
        print(f"\nTLS: {tls}\n")
        print(table.markdown(columns))


def main(argv):
    args = parse_arguments(argv)
    if os.geteuid() != 0:
        sys.exit("run as root: the servers run as their own users and PostgreSQL as postgres")

    stop_signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def interrupt(signum, _frame):
        # Once: the cleanup that follows (bounded waits) must not be cut short by a second Ctrl-C.
        for other in stop_signals:
            signal.signal(other, signal.SIG_IGN)
        raise Interrupted(signal.Signals(signum).name)

    for signum in stop_signals:
        signal.signal(signum, interrupt)
    directory = tempfile.mkdtemp(prefix="stoa-compare-")
    os.chmod(directory, 0o755)
    try:
        tables, all_results = compare(args, directory)
    except Interrupted as stop:
        print(f"interrupted by {stop}; everything started was stopped", file=sys.stderr)
        return 130
    except (RuntimeError, TimeoutError, OSError, subprocess.SubprocessError) as failure:
        print(f"compare failed: {failure}", file=sys.stderr)
        return 1
    finally:
        subprocess.run(["rm", "-rf", "--one-file-system", directory], check=False)
    if args.check:
        return 0
    if args.json:
        with open(args.json, "w") as out:
            json.dump(all_results, out, indent=2)
    report(args, argv, tables)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
