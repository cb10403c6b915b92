"""A 3-node RabbitMQ cluster on this machine, from the installed rabbitmq-server, for `make chaos-cluster`.

Each node has its own name (`<prefix>N@localhost`), AMQP and distribution ports, data and log folders and
configuration under one temporary folder, and its own Erlang cookie (HOME points there): the machine's own
broker (rabbit@localhost on 5672, its /etc/rabbitmq files and cookie) is never read or touched. No plugins are
enabled, so no management or Prometheus port can clash with the machine's.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from zairyu_shared.testing import free_port  # below the ephemeral range: a node binds seconds after

RABBIT_BIN = Path(os.environ.get("ZAIRYU_RABBITMQ_BIN", "/usr/lib/rabbitmq/bin"))


def available() -> str | None:
    """Why a cluster cannot be started here, or None."""
    if not (RABBIT_BIN / "rabbitmq-server").exists():
        return f"rabbitmq-server not found in {RABBIT_BIN} (Debian's rabbitmq-server package)"
    return None


@dataclass
class Node:
    name: str  # e.g. ztc1@localhost
    port: int
    dist_port: int
    base: Path
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url_host(self) -> str:
        return f"127.0.0.1:{self.port}"


@dataclass
class RabbitCluster:
    root: Path
    nodes: list[Node]
    vhost: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    prometheus_ports: dict[str, int] = field(default_factory=dict)  # node name -> rabbitmq_prometheus port

    # -- URLs -------------------------------------------------------------------------------------------
    def amqp_url(self, vhost: str | None = None) -> str:
        """Every node as a kombu failover alternative (`;`-separated): a client moves to the next on loss."""
        v = (vhost or self.vhost).replace("/", "%2F")
        return ";".join(f"amqp://guest:guest@{n.url_host}/{v}" for n in self.nodes)

    # -- control ----------------------------------------------------------------------------------------
    def ctl(self, *args: str, node: Node | None = None, timeout: float = 120, check: bool = True) -> str:
        target = node or self.running()[0]
        done = subprocess.run(
            [str(RABBIT_BIN / "rabbitmqctl"), "-q", "-n", target.name, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} on {target.name}: {done.stderr.strip() or done.stdout}")
        return done.stdout

    def queues_cmd(self, *args: str, node: Node | None = None, timeout: float = 60) -> str:
        target = node or self.running()[0]
        done = subprocess.run(
            [str(RABBIT_BIN / "rabbitmq-queues"), "-q", "-n", target.name, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
        return done.stdout

    def running(self) -> list[Node]:
        return [n for n in self.nodes if n.popen is not None and n.popen.poll() is None]

    def start_node(self, node: Node, timeout: float = 120) -> None:
        node.base.mkdir(parents=True, exist_ok=True)
        conf = node.base / "rabbitmq.conf"
        conf.write_text(
            f"listeners.tcp.default = 127.0.0.1:{node.port}\n"
            "loopback_users = none\n"
            # lose a node and carry on: the minority side pauses instead of diverging
            "cluster_partition_handling = pause_minority\n"
            + (
                f"prometheus.tcp.port = {self.prometheus_ports[node.name]}\nprometheus.tcp.ip = 127.0.0.1\n"
                if node.name in self.prometheus_ports
                else ""
            )
        )
        env = {
            **self.env,
            "RABBITMQ_NODENAME": node.name,
            "RABBITMQ_CONFIG_FILE": str(conf),
            "RABBITMQ_MNESIA_BASE": str(node.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(node.base / "log"),
            "RABBITMQ_DIST_PORT": str(node.dist_port),
        }
        log = open(node.base / "server.out", "ab")
        node.popen = subprocess.Popen(
            [str(RABBIT_BIN / "rabbitmq-server")], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        # await_startup needs the VM registered with epmd first: ask until it answers
        deadline = time.monotonic() + timeout
        while True:
            if node.popen.poll() is not None:
                raise RuntimeError(f"{node.name} exited with {node.popen.returncode} (see {node.base / 'server.out'})")
            try:
                self.ctl("await_startup", "--timeout", "30", node=node, timeout=40)
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def kill(self, node: Node) -> None:
        """SIGKILL the node's Erlang VM and everything it started: a machine lost, not a shutdown."""
        assert node.popen is not None
        os.killpg(node.popen.pid, signal.SIGKILL)
        node.popen.wait(30)
        node.popen = None

    def stop(self) -> None:
        for node in self.nodes:
            if node.popen is not None and node.popen.poll() is None:
                os.killpg(node.popen.pid, signal.SIGTERM)
        for node in self.nodes:
            if node.popen is None:
                continue
            try:
                node.popen.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(node.popen.pid, signal.SIGKILL)
                node.popen.wait(10)
            node.popen = None

    # -- reading ----------------------------------------------------------------------------------------
    def queues(self) -> dict[str, tuple[str, int]]:
        """name -> (leader node, messages) for every queue of the vhost, asked of a running node."""
        out = self.ctl("list_queues", "-p", self.vhost, "name", "leader", "messages", "--no-table-headers")
        found = {}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3:
                found[parts[0]] = (parts[1], int(parts[2]) if parts[2].isdigit() else 0)
        return found

    def members(self, queue: str) -> list[str]:
        """The nodes holding a replica of a quorum queue."""
        out = self.queues_cmd("quorum_status", queue, "--vhost", self.vhost)
        return sorted({word for line in out.splitlines() for word in line.replace("|", " ").split() if "@" in word})

    def node_named(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def leader_of_busiest(self, work_queues: list[str]) -> Node:
        """The node leading most of the given queues (the ones every application passes through)."""
        leaders: dict[str, int] = {}
        listed = self.queues()
        for q in work_queues:
            if q in listed:
                leaders[listed[q][0]] = leaders.get(listed[q][0], 0) + 1
        name = max(leaders, key=lambda k: leaders[k])
        return self.node_named(name)


@contextmanager
def rabbit_cluster(
    workdir: Path, size: int = 3, prefix: str | None = None, prometheus: bool = False
) -> Iterator[RabbitCluster]:
    """Start `size` nodes, join them into one cluster, and give guest a fresh vhost on it. `prometheus`
    enables the rabbitmq_prometheus plugin on each node, on a port of its own (`prometheus_ports`)."""
    why = available()
    if why:
        raise RuntimeError(why)
    prefix = prefix or f"zc{uuid.uuid4().hex[:6]}"
    root = workdir / "rabbit-cluster"
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    cookie = home / ".erlang.cookie"
    cookie.write_text(uuid.uuid4().hex.upper())
    cookie.chmod(0o400)
    (root / "enabled_plugins").write_text("[rabbitmq_prometheus].\n" if prometheus else "[].\n")
    (root / "rabbitmq-env.conf").write_text("")  # not /etc/rabbitmq/rabbitmq-env.conf (the machine's node)
    env = {
        **os.environ,
        "HOME": str(home),
        "RABBITMQ_CONF_ENV_FILE": str(root / "rabbitmq-env.conf"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(root / "enabled_plugins"),
        "ERL_EPMD_ADDRESS": "127.0.0.1",
    }
    nodes = [Node(f"{prefix}{i + 1}@localhost", free_port(), free_port(), root / f"node{i + 1}") for i in range(size)]
    cluster = RabbitCluster(
        root=root, nodes=nodes, env=env, prometheus_ports={n.name: free_port() for n in nodes} if prometheus else {}
    )
    try:
        for node in nodes:
            cluster.start_node(node)
        first = nodes[0]
        for node in nodes[1:]:
            cluster.ctl("stop_app", node=node)
            cluster.ctl("join_cluster", first.name, node=node)
            cluster.ctl("start_app", node=node)
        vhost = f"zt-cluster-{uuid.uuid4().hex[:8]}"
        cluster.ctl("add_vhost", vhost)
        cluster.ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        cluster.vhost = vhost
        yield cluster
    finally:
        cluster.stop()
        # the nodes' files are the test's; the machine's epmd keeps no state about stopped nodes
        shutil.rmtree(root, ignore_errors=True)
