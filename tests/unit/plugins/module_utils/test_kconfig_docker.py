"""Kernel configs, the Docker check profiles, slab facts and timeval (seed stories 6, 5, 1)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import os
import shutil

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import docker_check, kconfig, slab, timeval
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError
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
    assert ("broken.config line 2: expected a kernel config line (CONFIG_NAME=value or a # comment), "
            "found 'this is not a config line'") in str(err.value)
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


# --- the Docker check ---
# Option for option, every profile is checked against check-config.sh itself in
# test_docker_oracle.py; these tests pin the behaviour people rely on, by name.

ORACLE_CONFIGS = os.path.join(FIXTURES, "docker_oracle", "configs")


def debian_config(release="6.1.0-50-amd64"):
    """A whole Debian kernel config (fixtures/docker_oracle/configs, see the README there)."""
    name = "config-%s.gz" % release
    with open(os.path.join(ORACLE_CONFIGS, name), "rb") as handle:
        return kconfig.parse_config(kconfig.decode(handle.read(), name), name)


def test_current_profile_on_debian_6_1():
    result = docker_check.evaluate(debian_config(), "6.1.0-50-amd64", "current", HOST_V2)
    assert "@b985e2313a86" in result["reference"]
    necessary = statuses(result, "generally_necessary")
    # kernel-version conditions: none of these is asked of a 6.1 kernel
    for gone in ("CONFIG_DEVPTS_MULTIPLE_INSTANCES", "CONFIG_NF_NAT_IPV4", "CONFIG_NF_NAT_NEEDED"):
        assert gone not in necessary
    assert necessary["CONFIG_CGROUP_BPF"] == "enabled"
    # cgroup v2 host: the script asks the controllers' options all the same
    for name in ("CGROUP_CPUACCT", "CGROUP_DEVICE", "CGROUP_FREEZER", "CPUSETS", "MEMCG"):
        assert necessary["CONFIG_" + name] == "enabled"
    assert result["categories"]["generally_necessary"]["verdict"] == "ok"
    assert "overlay" in result["categories"]["storage_drivers"]["usable"]
    optional = statuses(result, "optional")
    assert "CONFIG_MEMCG_SWAP" not in optional and "CONFIG_MEMCG_SWAP_ENABLED" not in optional  # below 5.8 only
    for name in ("CGROUP_PIDS", "CGROUP_HUGETLB", "IP_SCTP", "NF_TABLES", "NFT_CT", "NFT_FIB", "NFT_FIB_IPV4",
                 "NFT_FIB_IPV6", "NFT_MASQ", "NFT_NAT"):
        assert optional["CONFIG_" + name] in ("enabled", "module"), name
    # Debian's amd64 kernels have no vsyscall page: the script's LEGACY_VSYSCALL report warns
    vsyscall = [o for o in result["categories"]["optional"]["options"] if "VSYSCALL" in o["option"]]
    assert [(o["option"], o["status"], o["ok"]) for o in vsyscall] == [("CONFIG_LEGACY_VSYSCALL_NONE", "enabled", False)]
    assert result["categories"]["optional"]["verdict"] == "warn" and result["categories"]["optional"]["missing"] == []
    assert "CONFIG_LEGACY_VSYSCALL_NONE enabled (containers using eglibc <= 2.13" in result["summary"][2]
    assert result["verdict"] == "warn" and result["fails"] == {"required": False, "any": True}


def test_options_do_not_depend_on_the_cgroup_version():
    on_v1 = docker_check.evaluate(debian_config(), "6.1.0-50-amd64", "current", HOST_V1)
    on_v2 = docker_check.evaluate(debian_config(), "6.1.0-50-amd64", "current", HOST_V2)
    for category in ("generally_necessary", "optional", "network_drivers"):
        assert on_v1["categories"][category] == on_v2["categories"][category]


@pytest.mark.parametrize("option,asked,not_asked", [
    ("DEVPTS_MULTIPLE_INSTANCES", "4.7.10", "4.8.0"),   # [ minor -lt 8 ]
    ("NF_NAT_IPV4", "5.1.21", "5.2.0"),                 # [ minor -le 1 ]
    ("NF_NAT_NEEDED", "5.2.21", "5.3.0"),               # [ minor -le 2 ]
    ("MEMCG_SWAP", "5.7.19", "5.8.0"),                  # [ minor -lt 8 ]: 5.8 itself is not asked
    ("MEMCG_SWAP_ENABLED", "5.7.19", "5.8.0"),
    ("MEMCG_KMEM", "4.5.7", "4.6.0"),                   # [ minor -le 5 ]
    ("RESOURCE_COUNTERS", "3.18.140", "3.19.0"),        # [ minor -le 18 ]
    ("NETPRIO_CGROUP", "3.13.11", "3.14.0"),            # renamed CGROUP_NET_PRIO in 3.14
    ("CGROUP_NET_PRIO", "3.14.0", "3.13.11"),
    ("IOSCHED_CFQ", "4.20.17", "5.0.0"),                # [ major -lt 5 ]
    ("CGROUP_BPF", "4.15.0", "4.14.336"),               # from 4.15
    ("INET_XFRM_MODE_TRANSPORT", "5.3.18", "5.4.0"),    # [ minor -le 3 ]
])
def test_version_conditions_as_the_script_writes_them(option, asked, not_asked):
    def listed(release):
        result = docker_check.evaluate(debian_config(), release, "current", HOST_V2)
        names = [o["option"] for c in ("generally_necessary", "optional") for o in result["categories"][c]["options"]]
        names += [o["option"] for d in result["categories"]["network_drivers"]["drivers"] for o in d["options"]]
        return "CONFIG_" + option in names
    assert listed(asked) is True
    assert listed(not_asked) is False
    # Debian and EL releases are read the same way: only major.minor count
    assert listed(asked + "-1-amd64") is True and listed(not_asked + "-100.el8.x86_64") is False


def test_a_release_without_a_version_takes_no_conditional_option():
    result = docker_check.evaluate(debian_config(), "linux-custom", "current", HOST_V2)
    names = [o["option"] for c in ("generally_necessary", "optional") for o in result["categories"][c]["options"]]
    for gone in ("DEVPTS_MULTIPLE_INSTANCES", "NF_NAT_IPV4", "NF_NAT_NEEDED", "CGROUP_BPF", "MEMCG_SWAP",
                 "MEMCG_KMEM", "RESOURCE_COUNTERS", "IOSCHED_CFQ", "NETPRIO_CGROUP"):
        assert "CONFIG_" + gone not in names
    assert "CONFIG_CGROUP_NET_PRIO" in names


@pytest.mark.parametrize("set_names,reported,ok", [
    (["LEGACY_VSYSCALL_NATIVE", "LEGACY_VSYSCALL_EMULATE"], "CONFIG_LEGACY_VSYSCALL_NATIVE", False),  # NATIVE first
    (["LEGACY_VSYSCALL_EMULATE", "LEGACY_VSYSCALL_NONE"], "CONFIG_LEGACY_VSYSCALL_EMULATE", True),
    (["LEGACY_VSYSCALL_NONE"], "CONFIG_LEGACY_VSYSCALL_NONE", False),
    (["LEGACY_VSYSCALL_XONLY"], None, None),  # not one the script knows: nothing reported
])
def test_legacy_vsyscall_report(set_names, reported, ok):
    cfg = debian_config()
    cfg.pop("LEGACY_VSYSCALL_NONE")
    cfg.update(dict((name, "y") for name in set_names))
    result = docker_check.evaluate(cfg, "6.1.0-50-amd64", "current", HOST_V2)
    lines = [o for o in result["categories"]["optional"]["options"] if "VSYSCALL" in o["option"]]
    assert [(o["option"], o["ok"]) for o in lines] == ([(reported, ok)] if reported else [])
    assert result["categories"]["optional"]["verdict"] == ("ok" if reported is None or ok else "warn")
    legacy = docker_check.evaluate(cfg, "6.1.0-50-amd64", "legacy", HOST_V2)
    assert not [o for o in legacy["categories"]["optional"]["options"] if "VSYSCALL" in o["option"]]


def test_ext3_options_only_without_ext4_for_ext2():
    cfg = debian_config()
    assert "CONFIG_EXT3_FS" not in statuses(docker_check.evaluate(cfg, "6.1.0-50-amd64", "current", HOST_V2), "optional")
    del cfg["EXT4_USE_FOR_EXT2"]
    optional = statuses(docker_check.evaluate(cfg, "6.1.0-50-amd64", "current", HOST_V2), "optional")
    assert optional["CONFIG_EXT3_FS"] == "missing" and optional["CONFIG_EXT4_FS"] == "module"


def test_legacy_profile_on_debian_6_1():
    result = docker_check.evaluate(debian_config(), "6.1.0-50-amd64", "legacy", HOST_V1)
    assert "@0baf60984522" in result["reference"] and "v1.7.0" in result["reference"]
    necessary = statuses(result, "generally_necessary")
    assert necessary["CONFIG_BRIDGE_NETFILTER"] == "module" and necessary["CONFIG_CPUSETS"] == "enabled"
    assert "CONFIG_MEMCG" not in necessary  # v1.7.0 did not ask for it
    assert result["categories"]["generally_necessary"]["missing"] == [
        "CONFIG_DEVPTS_MULTIPLE_INSTANCES", "CONFIG_NF_NAT_IPV4", "CONFIG_NF_NAT_NEEDED"]  # gone by 6.1
    assert list(statuses(result, "optional")) == [
        "CONFIG_MEMCG_SWAP", "CONFIG_MEMCG_SWAP_ENABLED", "CONFIG_RESOURCE_COUNTERS", "CONFIG_BLK_CGROUP",
        "CONFIG_IOSCHED_CFQ", "CONFIG_CGROUP_PERF", "CONFIG_CFS_BANDWIDTH"]
    assert result["categories"]["network_drivers"]["drivers"] == []
    storage = result["categories"]["storage_drivers"]
    # v1.7.0 lists the ext4 options under aufs, devicemapper and overlay; Debian builds them all
    assert [o["option"] for o in storage["drivers"][3]["options"]] == [
        "CONFIG_OVERLAY_FS", "CONFIG_EXT4_FS_SECURITY", "CONFIG_EXT4_FS_POSIX_ACL"]
    assert storage["usable"] == ["btrfs", "devicemapper", "overlay"]
    checks = dict((c["check"], c) for c in result["categories"]["host"]["checks"])
    assert "net.ipv4.ip_forward" not in checks and "kernel.keys.root_maxkeys" not in checks  # not in v1.7.0


def test_legacy_profile_on_centos6():
    result = docker_check.evaluate(config("centos6-2.6.32-754.config"), "2.6.32-754.35.1.el6.x86_64", "legacy", HOST_V1)
    necessary = statuses(result, "generally_necessary")
    assert necessary["CONFIG_MACVLAN"] == "module"
    assert necessary["CONFIG_DEVPTS_MULTIPLE_INSTANCES"] == "enabled"
    # the typed-in excerpt has no BRIDGE_NETFILTER line; v1.7.0 asks for it
    assert result["categories"]["generally_necessary"]["missing"] == [
        "CONFIG_BRIDGE_NETFILTER", "CONFIG_NF_NAT_IPV4", "CONFIG_NETFILTER_XT_MATCH_ADDRTYPE"]
    storage = result["categories"]["storage_drivers"]
    assert storage["usable"] == ["btrfs", "devicemapper"]  # no aufs, no overlay on 2.6.32
    assert storage["verdict"] == "ok"
    host = dict((c["check"], c) for c in result["categories"]["host"]["checks"])
    assert host["kernel version"]["ok"] is True  # 2.6.32-754 >= 2.6.32-431


@pytest.mark.parametrize("release,ok", [
    ("2.6.32-358.el6.x86_64", False), ("2.6.32-431.el6.x86_64", True), ("2.6.32-431.29.2.el6.x86_64", True),
    ("2.6.32-754.35.1.el6.x86_64", True), ("3.9.11", False), ("3.10.0-123.el7.x86_64", True), ("4.4.1", True),
])
def test_legacy_kernel_minimum(release, ok):
    result = docker_check.evaluate(config("centos6-2.6.32-754.config"), release, "legacy", HOST_V1)
    host = dict((c["check"], c) for c in result["categories"]["host"]["checks"])
    assert host["kernel version"]["ok"] is ok
    assert (result["categories"]["host"]["verdict"] == "fail") is (not ok)


def test_legacy_needs_a_cgroup_v1_hierarchy():
    v2_only = dict(HOST_V2, cgroup_v1_state="nonexistent", cgroup_v1_dir=None)
    legacy = docker_check.evaluate(debian_config(), "6.1.0-50-amd64", "legacy", v2_only)
    check = [c for c in legacy["categories"]["host"]["checks"] if c["check"] == "cgroup hierarchy"][0]
    assert (check["status"], check["ok"]) == ("nonexistent", False)
    assert "cgroup v2 only" in check["detail"] and legacy["categories"]["host"]["verdict"] == "fail"
    current = docker_check.evaluate(debian_config(), "6.1.0-50-amd64", "current", v2_only)
    check = [c for c in current["categories"]["host"]["checks"] if c["check"] == "cgroup hierarchy"][0]
    assert (check["status"], check["ok"]) == ("cgroupv2", True)


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
    assert optional["CONFIG_MEMCG_SWAP"] == optional["CONFIG_MEMCG_SWAP_ENABLED"] == "enabled"  # below 5.8
    assert optional["CONFIG_RESOURCE_COUNTERS"] == "enabled"  # asked up to 3.18


def test_no_storage_driver_fails_storage_only():
    cfg = debian_config()
    for name in ("OVERLAY_FS", "BTRFS_FS"):
        cfg.pop(name, None)
    result = docker_check.evaluate(cfg, "6.1.0", "current", HOST_V2)
    assert result["categories"]["storage_drivers"]["verdict"] == "fail"
    assert result["categories"]["generally_necessary"]["verdict"] == "ok"
    assert docker_check.fails(result, "required") is True
    assert docker_check.fails(result, "never") is False
    zfs_host = dict(HOST_V2, zfs_device=True, zfs_command="/sbin/zfs", zpool_command="/sbin/zpool")
    with_zfs = docker_check.evaluate(cfg, "6.1.0", "current", zfs_host)
    assert with_zfs["categories"]["storage_drivers"]["usable"] == ["zfs"]


def test_fail_on_levels():
    result = docker_check.evaluate(config("debian12-6.1.0-50.config"), "6.1.0-50-amd64", "current", HOST_V2)
    missing_optional = bool(result["categories"]["optional"]["missing"])
    assert docker_check.fails(result, "required") is False
    assert docker_check.fails(result, "any") is (result["verdict"] != "ok")
    assert missing_optional or result["verdict"] in ("ok", "warn")


def test_low_root_maxkeys_is_a_failure_in_the_current_profile():
    result = docker_check.evaluate(debian_config(), "6.1.0", "current", dict(HOST_V2, keys_root_maxkeys=200))
    assert result["categories"]["host"]["verdict"] == "fail"


def test_forwarding_is_reported_not_failed_in_the_current_profile():
    host = dict(HOST_V2, ip_forward=0, ipv6_all_forwarding=0, ipv6_default_forwarding=1)
    result = docker_check.evaluate(debian_config(), "6.1.0-50-amd64", "current", host)
    checks = dict((c["check"], c) for c in result["categories"]["host"]["checks"])
    assert [(checks[k]["status"], checks[k]["ok"], checks[k]["required"]) for k in (
        "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding", "net.ipv6.conf.default.forwarding")] == [
        ("0", True, False), ("0", True, False), ("1", True, False)]
    assert result["categories"]["host"]["verdict"] == "ok"


def test_read_host_takes_ascii_numbers_only(tmp_path):
    root = str(tmp_path)
    for path, text in (("proc/sys/kernel/keys/root_maxkeys", "1000000\n"), ("proc/sys/net/ipv4/ip_forward", "1\n"),
                       ("proc/sys/net/ipv6/conf/all/forwarding", u"\u00b2\n"), ("proc/mounts", "")):
        if not os.path.isdir(os.path.dirname(os.path.join(root, path))):
            os.makedirs(os.path.dirname(os.path.join(root, path)))
        with open(os.path.join(root, path), "wb") as handle:
            handle.write(text.encode("utf-8"))
    # '\u00b2' passes str.isdigit() and then int() raises: it is refused, naming the file
    with pytest.raises(HostReadError) as err:
        docker_check.read_host(root, lambda name: None)
    assert "/proc/sys/net/ipv6/conf/all/forwarding line 1: expected a non-negative integer" in str(err.value)
    with open(os.path.join(root, "proc/sys/net/ipv6/conf/all/forwarding"), "wb") as handle:
        handle.write(b"0\n")
    host = docker_check.read_host(root, lambda name: None)
    assert (host["keys_root_maxkeys"], host["ip_forward"], host["ipv6_all_forwarding"]) == (1000000, 1, 0)
    assert host["ipv6_default_forwarding"] is None  # (missing: an IPv6-less kernel)


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
