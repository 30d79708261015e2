"""stoad from the build directory, on the shared cluster (database.dsn, no managed PostgreSQL)."""

import os
import subprocess

import procs
import settings

DATABASE = "stoa"


class Stoad:
    name = "stoad"
    scales_with_workers = True

    def __init__(self, cluster, run):
        self.directory = os.path.join(run.directory, "stoad")
        self.config = os.path.join(self.directory, "stoa.toml")
        self.stoad = os.path.join(run.build_dir, "xmpp", "server", "stoad")
        self.stoactl = os.path.join(run.build_dir, "tools", "stoactl")
        self.port = None
        self.tls_port = None
        self.process = None
        os.makedirs(self.directory)
        cluster.recreate_database(DATABASE)
        settings.render("stoa.toml", self.config, data_dir=self.directory,
                        **settings.common_values(cluster, DATABASE, run))

    @property
    def pid(self):
        return self.process.pid

    def start(self):
        self.process = procs.spawn_as(None, [self.stoad, "--config", self.config],
                                      os.path.join(self.directory, "stdout.log"), cwd=self.directory)
        ready = os.path.join(self.directory, "ready")
        procs.wait_until(lambda: self._check_running() and os.path.exists(ready), 120, "stoad's ready file")
        with open(ready) as listing:
            ports = dict(line.split() for line in listing if line.strip())
        self.port = int(ports["c2s"])
        self.tls_port = int(ports["c2s_tls"])

    def create_accounts(self, prefix, count, password):
        subprocess.run([self.stoactl, "--config", self.config, "user", "add-bulk", prefix, str(count)],
                       input=password + "\n", text=True, check=True, capture_output=True, timeout=600)

    def stop(self):
        if self.process is not None:
            procs.stop_popen(self.process)
            self.process = None

    def log_tail(self):
        return procs.tail(os.path.join(self.directory, "stdout.log"))

    def _check_running(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"stoad exited with status {self.process.returncode}:\n{self.log_tail()}")
        return True
