# -*- coding: utf-8 -*-
"""net_activate: what waits for the boot, what is renamed now, the commands in their order, check
mode predicting them, and a live rename read back (on a fake /sys; the commands are recorded and
acted out on it, never run)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.fleetfix.kernel.plugins.modules import net_activate
from ansible_collections.fleetfix.kernel.plugins.modules.net_activate import decide

USB_MAC = "52:54:00:12:34:99"
MGMT_MAC = "52:54:00:f1:ee:01"
NETWORK = "/etc/systemd/network/10-fleetfix-usbnet0.network"
LINK = "/etc/systemd/network/10-fleetfix-usbnet0.link"
PIN = {"name": "usbnet0", "current_name": "enp0s7u1", "mac": USB_MAC, "config_system": "networkd",
       "method": "static", "address": "192.0.2.10/24", "connection_uuid": None, "paths": [LINK, NETWORK]}


def link(name, mac, up):
    return {"name": name, "mac": mac, "admin_up": up}


# ------------------------------------------------------------------ decide (pure)

def test_without_live_rename_a_rename_waits_for_the_boot():
    live, pending = decide([PIN], [link("enp0s7u1", USB_MAC, False)], [LINK, NETWORK], False)
    assert live == [] and pending == [{"name": "usbnet0", "rename": True, "reason": "renamed at the next boot"}]


def test_a_nic_that_is_down_is_renamed_live():
    live, pending = decide([PIN], [link("enp0s7u1", USB_MAC, False)], [LINK, NETWORK], True)
    assert live == [PIN] and pending == []


def test_one_nic_up_makes_every_rename_wait_and_says_which():
    other = dict(PIN, name="usbnet1", current_name="enp0s8u1", mac="52:54:00:12:34:98", paths=[])
    links = [link("enp0s7u1", USB_MAC, False), link("enp0s8u1", "52:54:00:12:34:98", True)]
    live, pending = decide([PIN, other], links, [], True)
    assert live == []
    why = "renamed at the next boot: enp0s8u1 is up, and Linux renames only a link that is down"
    assert pending == [{"name": "usbnet0", "rename": True, "reason": why}, {"name": "usbnet1", "rename": True, "reason": why}]


def test_a_kernel_that_does_not_say_whether_the_link_is_up_is_not_renamed_live():
    live, pending = decide([PIN], [link("enp0s7u1", USB_MAC, None)], [], True)
    assert live == [] and "does not say whether enp0s7u1 is up" in pending[0]["reason"]


def test_a_nic_already_renamed_is_left_alone():
    assert decide([PIN], [link("usbnet0", USB_MAC, True)], [], True) == ([], [])


def test_a_new_name_still_taken_waits_for_the_boot_the_files_being_written():
    live, pending = decide([PIN], [link("enp0s7u1", USB_MAC, False), link("usbnet0", "52:54:00:00:00:01", False)], [], True)
    assert live == [] and pending[0]["reason"] == "renamed at the next boot: the name usbnet0 is taken until then"
    # held by a link read_interfaces does not list (a bridge, an altname): ip link show finds it
    live, pending = decide([PIN], [link("enp0s7u1", USB_MAC, False)], [], True, name_taken=lambda name: True)
    assert live == [] and "the name usbnet0 is taken" in pending[0]["reason"]


def test_a_nic_gone_since_the_facts_waits_for_the_boot_and_says_so():
    live, pending = decide([PIN], [link("enp0s7u1", "52:54:00:00:00:01", False)], [], True)
    assert live == [] and pending[0]["reason"] == "renamed at the next boot: no link enp0s7u1 with MAC %s any more" % USB_MAC


def test_a_daemon_that_does_not_run_keeps_everything_for_the_boot():
    live, pending = decide([PIN], [link("enp0s7u1", USB_MAC, False)], [], True, daemons_ok=False)
    assert live == [] and "the configuration system is not running" in pending[0]["reason"]


def test_a_named_nic_that_is_up_keeps_a_down_nics_rename_for_the_boot_too():
    named = dict(PIN, name="lan0", current_name="lan0", mac="52:54:00:00:00:02", paths=["/etc/systemd/network/x.network"])
    live, pending = decide([PIN, named], [link("enp0s7u1", USB_MAC, False), link("lan0", "52:54:00:00:00:02", True)],
                           ["/etc/systemd/network/x.network"], True)
    assert live == [] and [p["rename"] for p in pending] == [True, False] and "lan0 is up" in pending[0]["reason"]


def test_a_changed_configuration_of_a_nic_that_is_up_waits_for_the_boot():
    named = dict(PIN, current_name="usbnet0")
    live, pending = decide([named], [link("usbnet0", USB_MAC, True)], [NETWORK], True)
    assert live == [] and "configuration changed" in pending[0]["reason"] and pending[0]["rename"] is False


def test_a_changed_configuration_of_a_named_nic_that_is_down_is_brought_up_live():
    named = dict(PIN, current_name="usbnet0")
    assert decide([named], [link("usbnet0", USB_MAC, False)], [NETWORK], True) == ([named], [])


def test_nothing_changed_nothing_to_do():
    named = dict(PIN, current_name="usbnet0")
    assert decide([named], [link("usbnet0", USB_MAC, True)], [], True) == ([], [])


def test_a_file_of_another_pin_does_not_count():
    named = dict(PIN, current_name="usbnet0")
    assert decide([named], [link("usbnet0", USB_MAC, True)], ["/etc/netplan/60-fleetfix-lan0.yaml"], False) == ([], [])


# ------------------------------------------------------------------ the module on a fake /sys

class FakeHost(object):
    """A fake /sys the recorded commands act on: ip renames, the bring-up sets the link up."""

    def __init__(self, root, links, address_after_up=True, bring_up_fails=False):
        self.root = str(root)
        self.calls = []
        self.addresses = {}
        self.address_after_up = address_after_up
        self.bring_up_fails = bring_up_fails
        for index, (name, mac, flags) in enumerate(links, 2):
            device = os.path.join(self.root, "sys/devices/pci0000:00/0000:00:%02x.0/net" % index, name)
            os.makedirs(device)
            for attr, value in (("address", mac), ("addr_assign_type", "0"), ("operstate", "down"),
                                ("ifindex", str(index)), ("flags", flags)):
                with open(os.path.join(device, attr), "w") as handle:
                    handle.write(value + "\n")
            classdir = os.path.join(self.root, "sys/class/net")
            if not os.path.isdir(classdir):
                os.makedirs(classdir)
            os.symlink(os.path.relpath(device, classdir), os.path.join(classdir, name))

    def _rename(self, old, new):
        classdir = os.path.join(self.root, "sys/class/net")
        target = os.readlink(os.path.join(classdir, old))
        device = os.path.normpath(os.path.join(classdir, target))
        moved = os.path.join(os.path.dirname(device), new)
        os.rename(device, moved)
        os.unlink(os.path.join(classdir, old))
        os.symlink(os.path.relpath(moved, classdir), os.path.join(classdir, new))

    def _set_up(self, name):
        with open(os.path.join(self.root, "sys/class/net", name, "flags"), "w") as handle:
            handle.write("0x1003\n")

    def run_command(self, argv, **_kwargs):
        self.calls.append(list(argv))
        words = [os.path.basename(argv[0])] + list(argv[1:])
        if words[:3] == ["ip", "link", "set"]:
            self._rename(words[4], words[6])
        elif words[:2] == ["networkctl", "reconfigure"]:
            if self.bring_up_fails:
                return 1, "", "Failed to reconfigure network interface %s: No such device" % words[2]
            self._set_up(words[2])
            if self.address_after_up:
                self.addresses[words[2]] = "192.0.2.10/24"
        elif words[:3] == ["ip", "-o", "link"]:
            return (0 if os.path.lexists(os.path.join(self.root, "sys/class/net", words[5])) else 1), "", ""
        elif words[:3] == ["ip", "-o", "addr"]:
            address = self.addresses.get(words[5])
            return 0, ("3: %s    inet %s scope global %s\\       valid_lft forever\n" % (words[5], address, words[5])
                       if address else ""), ""
        return 0, "", ""


@pytest.fixture
def fake(tmp_path, monkeypatch):
    def make(links, **kwargs):
        host = FakeHost(tmp_path, links, **kwargs)
        monkeypatch.setattr(net_activate, "HOST_ROOT", host.root)
        monkeypatch.setattr(net_activate, "POLL", 0.01)
        monkeypatch.setattr("ansible.module_utils.basic.AnsibleModule.run_command",
                            lambda self, argv, **kw: host.run_command(argv, **kw))
        monkeypatch.setattr("ansible.module_utils.basic.AnsibleModule.get_bin_path",
                            lambda self, name, required=False, opt_dirs=None: "/usr/bin/" + name)
        return host
    return make


def run(args, capsys, check=False):
    with patch_module_args(dict(args, _ansible_check_mode=check)):
        with pytest.raises(SystemExit):
            net_activate.main()
    return json.loads(capsys.readouterr().out)


ARGS = {"pins": [PIN], "changed_paths": [LINK, NETWORK], "reload": ["networkd"], "live_rename": True, "timeout": 2,
        "running": ["networkd"]}
LIVE_COMMANDS = [["/usr/bin/ip", "link", "set", "dev", "enp0s7u1", "name", "usbnet0"],
                 ["/usr/bin/networkctl", "reload"],
                 ["/usr/bin/networkctl", "reconfigure", "usbnet0"]]


def test_check_mode_lists_exactly_the_commands_of_the_real_run_and_runs_none(fake, capsys):
    host = fake([("enp0s7u1", USB_MAC, "0x1002"), ("ens2", MGMT_MAC, "0x1003")])
    predicted = run(ARGS, capsys, check=True)
    assert [c for c in host.calls if c[1:3] != ["-o", "link"]] == []  # only the read-only name probe ran
    assert predicted["changed"] and predicted["commands"] == LIVE_COMMANDS and not predicted["reboot_required"]
    done = run(ARGS, capsys)
    assert done["commands"] == predicted["commands"] and done["changed"]
    assert [c for c in host.calls if c[1:2] != ["-o"]] == LIVE_COMMANDS
    assert done["renamed"] == [{"from": "enp0s7u1", "to": "usbnet0", "mac": USB_MAC}]
    assert done["verified"] == [{"name": "usbnet0", "mac": USB_MAC, "up": True, "addresses": ["192.0.2.10/24"]}]
    again = run(dict(ARGS, changed_paths=[]), capsys)
    assert again["changed"] is False and again["commands"] == []


def test_without_live_rename_the_daemons_are_left_alone_and_a_reboot_is_due(fake, capsys):
    host = fake([("enp0s7u1", USB_MAC, "0x1002")])
    result = run(dict(ARGS, live_rename=False, reload=["netplan", "networkd"],
                      changed_paths=["/etc/netplan/60-fleetfix-usbnet0.yaml"]), capsys)
    assert result["commands"] == [["/usr/bin/netplan", "generate"]] and host.calls == [["/usr/bin/netplan", "generate"]]
    assert result["reboot_required"] and result["boot_pending"] == [{"name": "usbnet0", "rename": True, "reason": "renamed at the next boot"}]


def test_a_live_rename_whose_address_never_comes_fails_naming_it_and_keeps_the_new_name(fake, capsys):
    host = fake([("enp0s7u1", USB_MAC, "0x1002")], address_after_up=False)
    result = run(ARGS, capsys)
    assert result["failed"] and "usbnet0 does not carry 192.0.2.10/24 (it has: none) within 2 s" in result["msg"]
    assert "not renamed back" in result["msg"]
    assert result["commands"] == LIVE_COMMANDS
    assert os.path.islink(os.path.join(host.root, "sys/class/net/usbnet0"))


def test_a_failing_bring_up_is_named_with_its_error(fake, capsys):
    fake([("enp0s7u1", USB_MAC, "0x1002")], bring_up_fails=True)
    result = run(ARGS, capsys)
    assert result["failed"] and "networkctl reconfigure usbnet0 failed (rc 1): Failed to reconfigure" in result["msg"]
    assert result["commands"] == LIVE_COMMANDS


@pytest.mark.parametrize("system, command", [
    ("ifupdown", ["/usr/bin/ifup", "usbnet0"]),
    ("ifcfg", ["/usr/bin/ifup", "usbnet0"]),
    ("networkmanager", ["/usr/bin/nmcli", "--wait", "30", "connection", "up", "uuid", "3f0c9e5e-8a0b-5e65-9a57-1b9c8d1e2f30"]),
    ("netplan", ["/usr/bin/nmcli", "--wait", "30", "device", "connect", "usbnet0"]),
])
def test_each_system_brings_the_new_name_up_its_own_way(fake, capsys, system, command):
    fake([("enp0s7u1", USB_MAC, "0x1002")])
    pin = dict(PIN, config_system=system, connection_uuid="3f0c9e5e-8a0b-5e65-9a57-1b9c8d1e2f30" if system == "networkmanager" else None)
    result = run(dict(ARGS, pins=[pin], reload=[], netplan_renderer="NetworkManager", running=["networkmanager"]),
                 capsys, check=True)
    assert result["commands"] == [LIVE_COMMANDS[0], command]


def test_a_nic_that_came_up_since_the_plan_waits_for_the_boot(fake, capsys):
    host = fake([("enp0s7u1", USB_MAC, "0x1003")])
    result = run(ARGS, capsys)
    assert host.calls == [] and result["commands"] == [] and result["reboot_required"]
    assert "enp0s7u1 is up" in result["boot_pending"][0]["reason"]


def test_a_configuration_change_of_a_nic_that_is_up_waits_for_the_boot_without_a_reload(fake, capsys):
    # a reload would take the old configuration off the link now: the Ansible connection's, maybe
    host = fake([("usbnet0", USB_MAC, "0x1003")])
    named = dict(PIN, current_name="usbnet0")
    result = run(dict(ARGS, pins=[named], live_rename=False, changed_paths=[NETWORK]), capsys)
    assert result["commands"] == [] and host.calls == []
    assert result["boot_pending"] == [{"name": "usbnet0", "rename": False,
                                       "reason": "its configuration changed; it takes effect at the next boot"}]
    assert result["reboot_required"] is True


def test_no_carrier_is_a_warning_not_a_failure_and_the_address_is_not_awaited(fake, capsys):
    host = fake([("enp0s7u1", USB_MAC, "0x1002")], address_after_up=False, bring_up_fails=True)
    result = {}

    def unplugged(old, new, rename=host._rename):
        rename(old, new)
        with open(os.path.join(host.root, "sys/class/net", new, "carrier"), "w") as handle:
            handle.write("0\n")
        with open(os.path.join(host.root, "sys/class/net", new, "flags"), "w") as handle:
            handle.write("0x1003\n")
    host._rename = unplugged
    result = run(ARGS, capsys)
    assert "failed" not in result, result
    assert result["renamed"] == [{"from": "enp0s7u1", "to": "usbnet0", "mac": USB_MAC}]
    assert result["no_carrier"] == ["usbnet0"]
    assert result["verified"][0]["addresses"] == []
