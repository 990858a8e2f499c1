"""Verify issue 16 on the netplan and NetworkManager images (FLEETFIX_NET_STACK says which): after
converge's reboot the USB NIC is usbnet0, up, with its static address, configured by the stack that
configured it before; the old configuration is out of the directories the stack reads; the
management NIC, configured by the same stack, is untouched."""

import os

import pytest

STACK = os.environ.get("FLEETFIX_NET_STACK", "")
USB_MAC = "52:54:00:12:34:99"
MGMT_MAC = "52:54:00:f1:ee:01"
DISABLED = "/var/lib/fleetfix/persistent_net/disabled"
TOP = os.path.join(os.environ.get("MOLECULE_PROJECT_DIRECTORY", "."), "..", "..")
# What the role writes, and where the old configuration (prepare.yml) went.
OURS = {"netplan": "/etc/netplan/60-fleetfix-usbnet0.yaml",
        "networkmanager": "/etc/NetworkManager/system-connections/fleetfix-usbnet0.nmconnection"}
OLD = {"netplan": "/etc/netplan/70-usb-uplink.yaml",
       "networkmanager": "/etc/NetworkManager/system-connections/usb-uplink.nmconnection"}
# The management NIC's configuration in the image (tests/testhost/variants).
MGMT = {"netplan": ("/etc/netplan/50-cloud-init.yaml", "tests/testhost/variants/netplan/root/etc/netplan/50-cloud-init.yaml"),
        "networkmanager": ("/etc/NetworkManager/system-connections/mgmt.nmconnection",
                           "tests/testhost/variants/nm/root/etc/NetworkManager/system-connections/mgmt.nmconnection")}


@pytest.fixture(autouse=True)
def _stack():
    assert STACK in OURS, "FLEETFIX_NET_STACK is %r" % STACK


def sysfs(host, name, attr):
    return host.file("/sys/class/net/%s/%s" % (name, attr)).content_string.strip()


def test_usb_nic_is_usbnet0_up_with_its_static_address(host):
    assert host.file("/sys/class/net/usbnet0").exists, host.run("ip -o link").stdout
    assert sysfs(host, "usbnet0", "address") == USB_MAC
    assert int(sysfs(host, "usbnet0", "flags"), 16) & 1, "usbnet0 is not up"
    addresses = host.run("ip -o -4 addr show dev usbnet0").stdout
    assert "192.0.2.10/24" in addresses, addresses


def test_the_stack_that_configured_it_before_configures_it_now(host):
    if STACK == "netplan":
        status = host.run("networkctl status usbnet0").stdout
        assert "/run/systemd/network/10-netplan-usbnet0.network" in status, status
    else:
        devices = host.run("nmcli -t -f DEVICE,STATE,CONNECTION device").stdout.split()
        assert "usbnet0:connected:fleetfix-usbnet0" in devices, devices
        assert not host.service("systemd-networkd").is_running


def test_our_file_with_its_mode_and_the_old_one_moved_out_of_reach(host):
    ours = host.file(OURS[STACK])
    assert ours.exists and ours.mode == 0o600 and ours.user == "root"
    text = ours.content_string
    if STACK == "netplan":
        assert 'macaddress: "%s"' % USB_MAC in text and 'set-name: "usbnet0"' in text
        assert '"192.0.2.10/24"' in text
    else:
        assert "interface-name=usbnet0" in text and "mac-address=%s" % USB_MAC in text
        assert "address1=192.0.2.10/24" in text
    old = OLD[STACK]
    assert not host.file(old).exists
    moved = host.file("%s/%s" % (DISABLED, old.lstrip("/").replace("/", "_")))
    assert moved.exists, host.run("ls -la %s" % DISABLED).stdout
    assert "192.0.2.10/24" in moved.content_string


def test_management_nic_and_its_configuration_are_untouched(host):
    assert sysfs(host, "ens2", "address") == MGMT_MAC
    assert "10.0.2.15" in host.run("ip -o -4 addr show dev ens2").stdout
    path, source = MGMT[STACK]
    with open(os.path.join(TOP, source)) as handle:
        assert host.file(path).content_string == handle.read()
    if STACK == "networkmanager":
        assert "ens2:connected:mgmt" in host.run("nmcli -t -f DEVICE,STATE,CONNECTION device").stdout.split()


def test_facts_module_sees_the_stack_own_it(host):
    facts = host.ansible("fleetfix.kernel.net_iface_facts", check=False)["ansible_facts"]["fleetfix_net"]
    usb = [i for i in facts["interfaces"] if i["mac"] == USB_MAC][0]
    assert usb["name"] == "usbnet0"
    assert usb["configured_by"] == [STACK], usb
    assert [f["path"] for f in usb["config_files"]] == [OURS[STACK]], usb["config_files"]
    assert facts["systems"][STACK]["present"]
