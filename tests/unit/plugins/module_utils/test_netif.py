"""Interface names that can move, pins, conflicts (seed story 7)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import shutil

from ansible_collections.fleetfix.kernel.plugins.module_utils import netif
from conftest import FIXTURES

NETIF = os.path.join(FIXTURES, "netif")


def lay_out(tmp_path, tree):
    """Build a /sys/class/net tree with real symlinks from trees.json."""
    root = str(tmp_path)
    with open(os.path.join(NETIF, "trees.json")) as handle:
        entries = json.load(handle)[tree]
    os.makedirs(os.path.join(root, "sys", "class", "net"))
    for entry in entries:
        devdir = os.path.join(root, entry["devpath"].lstrip("/"))
        os.makedirs(devdir)
        for attr in ("address", "addr_assign_type", "operstate"):
            with open(os.path.join(devdir, attr), "w") as handle:
                handle.write(entry[attr] + "\n")
        os.symlink(os.path.relpath(devdir, os.path.join(root, "sys", "class", "net")),
                   os.path.join(root, "sys", "class", "net", entry["name"]))
        if "driver" in entry:
            device = os.path.dirname(os.path.dirname(devdir))
            for key in ("driver", "subsystem"):
                target = os.path.join(root, entry[key].lstrip("/"))
                if not os.path.isdir(target):
                    os.makedirs(target)
                os.symlink(os.path.relpath(target, device), os.path.join(device, key))
            os.symlink(os.path.relpath(device, devdir), os.path.join(devdir, "device"))
    return root


def add_rules(root):
    os.makedirs(os.path.join(root, "etc", "udev", "rules.d"))
    os.makedirs(os.path.join(root, "etc", "systemd", "network"))
    shutil.copy(os.path.join(NETIF, "rules", "70-persistent-net.rules"), os.path.join(root, "etc", "udev", "rules.d"))
    shutil.copy(os.path.join(NETIF, "rules", "10-uplink.link"), os.path.join(root, "etc", "systemd", "network"))


def test_virtual_interfaces_are_left_out(tmp_path):
    facts = netif.collect(lay_out(tmp_path, "host-virtio"))
    assert [i["name"] for i in facts["interfaces"]] == ["eth0"]
    eth0 = facts["interfaces"][0]
    assert (eth0["driver"], eth0["bus"], eth0["permanent_mac"]) == ("virtio_net", "virtio", True)
    assert eth0["name_kind"] == "kernel"
    assert eth0["name_can_move"] is False  # one NIC, not hot-plugged: nothing to reorder
    assert netif.finding(facts)["status"] == "ok"


def test_usb_nic_with_a_permanent_mac(tmp_path):
    facts = netif.collect(lay_out(tmp_path, "usb-cdc-ether"))
    usb = [i for i in facts["interfaces"] if i["bus"] == "usb"][0]
    assert (usb["name"], usb["driver"], usb["usb_port"]) == ("enx525400123499", "cdc_ether", "1-1")
    assert usb["permanent_mac"] is True and usb["name_kind"] == "predictable"
    assert netif.finding(facts)["status"] == "ok"


def test_usb_nic_with_a_random_mac_is_the_trap(tmp_path):
    facts = netif.collect(lay_out(tmp_path, "usb-cdc-subset"))
    usb = [i for i in facts["interfaces"] if i["bus"] == "usb"][0]
    assert (usb["name"], usb["addr_assign_type"], usb["permanent_mac"]) == ("usb0", "random", False)
    assert usb["name_can_move"] is True
    found = netif.finding(facts)
    assert found["status"] == "warn"
    assert "usb0 (usb, random MAC)" in found["summary"]
    assert found["evidence"]["random_mac"] == ["usb0"]


def test_rules_and_conflicts(tmp_path):
    root = lay_out(tmp_path, "usb-cdc-ether")
    add_rules(root)
    facts = netif.collect(root)
    pins = [(p["method"], p["name"], p["mac"]) for p in facts["pins"]]
    assert pins == [("udev", "eth0", "90:e2:ba:00:00:01"), ("udev", "eth3", "00:0e:c6:00:00:03"),
                    ("udev", "usbnet0", "00:0e:c6:00:00:03"), ("link", "uplink0", "90:e2:ba:00:00:01")]
    kinds = sorted((c["kind"], c.get("name") or c.get("mac")) for c in facts["conflicts"])
    assert kinds == [("mac_pinned_twice", "00:0e:c6:00:00:03"), ("mac_pinned_twice", "90:e2:ba:00:00:01"),
                     ("name_in_kernel_namespace", "eth0"), ("name_in_kernel_namespace", "eth3")]
    assert netif.finding(facts)["status"] == "fail"


def test_config_systems(tmp_path):
    root = lay_out(tmp_path, "usb-cdc-ether")
    os.makedirs(os.path.join(root, "etc", "network", "interfaces.d"))
    with open(os.path.join(root, "etc", "network", "interfaces.d", "usb"), "w") as handle:
        handle.write("allow-hotplug enx525400123499\niface enx525400123499 inet static\n  address 192.0.2.10/24\n")
    os.makedirs(os.path.join(root, "etc", "systemd", "network"))
    with open(os.path.join(root, "etc", "systemd", "network", "10-mgmt.network"), "w") as handle:
        handle.write("[Match]\nName=ens2\n[Network]\nDHCP=ipv4\n")
    facts = netif.collect(root)
    by_name = dict((i["name"], i["configured_by"]) for i in facts["interfaces"])
    assert by_name == {"ens2": ["networkd"], "enx525400123499": ["ifupdown"]}


def test_udev_rule_by_path():
    rules = netif.parse_udev_rules('SUBSYSTEM=="net", ACTION=="add", KERNELS=="1-1:1.0", NAME="usbnet0"\n', "x.rules")
    assert rules == [{"file": "x.rules", "line": 1, "method": "udev", "name": "usbnet0", "mac": None, "path": "1-1:1.0"}]
