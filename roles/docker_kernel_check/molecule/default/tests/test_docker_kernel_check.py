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
    print("\n".join(checked["summary"]))


def test_legacy_profile_flags_what_a_2015_docker_wanted_and_6_1_dropped(host):
    checked = run(host, "fleetfix.kernel.docker_kernel_check", profiles="legacy")["results"][0]
    missing = checked["categories"]["generally_necessary"]["missing"]
    assert "CONFIG_DEVPTS_MULTIPLE_INSTANCES" in missing  # removed in 4.8
    assert "devicemapper" in checked["categories"]["storage_drivers"]["usable"]


def test_current_profile_passes_the_required_options(host):
    checked = run(host, "fleetfix.kernel.docker_kernel_check", profiles="current")["results"][0]
    assert checked["categories"]["generally_necessary"]["verdict"] == "ok", checked["categories"]["generally_necessary"]
    assert "overlay" in checked["categories"]["storage_drivers"]["usable"]


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
