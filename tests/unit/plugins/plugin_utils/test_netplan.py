"""Deciding persistent names: validation and the files (seed story 7)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.fleetfix.kernel.plugins.plugin_utils import netplan

USB = {"name": "enx525400123499", "mac": "52:54:00:12:34:99", "permanent_mac": True, "addr_assign_type": "permanent",
       "devpath": "/sys/devices/pci0000:00/0000:00:07.0/usb1/1-1/1-1:1.0/net/enx525400123499",
       "id_path": "pci-0000:00:07.0-usb-0:1:1.0"}
MGMT = {"name": "ens2", "mac": "52:54:00:f1:ee:01", "permanent_mac": True, "addr_assign_type": "permanent",
        "devpath": "/sys/devices/pci0000:00/0000:00:02.0/virtio1/net/ens2", "id_path": "pci-0000:00:02.0"}
RANDOM = dict(USB, name="usb0", mac="e6:3b:1f:0a:2c:55", permanent_mac=False, addr_assign_type="random")
FACTS = {"interfaces": [MGMT, USB]}
WANT = [{"name": "usbnet0", "mac": "52:54:00:12:34:99", "method": "static", "address": "192.0.2.10/24"}]


def test_link_file_and_ifupdown_stanza_on_new_systemd():
    plan = netplan.plan(FACTS, WANT, systemd_version=252)
    assert plan["pin_method"] == "link"
    files = dict((f["path"], f["content"]) for f in plan["files"])
    assert "[Match]\nMACAddress=52:54:00:12:34:99\n\n[Link]\nName=usbnet0\n" in files["/etc/systemd/network/10-fleetfix-usbnet0.link"]
    stanza = files["/etc/network/interfaces.d/fleetfix-usbnet0"]
    assert "allow-hotplug usbnet0\niface usbnet0 inet static\n    address 192.0.2.10/24\n" in stanza
    assert [p["current_name"] for p in plan["renames"]] == ["enx525400123499"]


def test_udev_rule_before_systemd_209():
    plan = netplan.plan(FACTS, WANT, systemd_version=204)  # Ubuntu 14.04
    rules = plan["files"][0]
    assert rules["path"] == "/etc/udev/rules.d/70-fleetfix-persistent-net.rules"
    assert 'ATTR{address}=="52:54:00:12:34:99", ATTR{type}=="1", NAME="usbnet0"' in rules["content"]


def test_ifcfg_on_el():
    plan = netplan.plan(FACTS, WANT, systemd_version=219, os_family="RedHat")
    ifcfg = dict((f["path"], f["content"]) for f in plan["files"])["/etc/sysconfig/network-scripts/ifcfg-usbnet0"]
    assert "HWADDR=52:54:00:12:34:99\n" in ifcfg and "IPADDR=192.0.2.10\nPREFIX=24\n" in ifcfg


def test_random_mac_is_refused_and_path_offered():
    with pytest.raises(netplan.NetPlanError) as err:
        netplan.plan({"interfaces": [MGMT, RANDOM]}, [{"name": "usbnet0", "mac": RANDOM["mac"]}], systemd_version=252)
    assert "usb0 has a random MAC" in str(err.value) and "pin_by: path" in str(err.value)
    by_path = [{"name": "usbnet0", "match_current_name": "usb0", "pin_by": "path"}]
    plan = netplan.plan({"interfaces": [MGMT, RANDOM]}, by_path, systemd_version=252)
    assert "Path=pci-0000:00:07.0-usb-0:1:1.0" in plan["files"][0]["content"]
    udev = netplan.plan({"interfaces": [MGMT, RANDOM]}, by_path, pin_method="udev")
    assert 'KERNELS=="1-1:1.0"' in udev["files"][0]["content"]


@pytest.mark.parametrize("want,message", [
    ([{"name": "averyveryverylongname", "mac": USB["mac"]}], "is 21 characters; the kernel allows 15"),
    ([{"name": "usb net", "mac": USB["mac"]}], "may hold only letters"),
    ([{"name": "usbnet0", "mac": "52:54:00:12:34"}], "'52:54:00:12:34' is not a MAC address"),
    ([{"name": "usbnet0", "mac": "02:00:00:00:00:01"}], "no interface on this host has MAC 02:00:00:00:00:01"),
    ([{"name": "usbnet0", "mac": USB["mac"]}, {"name": "usbnet0", "match_current_name": "ens2"}],
     "name 'usbnet0' is already given to fleetfix_net_interfaces[1]"),
    ([{"name": "usbnet0"}], "needs mac or match_current_name"),
    ([{"name": "usbnet0", "mac": USB["mac"], "method": "static"}], "method static needs address"),
    ([{"name": "lan0", "match_current_name": "ens2"}], "ens2 carries this Ansible connection"),
])
def test_bad_requests_are_named(want, message):
    with pytest.raises(netplan.NetPlanError) as err:
        netplan.plan(FACTS, want, systemd_version=252, connection_interface="ens2")
    assert message in str(err.value)


def test_kernel_namespace_names_warn():
    plan = netplan.plan(FACTS, [{"name": "eth3", "mac": USB["mac"]}], systemd_version=252)
    assert "kernel's own namespace" in plan["warnings"][0]


# ---- issue 14: every value written into a file is checked against what reads it

def _files(plan):
    return dict((f["path"], f["content"]) for f in plan["files"])


def test_ipv4_gateway_in_ifcfg_and_ifupdown():
    want = [dict(WANT[0], gateway="192.0.2.1")]
    ifcfg = _files(netplan.plan(FACTS, want, systemd_version=219, os_family="RedHat"))
    assert "IPADDR=192.0.2.10\nPREFIX=24\nGATEWAY=192.0.2.1\n" in ifcfg["/etc/sysconfig/network-scripts/ifcfg-usbnet0"]
    stanza = _files(netplan.plan(FACTS, want, systemd_version=252))["/etc/network/interfaces.d/fleetfix-usbnet0"]
    assert stanza.endswith("iface usbnet0 inet static\n    address 192.0.2.10/24\n    gateway 192.0.2.1\n")


def test_ipv6_is_rendered_as_ipv6():
    want = [{"name": "usbnet0", "mac": USB["mac"], "method": "static", "address": "2001:DB8:0::10/64",
             "gateway": "fe80::1"}]  # a link-local router is outside the prefix, and fine
    stanza = _files(netplan.plan(FACTS, want, systemd_version=252))["/etc/network/interfaces.d/fleetfix-usbnet0"]
    assert stanza.endswith("iface usbnet0 inet6 static\n    address 2001:db8::10/64\n    gateway fe80::1\n")
    ifcfg = _files(netplan.plan(FACTS, want, systemd_version=219, os_family="RedHat"))
    assert "IPV6INIT=yes\nIPV6ADDR=2001:db8::10/64\nIPV6_DEFAULTGW=fe80::1\n" in ifcfg[
        "/etc/sysconfig/network-scripts/ifcfg-usbnet0"]


def test_point_to_point_prefixes_have_no_network_address():
    for address in ("192.0.2.10/32", "192.0.2.10/31", "192.0.2.11/31", "2001:db8::/127"):
        netplan.plan(FACTS, [dict(WANT[0], address=address)], systemd_version=252)


def test_mac_is_normalised():
    plan = netplan.plan(FACTS, [{"name": "usbnet0", "mac": "52-54-00-12-34-99".upper()}], systemd_version=252)
    assert plan["pins"][0]["mac"] == "52:54:00:12:34:99"


def test_a_second_name_for_a_pinned_mac_is_refused_naming_the_rule():
    """The audit would fail the host with mac_pinned_twice."""
    pins = [{"file": "/etc/udev/rules.d/70-persistent-net.rules", "line": 3, "method": "udev", "name": "eth3",
             "mac": USB["mac"], "path": None}]
    with pytest.raises(netplan.NetPlanError) as err:
        netplan.plan(dict(FACTS, pins=pins), WANT, systemd_version=252)
    assert "MAC 52:54:00:12:34:99 is already pinned to eth3 by /etc/udev/rules.d/70-persistent-net.rules:3" in str(err.value)
    ours = [dict(pins[0], file=netplan.UDEV_RULES_FILE, name="usbnet9")]
    netplan.plan(dict(FACTS, pins=ours), WANT, pin_method="udev")  # our own file is rewritten whole
    same = [dict(pins[0], name="usbnet0")]
    netplan.plan(dict(FACTS, pins=same), WANT, systemd_version=252)  # the same name is no conflict


def test_id_path_udev_reports_is_checked_too():
    odd = dict(RANDOM, id_path="pci-0000:00:07.0\nMTUBytes=68")
    with pytest.raises(netplan.NetPlanError) as err:
        netplan.plan({"interfaces": [MGMT, odd]}, [{"name": "usbnet0", "match_current_name": "usb0", "pin_by": "path"}],
                     systemd_version=252)
    assert "the ID_PATH udev reports for usb0" in str(err.value) and "is not a udev ID_PATH" in str(err.value)


def test_real_id_paths_pass():
    for id_path in ("pci-0000:00:07.0-usb-0:1:1.0", "platform-fe300000.mmc", "acpi-LNXVIDEO:00",
                    "platform-3f980000.usb-usb-0:1.1:1.0", "pci-0000:00:14.0-usb-0:2:1.0", "pci-0000:03:00.0-scsi-0:0:0:0"):
        assert netplan.check_id_path(id_path, "x") == id_path
