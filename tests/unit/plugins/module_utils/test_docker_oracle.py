"""docker_check against its oracle: moby's check-config.sh, run on real kernel configs.

tests/oracle/docker_check_config.py ran the two scripts (v1.7.0 for ``legacy``, master for
``current``) on every config under tests/unit/fixtures/docker_oracle/ (and a few of
fixtures/kconfig/), with ``uname -r`` answering the config's own release, and kept what they
printed in verdicts/*.json. Here docker_check.evaluate answers the same questions: every option,
in the script's order and with the script's status and good/bad colour, and every category
verdict must be the same - on a cgroup v1 and a cgroup v2 host alike, since the options do not
depend on the host.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import glob
import hashlib
import json
import os

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import docker_check, kconfig
from conftest import FIXTURES

VERDICTS = sorted(glob.glob(os.path.join(FIXTURES, "docker_oracle", "verdicts", "*.json")))
STATUS = {"enabled": "enabled", "enabled (as module)": "module", "missing": "missing"}
# No zfs: the oracle's host had none, and zfs is a host check, not a config option.
HOSTS = {
    "cgroup v1": {"cgroup_version": 1, "cgroup_v1_state": "properly mounted", "cgroup_v1_dir": "/sys/fs/cgroup",
                  "keys_root_maxkeys": 1000000},
    "cgroup v2": {"cgroup_version": 2, "cgroup2_controllers": ["cpuset", "cpu", "io", "memory", "pids"],
                  "keys_root_maxkeys": 1000000},
}


def load(path):
    with open(path) as handle:
        return json.load(handle)


def oracle_config(oracle):
    path = os.path.join(FIXTURES, oracle["config"])
    with open(path, "rb") as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == oracle["config_sha256"], (
        "%s changed since the oracle ran: run tests/oracle/docker_check_config.py again" % oracle["config"])
    config = kconfig.parse_config(kconfig.decode(data, path), path)
    variant = oracle.get("variant")
    if variant:
        for name in variant["unset"]:
            config.pop(name, None)
        config.update(variant["set"])
    return config


def script_options(entries):
    """The script's lines as (option, status, good), an option it prints twice (NF_NAT) once."""
    seen = set()
    out = []
    for entry in entries:
        row = (entry["option"], STATUS[entry["status"]], entry["good"])
        if entry["option"] in seen:
            assert row in out, "the script printed %s twice, differently" % entry["option"]
            continue
        seen.add(entry["option"])
        out.append(row)
    return out


def our_options(options):
    return [(o["option"], o["status"], o["ok"]) for o in options if o["option"].startswith("CONFIG_")]


def mismatches(oracle, result):
    found = []
    ours = result["categories"]
    theirs = oracle["categories"]

    def compare(where, expected, got):
        if expected != got:
            missing = [e for e in expected if e not in got]
            extra = [g for g in got if g not in expected]
            found.append("%s: script %s, we %s (only the script: %s; only we: %s)"
                         % (where, len(expected), len(got), missing, extra))

    for category in ("generally_necessary", "optional"):
        compare(category, script_options(theirs[category]["options"]), our_options(ours[category]["options"]))
    for category in ("network_drivers", "storage_drivers"):
        expected = [(d["driver"], script_options(d["options"])) for d in theirs[category]["drivers"]]
        got = [(d["driver"], our_options(d["options"])) for d in ours[category]["drivers"] if our_options(d["options"])]
        compare(category, expected, got)
    for category in ("generally_necessary", "optional", "network_drivers", "storage_drivers"):
        if theirs[category]["verdict"] != ours[category]["verdict"]:
            found.append("%s verdict: script %s, we %s" % (category, theirs[category]["verdict"], ours[category]["verdict"]))
    if oracle["profile"] == "current":
        # The current script's exit status is its "generally necessary" verdict (host checks neutralised).
        if (oracle["exit_status"] != 0) != (ours["generally_necessary"]["verdict"] == "fail"):
            found.append("exit status %d, our necessary verdict %s" % (oracle["exit_status"], ours["generally_necessary"]["verdict"]))
    return found


def test_the_oracle_is_there():
    profiles = set(load(path)["profile"] for path in VERDICTS)
    releases = set(load(path)["kernel_release"] for path in VERDICTS if not load(path).get("variant"))
    assert profiles == {"legacy", "current"}
    assert len(glob.glob(os.path.join(FIXTURES, "docker_oracle", "configs", "config-*.gz"))) >= 6
    assert {"5.10.0-46-amd64", "6.1.0-56-amd64", "6.1.0-56-arm64", "4.7.0-1-amd64", "5.8.0-1-amd64"} <= releases


@pytest.mark.parametrize("path", VERDICTS, ids=[os.path.basename(p)[:-len(".json")] for p in VERDICTS])
def test_evaluate_equals_check_config_sh(path):
    oracle = load(path)
    config = oracle_config(oracle)
    problems = []
    for name, host in sorted(HOSTS.items()):
        result = docker_check.evaluate(config, oracle["kernel_release"], oracle["profile"], host)
        assert oracle["script"]["commit"] in result["reference"]
        problems += ["%s: %s" % (name, problem) for problem in mismatches(oracle, result)]
    assert not problems, "%s (%s profile, kernel %s) differs from check-config.sh at %s:\n%s" % (
        oracle["case"], oracle["profile"], oracle["kernel_release"], oracle["script"]["commit"][:12], "\n".join(problems))


def test_all_options_compared_and_none_differ():
    """One count over every fixture, for the record: options compared, mismatches found."""
    compared = 0
    problems = []
    for path in VERDICTS:
        oracle = load(path)
        result = docker_check.evaluate(oracle_config(oracle), oracle["kernel_release"], oracle["profile"], HOSTS["cgroup v2"])
        compared += sum(len(script_options(oracle["categories"][c]["options"])) for c in ("generally_necessary", "optional"))
        compared += sum(len(script_options(d["options"])) for c in ("network_drivers", "storage_drivers")
                        for d in oracle["categories"][c]["drivers"])
        problems += ["%s: %s" % (os.path.basename(path), p) for p in mismatches(oracle, result)]
    print("%d verdict files, %d options compared, %d mismatches" % (len(VERDICTS), compared, len(problems)))
    assert compared > 4000
    assert problems == []
