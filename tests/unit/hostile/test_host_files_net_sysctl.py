"""Malformed host files on fake roots for net_iface_facts and the sysctl boot-value reader.

Each case of host_files_net_sysctl.CASES is planted under a temporary root and collected
through hostfs.exit_with_facts (fake_root.outcome): a failure must hold the expected fragment and
name a planted file, never the catch-all; a ``Warns`` case must come back with facts and a
warning naming the file; None must come back with facts. No case may hang (FIFOs are planted),
and every warning, whatever the case, names a file.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import netif, sysctl_d
from hostile import fake_root
from hostile.host_files_net_sysctl import CASES, CONFIG_CASES, Fifo, Link, Secret, Warns

BOOT_KEYS = ["vm.min_free_kbytes", "vm.watermark_scale_factor"]
COLLECTORS = {
    "net_iface_facts": netif.collect,
    "sysctl_boot_values": lambda root: sysctl_d.boot_values(root, BOOT_KEYS),
}


def plant(root, files):
    """fake_root.plant, plus the symlinks (Link) and named pipes (Fifo) plain bytes cannot be."""
    special = dict((path, data) for path, data in files.items() if isinstance(data, (Link, Fifo)))
    fake_root.plant(root, dict((path, data) for path, data in files.items() if path not in special))
    for path, data in files.items():
        if isinstance(data, Secret):
            os.chmod(os.path.join(str(root), path.lstrip("/")), 0o600)
    for path, data in sorted(special.items()):
        full = os.path.join(str(root), path.lstrip("/"))
        if not os.path.isdir(os.path.dirname(full)):
            os.makedirs(os.path.dirname(full))
        if isinstance(data, Link):
            os.symlink(data.decode("utf-8"), full)
        else:
            os.mkfifo(full)
    return str(root)


def warnings_of(name, facts):
    if name == "net_iface_facts":
        return facts["warnings"]
    return [warning for key in BOOT_KEYS for warning in facts[key]["warnings"]]


def case_id(case):
    name, files, expected = case
    return "%s-%s-%s" % (name, sorted(files)[-1].rsplit("/", 1)[-1], (expected or "ok")[:40])


@pytest.mark.parametrize("name, files, expected", CASES, ids=[case_id(case) for case in CASES])
def test_malformed_host_file(tmp_path, name, files, expected):
    root = plant(tmp_path, files)
    status, value = fake_root.outcome(lambda: COLLECTORS[name](root))
    if expected is None or isinstance(expected, Warns):
        fake_root.check((status, value), None)
        warnings = warnings_of(name, value)
        assert all(any(path in warning for path in files) for warning in warnings), warnings
        if expected is not None:
            assert any(expected in warning for warning in warnings), warnings
        return
    named = [path for path in files if path in value]
    assert named, value
    fake_root.check((status, value), expected, named[0])


def test_a_refused_value_is_not_the_boot_value(tmp_path):
    root = plant(tmp_path, {
        "/etc/os-release": b"ID=debian\nVERSION_ID=12\n",
        "/usr/lib/sysctl.d/50-default.conf": b"vm.min_free_kbytes = 8192\n",
        "/etc/sysctl.d/90-fleetfix-vm.conf": u"vm.min_free_kbytes = \u0663\u0664\n".encode("utf-8"),
    })
    boot = sysctl_d.boot_values(root, BOOT_KEYS)["vm.min_free_kbytes"]
    assert (boot["value"], boot["file"]) == ("8192", "/usr/lib/sysctl.d/50-default.conf")
    assert [entry["accepted"] for entry in boot["assignments"]] == [True, False]
    # and a drop-in of the role is not overridden by a value the kernel refuses
    assert sysctl_d.overriding(boot["assignments"], "/etc/sysctl.d/80-fleetfix.conf") == []


def test_at_least_30_cases_none_listed_twice():
    assert len(CASES) >= 30
    assert len(CONFIG_CASES) >= 20  # issue 16: the configuration systems
    keys = [repr((name, sorted(files.items()), expected)) for name, files, expected in CASES]
    assert len(keys) == len(set(keys))
