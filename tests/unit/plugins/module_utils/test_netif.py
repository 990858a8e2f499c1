"""Interface names that can move, pins, conflicts (seed story 7)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import shutil
import time

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import netif
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError
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
    with open(os.path.join(root, "etc", "network", "interfaces"), "w") as handle:
        handle.write("source /etc/network/interfaces.d/*\n")
    with open(os.path.join(root, "etc", "network", "interfaces.d", "usb"), "w") as handle:
        handle.write("allow-hotplug enx525400123499\niface enx525400123499 inet static\n  address 192.0.2.10/24\n")
    os.makedirs(os.path.join(root, "etc", "systemd", "network"))
    with open(os.path.join(root, "etc", "systemd", "network", "10-mgmt.network"), "w") as handle:
        handle.write("[Match]\nName=ens2\n[Network]\nDHCP=ipv4\n")
    os.makedirs(os.path.join(root, "etc", "NetworkManager", "system-connections"))
    keyfile = os.path.join(root, "etc", "NetworkManager", "system-connections", "usb.nmconnection")
    with open(keyfile, "w") as handle:
        handle.write("[connection]\nid=usb\ninterface-name=enx525400123499\n")
    os.chmod(keyfile, 0o600)
    facts = netif.collect(root)
    by_name = dict((i["name"], i["configured_by"]) for i in facts["interfaces"])
    # lower-case system names (NetworkManager was 'NetworkManager' before issue 16)
    assert by_name == {"ens2": ["networkd"], "enx525400123499": ["ifupdown", "networkmanager"]}
    usb = [i for i in facts["interfaces"] if i["name"] == "enx525400123499"][0]
    assert [(f["system"], f["path"], f["line"]) for f in usb["config_files"]] == [
        ("ifupdown", "/etc/network/interfaces.d/usb", 1),
        ("networkmanager", "/etc/NetworkManager/system-connections/usb.nmconnection", 3)]
    assert usb["owner"] is None  # nothing runs it: no daemon, no ifupdown state


def test_udev_rule_by_path():
    rules = netif.parse_udev_rules('SUBSYSTEM=="net", ACTION=="add", KERNELS=="1-1:1.0", NAME="usbnet0"\n', "x.rules")
    assert rules == [{"file": "x.rules", "line": 1, "method": "udev", "name": "usbnet0", "mac": None, "path": "1-1:1.0"}]


# --- readers hardened (issue 14): as udev and systemd read, never a traceback -----------------

def test_a_name_match_is_not_a_pin():
    assert netif.parse_udev_rules('SUBSYSTEM=="net", NAME=="eth0", RUN+="/bin/true"\n', "x.rules") == []


def test_udev_continuations_comments_and_final_names():
    text = ('SUBSYSTEM=="net", \\\n'
            '# a comment inside the continuation is skipped, as udev skips it\n'
            '  ATTR{address}=="00:0E:C6:00:00:03", NAME:="lan0", NAME="later"\n')
    assert netif.parse_udev_rules(text, "x.rules") == [
        {"file": "x.rules", "line": 3, "method": "udev", "name": "lan0", "mac": "00:0e:c6:00:00:03", "path": None}]


@pytest.mark.parametrize("line, reason", [
    ('SUBSYSTEM=="net", ATTR{address}=="00:0e:c6:00:00:03, NAME="eth3"', 'KEY=="value" pairs'),
    ('SUBSYSTEM=="net", NAME="eth3', "closing double quote"),
    ('SUBSYSTEM=="net", SYSFS{address}=="x", NAME="eth3"', "a key udev knows, not 'SYSFS'"),
    ('SUBSYSTEM=="net", ATTR=="x", NAME="eth3"', "ATTR with an {attribute}"),
    ('SUBSYSTEM="net", NAME="eth3"', "an operator SUBSYSTEM takes"),
    ('SUBSYSTEM=="net", NAME-="eth3"', "an operator NAME takes"),
    ('SUBSYSTEM=="net", NAME=""', 'it ignores NAME=""'),
])
def test_lines_udev_drops_are_dropped_with_a_warning(line, reason):
    warnings = []
    assert netif.parse_udev_rules(line + "\n", "/etc/udev/rules.d/x.rules", warnings) == []
    assert len(warnings) == 1 and warnings[0].startswith("/etc/udev/rules.d/x.rules line 1: expected ")
    assert reason in warnings[0] and "udev ignores this rule" in warnings[0]


def test_a_udev_file_with_a_16k_line_is_ignored_whole_and_parsing_is_linear():
    warnings = []
    good = 'SUBSYSTEM=="net", NAME="eth3"\n'
    assert netif.parse_udev_rules(good + "A" * netif.UDEV_LINE_SIZE + "\n" + good, "x.rules", warnings) == []
    assert "ignores the whole file" in warnings[0]
    # the old regex backtracked quadratically on long runs of key characters; the tokenizer does not
    started = time.time()
    netif.parse_udev_rules(("NAME" + "A" * 16000 + "\n") * 64 + ("NAME{" + "{" * 16000 + "\n") * 64, "x.rules", [])
    assert time.time() - started < 5


def test_link_file_names_as_systemd_takes_them():
    assert netif.ifname_valid("uplink0") and netif.ifname_valid("enx525400123499")
    for bad in ("", "a" * 16, ".", "..", "123", "eth 0", "eth/0", "eth:0", u"eth\u00e9"):
        assert not netif.ifname_valid(bad), bad
    warnings = []
    assert netif.parse_link_file("[Link]\nName=eth:0\n", "x.link", warnings) == []
    assert "not a valid interface name" in warnings[0]


def test_sysfs_links_are_followed_inside_the_root_and_files_in_class_net_skipped(tmp_path):
    root = lay_out(tmp_path, "host-virtio")
    with open(os.path.join(root, "sys", "class", "net", "bonding_masters"), "w") as handle:
        handle.write("bond0\n")
    # an absolute link, as on the host: resolved under the root, not on this machine
    os.unlink(os.path.join(root, "sys", "class", "net", "eth0"))
    os.symlink("/sys/devices/pci0000:00/0000:00:03.0/virtio2/net/eth0", os.path.join(root, "sys", "class", "net", "eth0"))
    facts = netif.collect(root)
    assert [i["name"] for i in facts["interfaces"]] == ["eth0"]
    assert facts["interfaces"][0]["devpath"] == "/sys/devices/pci0000:00/0000:00:03.0/virtio2/net/eth0"
    assert facts["warnings"] == []


@pytest.mark.parametrize("value, fragment", [
    (u"\u00b2", "addr_assign_type: expected a non-negative integer"),
    (u"\u0663", "addr_assign_type: expected a non-negative integer"),
    (u"9" * 5000, "addr_assign_type: expected a non-negative integer"),
])
def test_addr_assign_type_is_ascii_digits(tmp_path, value, fragment):
    root = lay_out(tmp_path, "host-virtio")
    path = os.path.join(root, "sys", "devices", "pci0000:00", "0000:00:03.0", "virtio2", "net", "eth0", "addr_assign_type")
    with open(path, "wb") as handle:
        handle.write(value.encode("utf-8"))
    with pytest.raises(HostReadError) as caught:
        netif.collect(root)
    assert fragment in str(caught.value) and "/sys/class/net/eth0/" in str(caught.value)


def test_rule_files_that_are_not_files_are_named_not_read(tmp_path):
    root = lay_out(tmp_path, "host-virtio")
    rules = os.path.join(root, "etc", "udev", "rules.d")
    os.makedirs(os.path.join(rules, "70-dir.rules"))
    os.symlink("71-loop.rules", os.path.join(rules, "71-loop.rules"))
    os.mkfifo(os.path.join(rules, "72-fifo.rules"))  # opening it would block
    os.symlink("/dev/null", os.path.join(rules, "73-masked.rules"))
    warnings = netif.collect(root)["warnings"]
    assert warnings == ["/etc/udev/rules.d/70-dir.rules is a directory; it is not read",
                        "/etc/udev/rules.d/71-loop.rules is a symlink loop; it is not read",
                        "/etc/udev/rules.d/72-fifo.rules is not a regular file (a FIFO, socket or device); it is not read"]
