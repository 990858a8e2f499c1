"""Verify seed story 7 on the VM: the USB NIC is usbnet0 after a reboot, up, with its address,
the management NIC untouched; and the name holds when another NIC appears in front of it."""

import os
import subprocess

import pytest
import yaml

USB_MAC = "52:54:00:12:34:99"
# The udev scenario runs these same tests with the rule instead of the .link file.
METHOD = os.environ.get("FLEETFIX_NET_PIN_METHOD", "link")
PIN_FILE = {"link": "/etc/systemd/network/10-fleetfix-usbnet0.link",
            "udev": "/etc/udev/rules.d/70-fleetfix-persistent-net.rules"}[METHOD]
MGMT_MAC = "52:54:00:f1:ee:01"


def sysfs(host, name, attr):
    return host.file("/sys/class/net/%s/%s" % (name, attr)).content_string.strip()


def assert_usbnet0(host):
    assert host.file("/sys/class/net/usbnet0").exists, host.run("ip -o link").stdout
    assert sysfs(host, "usbnet0", "address") == USB_MAC
    assert sysfs(host, "usbnet0", "addr_assign_type") == "0"  # a permanent MAC: safe to pin by
    addresses = host.run("ip -o -4 addr show dev usbnet0").stdout
    assert "192.0.2.10/24" in addresses, addresses
    assert "UP" in host.run("ip -o link show dev usbnet0").stdout


def test_usb_nic_is_pinned_as_usbnet0_with_its_address(host):
    assert_usbnet0(host)
    print(host.run("ip -o link").stdout)


def test_management_nic_is_untouched(host):
    assert sysfs(host, "ens2", "address") == MGMT_MAC
    assert "10.0.2.15" in host.run("ip -o -4 addr show dev ens2").stdout


def test_files_are_what_the_role_says(host):
    pin = host.file(PIN_FILE).content_string
    if METHOD == "link":
        assert "MACAddress=%s" % USB_MAC in pin and "Name=usbnet0" in pin
    else:
        assert 'ATTR{address}=="%s"' % USB_MAC in pin and 'NAME="usbnet0"' in pin
    other = {"link": "/etc/udev/rules.d/70-fleetfix-persistent-net.rules",
             "udev": "/etc/systemd/network/10-fleetfix-usbnet0.link"}[METHOD]
    assert not host.file(other).exists
    stanza = host.file("/etc/network/interfaces.d/fleetfix-usbnet0").content_string
    assert "allow-hotplug usbnet0" in stanza and "address 192.0.2.10/24" in stanza


def test_facts_module_sees_the_pin(host):
    facts = host.ansible("fleetfix.kernel.net_iface_facts", check=False)["ansible_facts"]["fleetfix_net"]
    usb = [i for i in facts["interfaces"] if i["mac"] == USB_MAC][0]
    assert (usb["name"], usb["bus"], usb["driver"], usb["name_kind"]) == ("usbnet0", "usb", "cdc_ether", "pinned")
    assert usb["pinned_by"] == [PIN_FILE]
    assert usb["configured_by"] == ["ifupdown"]


@pytest.mark.skipif(METHOD != "link", reason="one extra boot per suite: the udev scenario proves its rule "
                    "at converge's reboot; a NIC in front is tested once, in the default scenario")
def test_name_holds_with_a_new_nic_in_front(host):
    """Second boot: an e1000 NIC in a lower PCI slot than the USB controller."""
    scenario = os.environ["MOLECULE_SCENARIO_DIRECTORY"]
    with open(os.path.join(scenario, "molecule.yml")) as handle:
        platform = yaml.safe_load(handle)["platforms"][0]
    vm = os.path.join(scenario, "..", "..", "..", "..", "tests", "testhost", "vm.sh")
    extra = platform["qemu_args"] + ["-netdev", "user,id=front,restrict=on", "-device", "e1000,netdev=front,addr=0x3"]
    host.run("sync")
    subprocess.check_call([vm, "poweroff", platform["name"]])
    subprocess.check_call([vm, "start", platform["name"], "--reuse"] + ["--qemu-arg=%s" % a for a in extra]
                          + ["--kernel-arg=%s" % a for a in platform.get("kernel_args", [])])
    names = host.run("ls /sys/class/net").stdout.split()
    assert "ens3" in names, names  # the new NIC, named by its slot
    assert_usbnet0(host)
    assert sysfs(host, "ens2", "address") == MGMT_MAC
