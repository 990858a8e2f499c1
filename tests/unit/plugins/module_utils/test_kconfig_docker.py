"""Kernel configs, the Docker check profiles, slab facts and timeval (seed stories 6, 5, 1)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import os
import shutil

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import docker_check, kconfig, slab, timeval
from conftest import FIXTURES

KCONFIG = os.path.join(FIXTURES, "kconfig")
HOST_V1 = {"cgroup_version": 1, "cgroup_v1_state": "properly mounted", "cgroup_v1_dir": "/sys/fs/cgroup",
           "keys_root_maxkeys": 1000000, "ip_forward": 0}
HOST_V2 = {"cgroup_version": 2, "cgroup2_controllers": ["cpuset", "cpu", "io", "memory", "pids"],
           "keys_root_maxkeys": 1000000, "ip_forward": 1}


def config(name):
    with open(os.path.join(KCONFIG, name), "rb") as handle:
        return kconfig.parse_config(kconfig.decode(handle.read(), name), name)


def statuses(result, category):
    return dict((o["option"], o["status"]) for o in result["categories"][category]["options"])


def test_parse_values_and_not_set():
    cfg = config("debian12-6.1.0-50.config")
    assert cfg["SLUB"] == "y" and cfg["OVERLAY_FS"] == "m"
    assert "SLAB" not in cfg  # "# CONFIG_SLAB is not set"
    assert config("centos6-2.6.32-754.config")["LOCALVERSION"] == ""
    assert config("centos6-2.6.32-754.config")["HZ"] == "1000"


def test_gzip_config():
    cfg = config("host-6.18-config.gz")
    assert cfg["NAMESPACES"] == "y"


def test_broken_and_corrupt_configs_are_named():
    with pytest.raises(kconfig.KernelConfigError) as err:
        config("broken.config")
    assert "broken.config line 2 is not a kernel config line: 'this is not a config line'" in str(err.value)
    with pytest.raises(kconfig.KernelConfigError) as err:
        config("corrupt-config.gz")
    assert "corrupt-config.gz is a corrupt gzip file" in str(err.value)


def _tree(tmp_path, running, configs):
    root = str(tmp_path)
    os.makedirs(os.path.join(root, "proc", "sys", "kernel"))
    with open(os.path.join(root, "proc", "sys", "kernel", "osrelease"), "w") as handle:
        handle.write(running + "\n")
    os.makedirs(os.path.join(root, "boot"))
    for kver, name in configs.items():
        shutil.copy(os.path.join(KCONFIG, name), os.path.join(root, "boot", "config-" + kver))
        os.makedirs(os.path.join(root, "lib", "modules", kver))
    return root


def test_collect_running_and_installed(tmp_path):
    root = _tree(tmp_path, "3.10.0-1160.el7.x86_64", {"3.10.0-1160.el7.x86_64": "centos7-3.10.0-1160.config",
                                                      "4.4.1": "debian12-6.1.0-50.config"})
    facts = kconfig.collect(root, kernels="all", options=["SLUB", "SLAB"])
    assert facts["installed"] == ["3.10.0-1160.el7.x86_64", "4.4.1"]
    assert facts["kernels"]["3.10.0-1160.el7.x86_64"]["source"] == "/boot/config-3.10.0-1160.el7.x86_64"
    assert facts["kernels"]["3.10.0-1160.el7.x86_64"]["options"] == {"SLUB": "y", "SLAB": None}
    assert facts["kernels"]["4.4.1"]["running"] is False


def test_a_kernel_that_is_not_installed_is_named(tmp_path):
    root = _tree(tmp_path, "3.10.0-1160.el7.x86_64", {"3.10.0-1160.el7.x86_64": "centos7-3.10.0-1160.config"})
    with pytest.raises(kconfig.KernelConfigError) as err:
        kconfig.collect(root, kernels=["9.9.9"])
    assert "kernel 9.9.9 is not installed (installed: 3.10.0-1160.el7.x86_64)" in str(err.value)


def test_missing_config_lists_the_paths_tried(tmp_path):
    root = _tree(tmp_path, "5.4.0", {})
    with pytest.raises(kconfig.KernelConfigError) as err:
        kconfig.collect(root)
    assert "/proc/config.gz, /boot/config-5.4.0, /usr/src/linux-5.4.0/.config" in str(err.value)


def test_version_sort():
    assert sorted(["4.4.1", "3.10.0-1160", "3.10.0-957", "2.6.32-754"], key=kconfig.version_key) == [
        "2.6.32-754", "3.10.0-957", "3.10.0-1160", "4.4.1"]


# --- the Docker check ---

def test_current_profile_on_debian_6_1():
    result = docker_check.evaluate(config("debian12-6.1.0-50.config"), "6.1.0-50-amd64", "current", HOST_V2)
    necessary = statuses(result, "generally_necessary")
    # kernel-version conditions: none of these is asked of a 6.1 kernel
    for gone in ("CONFIG_DEVPTS_MULTIPLE_INSTANCES", "CONFIG_NF_NAT_IPV4", "CONFIG_NF_NAT_NEEDED"):
        assert gone not in necessary
    assert necessary["CONFIG_CGROUP_BPF"] == "enabled"
    # cgroup v2: the v1 controller options are not asked either
    assert "CONFIG_MEMCG" not in necessary
    assert result["categories"]["generally_necessary"]["verdict"] == "ok"
    assert "overlay" in result["categories"]["storage_drivers"]["usable"]
    assert "CONFIG_MEMCG_SWAP_ENABLED" not in statuses(result, "optional")  # only up to 5.8


def test_legacy_profile_on_centos6():
    result = docker_check.evaluate(config("centos6-2.6.32-754.config"), "2.6.32-754.35.1.el6.x86_64", "legacy", HOST_V1)
    necessary = statuses(result, "generally_necessary")
    assert necessary["CONFIG_MACVLAN"] == "module"
    assert necessary["CONFIG_DEVPTS_MULTIPLE_INSTANCES"] == "enabled"
    assert result["categories"]["generally_necessary"]["missing"] == [
        "CONFIG_NF_NAT_IPV4", "CONFIG_NETFILTER_XT_MATCH_ADDRTYPE"]
    storage = result["categories"]["storage_drivers"]
    assert storage["usable"] == ["btrfs", "devicemapper"]  # no aufs, no overlay on 2.6.32
    assert storage["verdict"] == "ok"
    host = dict((c["check"], c) for c in result["categories"]["host"]["checks"])
    assert host["kernel version"]["ok"] is True  # 2.6.32-754 >= 2.6.32-431


def test_legacy_minimum_on_an_old_el6_kernel():
    result = docker_check.evaluate(config("centos6-2.6.32-754.config"), "2.6.32-358.el6.x86_64", "legacy", HOST_V1)
    host = dict((c["check"], c) for c in result["categories"]["host"]["checks"])
    assert host["kernel version"]["ok"] is False
    assert result["categories"]["host"]["verdict"] == "fail"


def test_el7_user_namespaces_need_the_boot_option():
    cfg = config("centos7-3.10.0-1160.config")
    off = docker_check.evaluate(cfg, "3.10.0-1160.el7.x86_64", "legacy", dict(HOST_V1, cmdline="ro quiet"))
    on = docker_check.evaluate(cfg, "3.10.0-1160.el7.x86_64", "legacy",
                               dict(HOST_V1, cmdline="ro user_namespace.enable=1 namespace.unpriv_enable=1"))

    def pick(result):
        return [c for c in result["categories"]["host"]["checks"] if c["check"] == "user_namespace.enable=1"][0]
    assert pick(off)["ok"] is False and pick(on)["ok"] is True


def test_current_profile_on_centos7_asks_the_old_options():
    result = docker_check.evaluate(config("centos7-3.10.0-1160.config"), "3.10.0-1160.el7.x86_64", "current", HOST_V1)
    necessary = statuses(result, "generally_necessary")
    assert necessary["CONFIG_DEVPTS_MULTIPLE_INSTANCES"] == "enabled"  # before 4.8
    assert necessary["CONFIG_NF_NAT_IPV4"] == "module"                 # up to 5.1
    assert "CONFIG_CGROUP_BPF" not in necessary                        # from 4.15
    optional = statuses(result, "optional")
    assert optional["CONFIG_NETPRIO_CGROUP"] == "enabled"  # its name up to 3.13
    assert "CONFIG_CGROUP_NET_PRIO" not in optional
    assert "CONFIG_EXT3_FS" not in optional  # EXT4_USE_FOR_EXT2 is set
    assert optional["CONFIG_MEMCG_KMEM"] == "enabled"  # asked up to 4.5


def test_no_storage_driver_fails_storage_only():
    cfg = config("debian12-6.1.0-50.config")
    for name in ("OVERLAY_FS", "BTRFS_FS"):
        cfg.pop(name, None)
    result = docker_check.evaluate(cfg, "6.1.0", "current", HOST_V2)
    assert result["categories"]["storage_drivers"]["verdict"] == "fail"
    assert docker_check.fails(result, "required") is True
    assert docker_check.fails(result, "never") is False


def test_fail_on_levels():
    result = docker_check.evaluate(config("debian12-6.1.0-50.config"), "6.1.0-50-amd64", "current", HOST_V2)
    missing_optional = bool(result["categories"]["optional"]["missing"])
    assert docker_check.fails(result, "required") is False
    assert docker_check.fails(result, "any") is (result["verdict"] != "ok")
    assert missing_optional or result["verdict"] in ("ok", "warn")


def test_low_root_maxkeys_is_a_failure_in_the_current_profile():
    result = docker_check.evaluate(config("debian12-6.1.0-50.config"), "6.1.0", "current", dict(HOST_V2, keys_root_maxkeys=200))
    assert result["categories"]["host"]["verdict"] == "fail"


def test_unknown_profile():
    with pytest.raises(ValueError) as err:
        docker_check.evaluate({}, "6.1.0", "docker-ce", HOST_V2)
    assert "unknown profile 'docker-ce'" in str(err.value)


def test_finding():
    result = docker_check.evaluate(config("centos6-2.6.32-754.config"), "2.6.32-754.el6.x86_64", "current", HOST_V1)
    assert docker_check.finding([result], docker_present=False)["status"] == "not_applicable"
    found = docker_check.finding([result], docker_present=True)
    assert found["status"] == "fail" and "NF_NAT_IPV4" in found["summary"]


# --- slab (story 5) ---

MODULES = ("nf_tables 307200 0 - Live 0xffffffffc0a00000\n"
           "vboxdrv 487424 2 vboxnetadp,vboxnetflt, Live 0xffffffffc0800000 (OE)\n"
           "hello 16384 0 - Live 0xffffffffc0700000 (O)\n")


def test_modules_taint():
    assert slab.parse_modules(MODULES) == [{"name": "nf_tables", "taint": ""}, {"name": "vboxdrv", "taint": "OE"},
                                           {"name": "hello", "taint": "O"}]


def test_slab_kernel_with_out_of_tree_modules_warns(tmp_path):
    root = str(tmp_path)
    os.makedirs(os.path.join(root, "proc", "sys", "kernel"))
    with open(os.path.join(root, "proc", "modules"), "w") as handle:
        handle.write(MODULES)
    with open(os.path.join(root, "proc", "sys", "kernel", "tainted"), "w") as handle:
        handle.write("12288\n")
    facts = slab.collect(root, config=config("centos6-2.6.32-754.config"))
    assert (facts["allocator"], facts["allocator_source"]) == ("SLAB", "CONFIG_SLAB=y")
    assert facts["out_of_tree_modules"] == ["hello", "vboxdrv"] and facts["unsigned_modules"] == ["vboxdrv"]
    assert facts["tainted_out_of_tree"] and facts["tainted_unsigned"]
    found = slab.finding(facts)
    assert found["status"] == "warn" and "duplicate cache" in found["summary"]
    os.makedirs(os.path.join(root, "sys", "kernel", "slab"))  # a SLUB kernel says so in sysfs
    assert slab.finding(slab.collect(root))["status"] == "ok"


def test_slabinfo_names():
    text = "slabinfo - version: 2.1\n# name <active_objs> ...\next4_inode_cache 100 120 1064 30 8 : tunables 0 0 0\n"
    assert slab.parse_slabinfo_names(text) == ["ext4_inode_cache"]


# --- timeval (story 1) ---

@pytest.mark.parametrize("value,expected", [
    (3, (3, 0)), (0, (0, 0)), (2.5, (2, 500000)), ("1.5", (1, 500000)), ("1500ms", (1, 500000)),
    ("250us", (0, 250)), ("999999us", (0, 999999)), ("1000000us", (1, 0)), ("1min", (60, 0)),
    (0.0000005, (0, 1)), ("1999999999ns", (2, 0)), ("3 s", (3, 0)), (1e-7, (0, 0)),
])
def test_to_timeval(value, expected):
    tv = timeval.to_timeval(value)
    assert (tv["tv_sec"], tv["tv_usec"]) == expected
    assert 0 <= tv["tv_usec"] < 1000000


@pytest.mark.parametrize("value,message", [
    (-1, "cannot be negative"), ("-2s", "cannot be negative"), ("abc", "like \"1500ms\""),
    ("5 fortnights", "unknown unit 'fortnights'"), ("5h", "unknown unit 'h'"), (None, "got None"), (True, "got True"),
])
def test_to_timeval_refuses(value, message):
    with pytest.raises(timeval.TimevalError) as err:
        timeval.to_timeval(value)
    assert message in str(err.value)


def test_probe_on_this_kernel():
    # The seed: tv_usec of 1000000 or more is EDOM; the normalised value is taken.
    bad = timeval.probe(3, 1000000)
    assert (bad["accepted"], bad["errno"], bad["error"]) == (False, errno.EDOM, "EDOM")
    good = timeval.probe(3, 999999, "SO_SNDTIMEO")
    assert good["accepted"] is True
    # The kernel keeps timeouts in jiffies and rounds up: 3.999999 s reads back as 4 s or a tick over.
    back = good["read_back"]["tv_sec"] + good["read_back"]["tv_usec"] / 1e6
    assert 3.999999 <= back <= 4.02
