"""Seed story 4 on the VM: NOT READY before, the new kernel booted on megasas with root=UUID= after."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

KVERS_CMD = "ls /boot/vmlinuz-* | sed 's|/boot/vmlinuz-||' | sort -V"


def kernels(host):
    return host.run(KVERS_CMD).stdout.split()


def image(kver):
    return "/boot/initrd.img-%s" % kver


def test_audit_before_said_not_ready_for_both_causes(host):
    finding = json.loads(host.file("/root/fleetfix-audit-before.json").content_string)
    print("\nbefore the reboot: %s: %s" % (finding["status"].upper(), finding["summary"]))
    assert finding["status"] == "fail"
    newest = kernels(host)[-1]
    report = [k for k in finding["evidence"]["kernels"] if k["kernel"] == newest]
    assert report and not report[0]["ready"], finding
    reasons = " ".join(report[0]["reasons"])
    assert "lacks megaraid_sas" in reasons
    assert "root=/dev/sda1 is a device path" in reasons


def test_booted_the_new_kernel_on_the_megasas_controller(host):
    running = host.run("uname -r").stdout.strip()
    print("\nafter the reboot: running %s, installed %s" % (running, kernels(host)))
    assert len(kernels(host)) == 2
    assert running == kernels(host)[-1]
    assert host.run("findmnt -no SOURCE /").stdout.strip() == "/dev/sda1"
    assert host.file("/sys/module/megaraid_sas").exists
    # the disk hangs off the megasas PCI function (addr 0x6), not virtio
    assert "0000:00:06.0" in host.run("readlink -f /sys/class/block/sda").stdout


def test_cmdline_names_the_root_filesystem_by_uuid(host):
    uuid = host.run("findmnt -no UUID /").stdout.strip()
    assert uuid
    cmdline = host.file("/proc/cmdline").content_string.split()
    assert "root=UUID=%s" % uuid in cmdline, cmdline
    grub_cfg = host.file("/boot/grub/grub.cfg").content_string
    assert "root=/dev/sda1" not in grub_cfg
    assert "GRUB_DISABLE_LINUX_UUID=false" in host.file("/etc/default/grub").content_string
    assert host.file("/boot/grub/grub.cfg.fleetfix.bak").contains("root=/dev/sda1")


def test_new_image_holds_the_driver_and_the_old_one_is_kept(host):
    newest = kernels(host)[-1]
    listing = host.run("lsinitrd %s" % image(newest))
    assert listing.rc == 0
    assert "megaraid_sas.ko" in listing.stdout
    backup = host.run("lsinitrd %s.fleetfix.bak" % image(newest))
    assert backup.rc == 0 and "megaraid_sas.ko" not in backup.stdout
    assert 'add_drivers+=' in host.file("/etc/dracut.conf.d/50-fleetfix-initramfs-drivers.conf").content_string
    # only the kernel that lacked the driver was rebuilt
    assert not host.file(image(kernels(host)[0]) + ".fleetfix.bak").exists


def test_audit_now_says_ready(host):
    result = host.ansible("fleetfix.kernel.kernel_audit", "gather_subset=boot_readiness", check=False)
    finding = result["findings"][0]
    print("\nafter: %s: %s" % (finding["status"].upper(), finding["summary"]))
    assert finding["status"] == "ok", finding
    assert finding["summary"].startswith("READY")
