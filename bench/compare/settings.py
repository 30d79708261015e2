"""What every server of the comparison is given alike."""

import os
import string

DOMAIN = "localhost"
MUC_DOMAIN = "conference.localhost"

# ejabberd 23.01 always derives SCRAM credentials with 4096 iterations; the others are set to match,
# since a PLAIN login costs one derivation with this count on every server.
SCRAM_ITERATIONS = 4096
# Largest MAM page, stoad's muc.mam_max_page default; Prosody is set to match.
MAM_MAX_PAGE = 100
# Room and occupant ceilings raised on every server so that a scenario is never refused by a default.
MAX_ROOMS = 10000
MAX_OCCUPANTS = 10000
MAX_STANZA_BYTES = 262144
# stoad listens with SOMAXCONN (asio's max_listen_connections); the others are set to match.
LISTEN_BACKLOG = 4096

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


def render(template_name, destination, **values):
    with open(os.path.join(TEMPLATES, template_name)) as template:
        text = string.Template(template.read()).substitute(values)
    with open(destination, "w") as out:
        out.write(text)


def common_values(cluster, database, run):
    """Template values shared by every server's configuration."""
    dsn = cluster.dsn_keywords(database)
    return {
        "domain": DOMAIN,
        "muc_domain": MUC_DOMAIN,
        "scram_iterations": SCRAM_ITERATIONS,
        "mam_max_page": MAM_MAX_PAGE,
        "max_rooms": MAX_ROOMS,
        "max_occupants": MAX_OCCUPANTS,
        "max_stanza_bytes": MAX_STANZA_BYTES,
        "listen_backlog": LISTEN_BACKLOG,
        "certificate": run.certificate,
        "key": run.key,
        "certificate_dir": os.path.dirname(run.certificate),
        "db_name": dsn["dbname"],
        "db_user": dsn["user"],
        "db_password": dsn["password"],
        "db_host": dsn["host"],
        "db_port": dsn["port"],
        "workers": run.workers,
    }


class Run:
    """One pass over the servers: its temporary directory, TLS material, worker count, stoad build."""

    def __init__(self, directory, certificate, key, workers, build_dir):
        self.directory = directory
        self.build_dir = build_dir
        self.certificate = certificate
        self.key = key
        self.workers = workers
