"""Hosts on a network of a test's own, on this one machine: Linux network namespaces on a switch.

Each host is a network namespace with its own loopback and one interface, `eth0`, cabled (a veth
pair) to a port of a bridge that lives in a namespace of its own, the switch. Hosts reach each
other by address and nothing else: the machine's own network is not connected. Pulling a host's
cable at the switch (`cut`) is a laptop dropping off the network: its packets go nowhere, silently,
while the programs on it keep running.

Needs root (or CAP_NET_ADMIN) and iproute2's `ip`; `NetworkUnavailable` says why it could not start.
"""

import os
import secrets
import shutil
import subprocess

SUBNET = "192.0.2.0/24"  # TEST-NET-1 (RFC 5737): documentation only, never routed anywhere


class NetworkUnavailable(Exception):
    pass


def ip(*args):
    result = subprocess.run(["ip", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise NetworkUnavailable(f"`ip {' '.join(args)}` failed: {result.stderr.strip()}")


def install_iproute2():
    """`ip` is missing on some slim images: install it as tests/browser/setup.sh installs chromium."""
    if shutil.which("ip"):
        return
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([*sudo, "apt-get", "update", "-q"], [*sudo, "apt-get", "install", "-y", "-q", "iproute2"]):
        if subprocess.run(command, capture_output=True, env=env).returncode:
            raise NetworkUnavailable(f"`ip` is missing and `{' '.join(command)}` failed")


class Host:
    def __init__(self, network, name, address):
        self.name, self.address = name, address
        self.namespace = f"{network.tag}-{name}"
        self.port = f"to-{name}"[:15]  # its cable's end, in the switch's namespace (15 characters at most)
        # Runs a program on this host: `[*host.inside, "redis-server", ...]`.
        self.inside = ["ip", "netns", "exec", self.namespace]


class TestNetwork:
    """Call close() in a `finally`, after the programs on its hosts have ended."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self):
        install_iproute2()
        self.tag = "kc3" + secrets.token_hex(3)  # several checkouts may test at once
        self.switch = f"{self.tag}-switch"
        self.namespaces = []
        try:
            self._add_namespace(self.switch)
            ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
            ip("-n", self.switch, "link", "set", "br0", "up")
        except NetworkUnavailable:
            self.close()
            raise

    def _add_namespace(self, name):
        ip("netns", "add", name)
        self.namespaces.append(name)

    def add_host(self, name, number):
        host = Host(self, name, f"192.0.2.{number}")
        self._add_namespace(host.namespace)
        ip("link", "add", "eth0", "netns", host.namespace, "type", "veth", "peer", "name", host.port,
           "netns", self.switch)
        ip("-n", self.switch, "link", "set", host.port, "master", "br0", "up")
        ip("-n", host.namespace, "address", "add", f"{host.address}/24", "dev", "eth0")
        ip("-n", host.namespace, "link", "set", "eth0", "up")
        ip("-n", host.namespace, "link", "set", "lo", "up")
        return host

    def cut(self, host):
        ip("-n", self.switch, "link", "set", host.port, "down")

    def reconnect(self, host):
        ip("-n", self.switch, "link", "set", host.port, "up")

    def close(self):
        # Deleting a namespace deletes the veth ends in it, and with them their peers.
        for name in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "delete", name], capture_output=True)
        self.namespaces = []
