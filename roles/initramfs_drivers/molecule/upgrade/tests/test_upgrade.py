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


def test_grub_cfg_reached_through_a_symlink_was_rewritten_behind_it(host):
    """prepare made /boot/grub/grub.cfg a symlink to grub-real.cfg: the target was rewritten,
    the link is intact, and the copies sit beside the real file."""
    link = host.file("/boot/grub/grub.cfg")
    assert link.is_symlink and link.linked_to == "/boot/grub/grub-real.cfg"
    real = host.file("/boot/grub/grub-real.cfg")
    assert real.is_file and not real.is_symlink
    uuid = host.run("findmnt -no UUID /").stdout.strip()
    assert "root=UUID=%s" % uuid in real.content_string and "root=/dev/sda1" not in real.content_string
    assert host.file("/boot/grub/grub-real.cfg.fleetfix.orig").contains("root=/dev/sda1")
    assert not host.file("/boot/grub/grub.cfg.fleetfix.orig").exists
    assert not host.file("/boot/grub/grub.cfg.fleetfix.bak").exists
    assert (real.user, real.group, real.mode) == ("root", "root", host.file("/boot/grub/grub-real.cfg.fleetfix.orig").mode)


def lsinitrd(host, path):
    listing = host.run("lsinitrd %s" % path)
    assert listing.rc == 0, listing.stderr
    return listing.stdout


def test_new_image_holds_the_drivers_and_the_first_one_is_kept(host):
    newest = kernels(host)[-1]
    current = lsinitrd(host, image(newest))
    assert "megaraid_sas.ko" in current and "mptsas.ko" in current
    # rebuilt once (converge): .fleetfix.orig and .fleetfix.bak are both the package's image
    orig = lsinitrd(host, image(newest) + ".fleetfix.orig")
    assert "megaraid_sas.ko" not in orig and "mptsas.ko" not in orig
    assert host.run("cmp %s.fleetfix.orig %s.fleetfix.bak" % (image(newest), image(newest))).rc == 0
    assert 'add_drivers+=' in host.file("/etc/dracut.conf.d/50-fleetfix-initramfs-drivers.conf").content_string


def test_two_successive_rebuilds_keep_the_first_image_for_good(host):
    """The running kernel's image, rebuilt in prepare (mpt3sas) and again in converge (mptsas):
    .fleetfix.orig is the image the VM first booted with (test_fault checks its sha256),
    .fleetfix.bak the first rebuild, the image itself the second; owner and mode kept."""
    oldest = image(kernels(host)[0])
    assert "mptsas.ko" in lsinitrd(host, oldest)
    bak = lsinitrd(host, oldest + ".fleetfix.bak")
    assert "mpt3sas.ko" in bak and "mptsas.ko" not in bak
    assert "mpt3sas.ko" not in lsinitrd(host, oldest + ".fleetfix.orig")
    stats = [host.run("stat -c '%%U:%%G %%a' %s" % path).stdout.strip()
             for path in (oldest, oldest + ".fleetfix.bak", oldest + ".fleetfix.orig")]
    print("\nowner and mode of the image, .bak, .orig: %s" % stats)
    assert len(set(stats)) == 1, stats
    assert not host.run("ls -A /boot | grep fleetfix-new").stdout


def test_audit_now_says_ready(host):
    result = host.ansible("fleetfix.kernel.kernel_audit", "gather_subset=boot_readiness", check=False)
    finding = result["findings"][0]
    print("\nafter: %s: %s" % (finding["status"].upper(), finding["summary"]))
    assert finding["status"] == "ok", finding
    assert finding["summary"].startswith("READY")
