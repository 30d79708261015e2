"""Process helpers for the comparison: free ports, bounded waits, stopping by PID."""

import os
import pwd
import signal
import socket
import subprocess
import time


def free_port():
    """A TCP port free on loopback right now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, timeout_s, what):
    """Polls predicate until it returns a true value; raises after timeout_s seconds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"timed out after {timeout_s}s waiting for {what}")


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


def children(pid):
    """Direct children of pid, from /proc (needs CONFIG_PROC_CHILDREN, present on Debian)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as listing:
            return [int(child) for child in listing.read().split()]
    except OSError:
        return []


def descendant_named(pid, name):
    """The first process under pid (pid included) whose command name is name, or None."""
    pending = [pid]
    while pending:
        current = pending.pop(0)
        try:
            with open(f"/proc/{current}/comm") as comm:
                if comm.read().strip() == name:
                    return current
        except OSError:
            continue
        pending.extend(children(current))
    return None


def stop_pid(pid, timeout_s=30):
    """SIGTERM, a bounded wait, then SIGKILL. Only ever called with PIDs this script started."""
    if not alive(pid):
        return
    try:
        os.kill(pid, signal.SIGTERM)
        wait_until(lambda: not alive(pid), timeout_s, f"process {pid} to exit")
    except TimeoutError:
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not alive(pid), 10, f"process {pid} to die")
    except ProcessLookupError:
        pass


def stop_popen(process, timeout_s=30):
    """Stops a child started with subprocess.Popen and reaps it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def user_ids(name):
    entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


def chown_tree(path, user):
    uid, gid = user_ids(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, uid, gid)
        for entry in dirs + files:
            os.chown(os.path.join(root, entry), uid, gid)


def _environment(home):
    # Root's HOME would be unreadable for the server's user (Erlang reads $HOME/.erlang).
    return {**os.environ, "HOME": home} if home else None


def run_as(user, argv, timeout_s, home=None, **kwargs):
    """Runs argv to completion as user (we are root), bounded in time; raises on failure."""
    try:
        return subprocess.run(argv, user=user, group=user_ids(user)[1], extra_groups=[], check=True,
                              timeout=timeout_s, capture_output=True, text=True, env=_environment(home),
                              **kwargs)
    except subprocess.CalledProcessError as failure:
        raise RuntimeError(f"{' '.join(argv[:4])}... failed with status {failure.returncode}:\n"
                           f"{failure.stdout}{failure.stderr}") from None


def spawn_as(user, argv, log_path, home=None, **kwargs):
    """Starts argv as user (None: as ourselves) in its own session, stdout and stderr to log_path.

    Its own session, so that Ctrl-C on the terminal reaches only this script, which then stops the
    servers in order."""
    identity = {"user": user, "group": user_ids(user)[1], "extra_groups": []} if user else {}
    log = open(log_path, "ab")
    try:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, env=_environment(home), **identity, **kwargs)
    finally:
        log.close()


def cpu_seconds(pid):
    """User plus system CPU of pid and of its reaped children (what PostgreSQL's backends leave)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[index]) for index in (11, 12, 13, 14))
    return ticks / os.sysconf("SC_CLK_TCK")


def tail(path, lines=20):
    """The last lines of a log file, for error messages."""
    try:
        with open(path, errors="replace") as log:
            return "".join(log.readlines()[-lines:])
    except OSError:
        return ""
