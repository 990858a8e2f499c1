"""The host lists the audit writes, used as Ansible uses them (issue 18): over real SSH hosts -
three sshd on 127.0.0.1 (the fleet benchmark's, benchmarks/fleet/bench.py; loopback only, each
stopped by its PID) - an audit where one host has a finding writes a list holding that host
only, and the group's own command (`ansible-playbook fleetfix.kernel.remediate --limit @file
... --check --diff`, as the report prints it) runs on exactly that host; the inventory of
findings selects the same host as a group. Needs root and sshd (`make os-deps`)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.dirname(sys.executable)


def _bench():
    spec = importlib.util.spec_from_file_location("fleet_bench", os.path.join(REPO, "benchmarks", "fleet", "bench.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fleet():
    bench = _bench()
    if os.geteuid() != 0 or not os.path.exists(bench.SSHD):
        pytest.fail("the loopback hosts need root and %s (`make os-deps` installs openssh-server)" % bench.SSHD)
    host_key, client_key = bench.keys()
    hosts = bench.Fleet(3, host_key)
    try:
        hosts.start()
        path = hosts.inventory(client_key)
        with open(path, "a") as handle:
            handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
            # one host writes 4 MiB at once into pipes: its pipe_capacity finding is a warn
            handle.write("[fleet:vars]\nansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'\n")
        text = open(path).read().replace("fleet001 ansible_host", "fleet001 fleetfix_audit_pipe_write_size=4194304 ansible_host")
        with open(path, "w") as handle:
            handle.write(text)
        yield path
    finally:
        hosts.stop()


def _run(argv, cwd):
    env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_NOCOLOR="1")
    # run from a directory of its own (the reports land there), with the project's settings
    env.setdefault("ANSIBLE_CONFIG", os.path.join(REPO, "ansible.cfg"))
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.path.join(REPO, ".collections"))
    proc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    return proc


def _recap_hosts(stdout):
    recap = stdout.split("PLAY RECAP", 1)[1]
    return sorted(re.findall(r"^(\S+)\s+: ok=", recap, re.M))


def test_a_group_command_runs_remediate_on_exactly_the_hosts_of_its_list(fleet, tmp_path):
    audit = _run([os.path.join(BIN, "ansible-playbook"), "-i", fleet, os.path.join(REPO, "playbooks", "audit.yml"), "--check",
                  "-e", json.dumps({"fleetfix_audit_subset": ["pipe_capacity"]})], str(tmp_path))
    assert audit.returncode == 0, audit.stdout[-3000:]
    assert _recap_hosts(audit.stdout) == ["fleet000", "fleet001", "fleet002", "localhost"]
    with open(str(tmp_path / "reports" / "fleet-report.json")) as handle:
        report = json.load(handle)
    assert open(str(tmp_path / "reports" / "limit" / "pipe_capacity-warn.txt")).read() == "fleet001\n"
    group = [g for g in report["groups"] if g["story"] == "pipe_capacity"][0]
    assert group["hosts"] == ["fleet001"]
    argv = shlex.split(group["command"])
    assert argv[:2] == ["ansible-playbook", "fleetfix.kernel.remediate"] and "--check" in argv
    argv = [os.path.join(BIN, argv[0]), "-i", fleet] + argv[1:]
    remediate = _run(argv, str(tmp_path))
    assert remediate.returncode == 0, remediate.stdout[-3000:]
    assert _recap_hosts(remediate.stdout) == ["fleet001"]
    assert "Pipe size | " in remediate.stdout or "pipe_size" in remediate.stdout
    # the inventory of findings: the same host as a group, beside the real inventory
    ping = _run([os.path.join(BIN, "ansible"), "-i", fleet, "-i", "reports/fleet-findings.yml", "fleetfix_pipe_capacity_warn",
                 "-m", "ansible.builtin.ping"], str(tmp_path))
    assert ping.returncode == 0, ping.stdout[-3000:]
    assert re.findall(r"^(\S+) \| SUCCESS", ping.stdout, re.M) == ["fleet001"]
