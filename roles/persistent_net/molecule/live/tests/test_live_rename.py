"""Verify the live rename (issue 16, deliver 4): usbnet0 up with its address in the same boot that
prepare marked, configured by networkd from the role's .network file; then, after one reboot, the
pin and the .network file give the same result at boot."""

import os
import subprocess

import yaml

USB_MAC = "52:54:00:12:34:99"
MGMT_MAC = "52:54:00:f1:ee:01"
NETWORK = "/etc/systemd/network/10-fleetfix-usbnet0.network"
LINK = "/etc/systemd/network/10-fleetfix-usbnet0.link"


def sysfs(host, name, attr):
    return host.file("/sys/class/net/%s/%s" % (name, attr)).content_string.strip()


def assert_usbnet0_configured(host):
    assert host.file("/sys/class/net/usbnet0").exists, host.run("ip -o link").stdout
    assert sysfs(host, "usbnet0", "address") == USB_MAC
    assert int(sysfs(host, "usbnet0", "flags"), 16) & 1, "usbnet0 is not up"
    assert "192.0.2.10/24" in host.run("ip -o -4 addr show dev usbnet0").stdout
    status = host.run("networkctl status usbnet0").stdout
    assert NETWORK in status, status
    assert sysfs(host, "ens2", "address") == MGMT_MAC
    assert "10.0.2.15" in host.run("ip -o -4 addr show dev ens2").stdout


def test_renamed_and_up_without_a_reboot(host):
    mark = host.file("/run/fleetfix-test-boot")
    assert mark.exists, "the boot prepare marked is gone: the host rebooted"
    old_name = mark.content_string.strip()
    assert old_name != "usbnet0" and not host.file("/sys/class/net/%s" % old_name).exists
    assert_usbnet0_configured(host)


def test_files_are_the_pin_and_the_network_file(host):
    assert "MACAddress=%s" % USB_MAC in host.file(LINK).content_string
    network = host.file(NETWORK).content_string
    assert "Name=usbnet0" in network and "Address=192.0.2.10/24" in network


def test_the_same_after_a_reboot(host):
    scenario = os.environ["MOLECULE_SCENARIO_DIRECTORY"]
    with open(os.path.join(scenario, "molecule.yml")) as handle:
        platform = yaml.safe_load(handle)["platforms"][0]
    vm = os.path.join(scenario, "..", "..", "..", "..", "tests", "testhost", "vm.sh")
    host.run("sync")
    subprocess.check_call([vm, "poweroff", platform["name"]])
    subprocess.check_call([vm, "start", platform["name"], "--reuse"] + ["--qemu-arg=%s" % a for a in platform["qemu_args"]]
                          + ["--kernel-arg=%s" % a for a in platform.get("kernel_args", [])])
    assert not host.file("/run/fleetfix-test-boot").exists
    # networkd may still be configuring the link right after SSH answers
    host.run("timeout 30 sh -c 'until ip -o -4 addr show dev usbnet0 | grep -q 192.0.2.10; do sleep 1; done'")
    assert_usbnet0_configured(host)
