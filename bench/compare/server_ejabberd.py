"""ejabberd (Debian package) with SQL storage on the shared cluster, run as the ejabberd user.

ejabberdctl is pointed at a private configuration, spool and log directory, a private node name and
cookie, and a fixed Erlang distribution port on loopback (ERL_DIST_PORT, so no epmd daemon is
started; the interface is given in ERL_OPTIONS rather than INET_DIST_INTERFACE, which costs an extra
Erlang start per ejabberdctl call); the system's /etc/ejabberd and /var/lib/ejabberd are not used."""

import os
import secrets

import procs
import settings

USER = "ejabberd"
DATABASE = "ejabberd"
SCHEMA = "/usr/share/ejabberd/sql/pg.sql"


class Ejabberd:
    name = "ejabberd"
    # The worker count becomes the number of Erlang schedulers (+S).
    scales_with_workers = True

    def __init__(self, cluster, run):
        self.cluster = cluster
        self.directory = os.path.join(run.directory, "ejabberd")
        self.config = os.path.join(self.directory, "ejabberd.yml")
        self.ctl_config = os.path.join(self.directory, "ejabberdctl.cfg")
        self.port = procs.free_port()
        self.tls_port = procs.free_port()
        self.process = None
        self.beam_pid = None
        for sub in ("spool", "logs", "modules"):
            os.makedirs(os.path.join(self.directory, sub))
        cluster.recreate_database(DATABASE)
        cluster.psql(DATABASE, file=SCHEMA)
        settings.render("ejabberd.yml", self.config, c2s_port=self.port, c2s_tls_port=self.tls_port,
                        **settings.common_values(cluster, DATABASE, run))
        with open(self.ctl_config, "w") as ctl:
            ctl.write(f"""ERLANG_NODE=stoa-bench-ejabberd@localhost
ERL_OPTIONS="-setcookie {secrets.token_hex(16)} +S {run.workers}:{run.workers} -env ERL_CRASH_DUMP_BYTES 0 \
-kernel inet_dist_use_interface {{127,0,0,1}}"
ERL_DIST_PORT={procs.free_port()}
EJABBERD_CONFIG_PATH={self.config}
CONTRIB_MODULES_PATH={os.path.join(self.directory, "modules")}
CONTRIB_MODULES_CONF_DIR={os.path.join(self.directory, "modules")}
EJABBERD_BYPASS_WARNINGS=true
""")
        procs.chown_tree(self.directory, USER)

    @property
    def pid(self):
        return self.beam_pid

    def start(self):
        self.process = procs.spawn_as(USER, self._ctl("foreground"), os.path.join(self.directory, "stdout.log"),
                                      cwd=self.directory, home=self.directory)
        procs.wait_until(lambda: self._check_running() and procs.port_open(self.port), 120, "ejabberd to listen")
        self.beam_pid = procs.descendant_named(self.process.pid, "beam.smp")
        if self.beam_pid is None:
            raise RuntimeError("ejabberd listens but its beam.smp process was not found")

    def create_accounts(self, prefix, count, password):
        """Registers the first account with ejabberdctl, then copies its credentials to the rest.

        ejabberdctl starts an Erlang node per call (seconds each); the copies share the first
        account's salt and SCRAM keys, as stoactl user add-bulk does for stoad."""
        procs.run_as(USER, self._ctl("register", f"{prefix}1", settings.DOMAIN, password), timeout_s=120,
                     cwd=self.directory, home=self.directory)
        if count > 1:
            self.cluster.psql(DATABASE, f"""
                INSERT INTO users (username, password, serverkey, salt, iterationcount)
                SELECT '{prefix}' || n, password, serverkey, salt, iterationcount
                FROM users, generate_series(2, {count}) AS n
                WHERE username = '{prefix}1'""")

    def stop(self):
        if self.beam_pid is not None:
            procs.stop_pid(self.beam_pid)
            self.beam_pid = None
        if self.process is not None:
            procs.stop_popen(self.process)
            self.process = None

    def log_tail(self):
        return procs.tail(os.path.join(self.directory, "logs", "ejabberd.log")) + procs.tail(
            os.path.join(self.directory, "stdout.log"))

    def _ctl(self, *arguments):
        return ["ejabberdctl", "--config-dir", self.directory, "--ctl-config", self.ctl_config,
                "--config", self.config, "--spool", os.path.join(self.directory, "spool"),
                "--logs", os.path.join(self.directory, "logs"), *arguments]

    def _check_running(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"ejabberd exited with status {self.process.returncode}:\n{self.log_tail()}")
        return True
