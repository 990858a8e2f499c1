"""Verify stories 6, 5 and 1 on the VM's real kernel, against the kernel's own config file."""

import json

import pytest


def config_values(host):
    release = host.run("uname -r").stdout.strip()
    values = {}
    for line in host.file("/boot/config-%s" % release).content_string.splitlines():
        if line.startswith("CONFIG_") and "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return release, values


def run(host, module, **args):
    result = host.ansible(module, " ".join("%s=%s" % (k, json.dumps(v) if not isinstance(v, str) else v)
                                           for k, v in args.items()), check=False)
    assert not result.get("failed"), result
    return result


@pytest.mark.parametrize("profile", ["legacy", "current"])
def test_every_option_agrees_with_the_config_file(host, profile):
    release, values = config_values(host)
    result = run(host, "fleetfix.kernel.docker_kernel_check", profiles=profile)
    assert len(result["results"]) == 1
    checked = result["results"][0]
    assert checked["kernel"] == release and checked["config_source"] in ("/proc/config.gz", "/boot/config-" + release)
    options = []
    for category in ("generally_necessary", "optional"):
        options += checked["categories"][category]["options"]
    for group in checked["categories"]["network_drivers"]["drivers"] + checked["categories"]["storage_drivers"]["drivers"]:
        options += [o for o in group["options"] if o["option"].startswith("CONFIG_")]
    assert len(options) > 30
    for option in options:
        expected = {"y": "enabled", "m": "module"}.get(values.get(option["option"]), "missing")
        assert option["status"] == expected, option
        if "VSYSCALL" not in option["option"]:
            assert option["ok"] is (expected != "missing"), option
    print("\n".join(checked["summary"]))


VSYSCALL_REPORT = [("CONFIG_LEGACY_VSYSCALL_NATIVE", False), ("CONFIG_LEGACY_VSYSCALL_EMULATE", True),
                   ("CONFIG_LEGACY_VSYSCALL_NONE", False)]


def test_current_profile_follows_the_kernel_version_and_reports_vsyscall(host):
    release, values = config_values(host)
    checked = run(host, "fleetfix.kernel.docker_kernel_check", profiles="current")["results"][0]
    optional = checked["categories"]["optional"]["options"]
    names = [o["option"] for o in optional]
    # bookworm's 6.1: the options check-config.sh asks only of older kernels are not asked
    assert release.startswith("6.")
    for gone in ("CONFIG_MEMCG_SWAP", "CONFIG_MEMCG_SWAP_ENABLED", "CONFIG_MEMCG_KMEM", "CONFIG_IOSCHED_CFQ"):
        assert gone not in names
    for asked in ("CONFIG_IP_SCTP", "CONFIG_NF_TABLES", "CONFIG_NFT_MASQ", "CONFIG_CGROUP_PIDS", "CONFIG_CGROUP_HUGETLB"):
        assert asked in names
    # the first LEGACY_VSYSCALL_* the config sets is reported, as the script does
    expected = [(name, ok) for name, ok in VSYSCALL_REPORT if values.get(name) in ("y", "m")][:1]
    assert [(o["option"], o["ok"]) for o in optional if "VSYSCALL" in o["option"]] == expected
    not_ok = [o for o in optional if not o["ok"]]
    assert checked["categories"]["optional"]["verdict"] == ("warn" if not_ok else "ok")


def test_legacy_profile_flags_what_a_2015_docker_wanted_and_6_1_dropped(host):
    result = run(host, "fleetfix.kernel.docker_kernel_check", profiles="legacy")
    checked = result["results"][0]
    missing = checked["categories"]["generally_necessary"]["missing"]
    assert "CONFIG_DEVPTS_MULTIPLE_INSTANCES" in missing  # removed in 4.8
    assert "CONFIG_BRIDGE_NETFILTER" not in missing and "CONFIG_CPUSETS" not in missing
    assert "devicemapper" in checked["categories"]["storage_drivers"]["usable"]
    # Docker 1.7 knew cgroup v1 only: on a cgroup2-only host its hierarchy check fails
    cgroup = [c for c in checked["categories"]["host"]["checks"] if c["check"] == "cgroup hierarchy"][0]
    assert cgroup["ok"] is (result["host"]["cgroup_v1_state"] == "properly mounted")
    if result["host"]["cgroup_version"] == 2:
        assert cgroup["ok"] is False and checked["fails"]["required"] is True


def test_current_profile_passes_the_required_options(host):
    checked = run(host, "fleetfix.kernel.docker_kernel_check", profiles="current")["results"][0]
    assert checked["categories"]["generally_necessary"]["verdict"] == "ok", checked["categories"]["generally_necessary"]
    # cgroup v2 or not, the controllers' options are asked (as check-config.sh does)
    necessary = [o["option"] for o in checked["categories"]["generally_necessary"]["options"]]
    for name in ("CGROUP_CPUACCT", "CGROUP_DEVICE", "CGROUP_FREEZER", "CPUSETS", "MEMCG"):
        assert "CONFIG_" + name in necessary
    assert "overlay" in checked["categories"]["storage_drivers"]["usable"]
    # necessary options and storage pass: only a required host check can fail the kernel (the
    # test image has AppArmor on without apparmor_parser, which Docker cannot start without)
    host_failed = [c["check"] for c in checked["categories"]["host"]["checks"] if c["required"] and not c["ok"]]
    assert checked["fails"]["required"] is bool(host_failed), host_failed


def test_slab_allocator_is_slub_with_no_out_of_tree_modules(host):
    facts = run(host, "fleetfix.kernel.slab_facts", caches=True)["ansible_facts"]["fleetfix_slab"]
    _release, values = config_values(host)
    assert values.get("CONFIG_SLUB") == "y"
    assert facts["allocator"] == "SLUB"
    assert facts["out_of_tree_modules"] == []
    assert "dentry" in facts["caches"]


def test_kernel_refuses_tv_usec_of_a_million_with_edom(host):
    bad = run(host, "fleetfix.kernel.socket_timeout_probe", tv_sec=3, tv_usec=1000000)
    assert (bad["accepted"], bad["error"]) == (False, "EDOM")
    good = run(host, "fleetfix.kernel.socket_timeout_probe", tv_sec=3, tv_usec=999999)
    assert good["accepted"] is True


EL8_KERNELS = ["4.18.0-240.el8.x86_64", "4.18.0-240.15.1.el8_3.x86_64"]


def test_el8_ga_and_update_kernels_are_listed_in_rpm_order(host):
    """prepare planted an EL 8 GA and update kernel's configs; the converge (the role with its
    default kernels) ran over them. Every installed kernel, rpm's order for the EL pair."""
    release = host.run("uname -r").stdout.strip()
    facts = run(host, "fleetfix.kernel.kernel_config_facts", kernels="all", options="CONFIG_NAMESPACES")
    installed = facts["ansible_facts"]["fleetfix_kernel_config"]["installed"]
    assert installed.index(EL8_KERNELS[0]) < installed.index(EL8_KERNELS[1]) < installed.index(release), installed
    checked = run(host, "fleetfix.kernel.docker_kernel_check", profiles="current", kernels="all")
    assert set(EL8_KERNELS) <= set(r["kernel"] for r in checked["results"])
    assert checked["results"][0]["kernel"] == release
