"""Prosody (Debian package) with SQL storage on the shared cluster, run as the prosody user."""

import os

import procs
import settings

USER = "prosody"
DATABASE = "prosody"


class Prosody:
    name = "prosody"
    # Prosody runs one Lua thread whatever the worker count.
    scales_with_workers = False

    def __init__(self, cluster, run):
        self.cluster = cluster
        self.directory = os.path.join(run.directory, "prosody")
        self.config = os.path.join(self.directory, "prosody.cfg.lua")
        self.port = procs.free_port()
        self.tls_port = procs.free_port()
        self.process = None
        os.makedirs(os.path.join(self.directory, "data"))
        cluster.recreate_database(DATABASE)
        settings.render("prosody.cfg.lua", self.config, data_dir=os.path.join(self.directory, "data"),
                        log_file=os.path.join(self.directory, "prosody.log"), c2s_port=self.port,
                        c2s_tls_port=self.tls_port, **settings.common_values(cluster, DATABASE, run))
        procs.chown_tree(self.directory, USER)

    @property
    def pid(self):
        return self.process.pid

    def start(self):
        self.process = procs.spawn_as(USER, ["prosody", "--config", self.config],
                                      os.path.join(self.directory, "stdout.log"), cwd=self.directory, home=self.directory)
        procs.wait_until(lambda: self._check_running() and procs.port_open(self.port), 60, "prosody to listen")

    def create_accounts(self, prefix, count, password):
        """Registers the first account with prosodyctl, then copies its credential rows to the rest.

        prosodyctl starts a Lua process per account, far too slow for thousands; the copies share the
        first account's salt and verifier, as stoactl user add-bulk does for stoad."""
        procs.run_as(USER, ["prosodyctl", "--config", self.config, "register", f"{prefix}1", settings.DOMAIN,
                            password], timeout_s=120, cwd=self.directory, home=self.directory)
        if count > 1:
            self.cluster.psql(DATABASE, f"""
                INSERT INTO prosody (host, "user", store, key, type, value)
                SELECT host, '{prefix}' || n, store, key, type, value
                FROM prosody, generate_series(2, {count}) AS n
                WHERE host = '{settings.DOMAIN}' AND "user" = '{prefix}1' AND store = 'accounts'""")

    def stop(self):
        if self.process is not None:
            procs.stop_popen(self.process)
            self.process = None

    def log_tail(self):
        return procs.tail(os.path.join(self.directory, "prosody.log")) + procs.tail(
            os.path.join(self.directory, "stdout.log"))

    def _check_running(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"prosody exited with status {self.process.returncode}:\n{self.log_tail()}")
        return True

