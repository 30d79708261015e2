"""The one PostgreSQL cluster every server of the comparison uses, in a temporary directory."""

import os
import subprocess

import procs

PG_USER = "postgres"
ROLE = "bench"
ROLE_PASSWORD = "bench"

# The same for every server: whatever a server gets from PostgreSQL, the others get too.
# Only what a private loopback cluster needs differs from the PostgreSQL 15 defaults,
# plus max_connections, raised so that no server's pool is refused.
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "200",
    "shared_buffers": "128MB",
    "fsync": "on",
    "synchronous_commit": "on",
    "logging_collector": "off",
}


def find_bin_dir():
    for candidate in sorted(os.listdir("/usr/lib/postgresql"), key=int, reverse=True):
        bin_dir = os.path.join("/usr/lib/postgresql", candidate, "bin")
        if os.path.exists(os.path.join(bin_dir, "initdb")):
            return bin_dir
    raise RuntimeError("no PostgreSQL server found under /usr/lib/postgresql")


class Cluster:
    def __init__(self, directory):
        self.directory = directory
        self.data_dir = os.path.join(directory, "data")
        self.socket_dir = directory
        self.bin_dir = find_bin_dir()
        self.port = None
        self.pid = None

    def start(self):
        os.makedirs(self.data_dir, mode=0o700)
        procs.chown_tree(self.directory, PG_USER)
        procs.run_as(PG_USER, [self._bin("initdb"), "-D", self.data_dir, "-U", PG_USER, "--auth=trust",
                               "--no-sync", "-E", "UTF8", "--locale=C"], timeout_s=120)
        self.port = procs.free_port()
        with open(os.path.join(self.data_dir, "postgresql.conf"), "a") as conf:
            conf.write(f"port = {self.port}\nunix_socket_directories = '{self.socket_dir}'\n")
            for key, value in SETTINGS.items():
                conf.write(f"{key} = {value}\n")
        with open(os.path.join(self.data_dir, "pg_hba.conf"), "w") as hba:
            hba.write("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        procs.run_as(PG_USER, [self._bin("pg_ctl"), "-D", self.data_dir, "-l",
                               os.path.join(self.directory, "postgresql.log"), "-w", "-t", "60", "start"],
                     timeout_s=90)
        with open(os.path.join(self.data_dir, "postmaster.pid")) as pid_file:
            self.pid = int(pid_file.readline())
        self.psql("postgres", f"CREATE ROLE {ROLE} LOGIN SUPERUSER PASSWORD '{ROLE_PASSWORD}'")

    def stop(self):
        if self.pid is None:
            return
        try:
            procs.run_as(PG_USER, [self._bin("pg_ctl"), "-D", self.data_dir, "-m", "fast", "-w", "-t", "60",
                                   "stop"], timeout_s=90)
        except (subprocess.SubprocessError, OSError):
            procs.stop_pid(self.pid)
        self.pid = None

    def recreate_database(self, name):
        self.psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.psql("postgres", f"CREATE DATABASE {name} OWNER {ROLE}")

    def psql(self, database, sql=None, file=None):
        argv = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.socket_dir, "-p", str(self.port),
                "-U", PG_USER, "-d", database, "-At"]
        argv += ["-f", file] if file else ["-c", sql]
        return procs.run_as(PG_USER, argv, timeout_s=300).stdout

    def dsn_keywords(self, database):
        return {"host": "127.0.0.1", "port": self.port, "dbname": database, "user": ROLE,
                "password": ROLE_PASSWORD}

    def cpu_seconds(self):
        """CPU used so far by the whole cluster: the postmaster, its live and its exited children."""
        total = procs.cpu_seconds(self.pid)
        for child in procs.children(self.pid):
            try:
                total += procs.cpu_seconds(child)
            except OSError:
                pass
        return total

    def _bin(self, name):
        return os.path.join(self.bin_dir, name)
