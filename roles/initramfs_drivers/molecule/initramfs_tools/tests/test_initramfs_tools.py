"""initramfs-tools: the driver in the modules file and the image, the old image kept, a boot through GRUB."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


def image(host):
    return "/boot/initrd.img-%s" % host.run("uname -r").stdout.strip()


def test_modules_file_has_the_managed_block(host):
    content = host.file("/etc/initramfs-tools/modules").content_string
    assert "# BEGIN fleetfix.kernel.initramfs_drivers" in content
    assert "\nmegaraid_sas\n" in content


def test_image_holds_the_driver_and_the_backup_does_not(host):
    listing = host.run("lsinitramfs %s" % image(host))
    assert listing.rc == 0 and "megaraid_sas.ko" in listing.stdout
    backup = host.run("lsinitramfs %s.fleetfix.bak" % image(host))
    assert backup.rc == 0 and "megaraid_sas.ko" not in backup.stdout
    # MODULES=dep still holds: the rebuild used the host's generator settings, adding only the driver
    assert "virtio_blk" in listing.stdout


def test_booted_from_grub_with_the_new_image(host):
    cmdline = host.file("/proc/cmdline").content_string
    assert "BOOT_IMAGE=" in cmdline  # GRUB, not qemu's direct kernel boot
    assert host.run("systemctl is-system-running --wait").stdout.strip() in ("running", "degraded")
    facts = host.ansible("fleetfix.kernel.initramfs_facts", "extra_drivers=megaraid_sas", check=False)
    kernels = facts["ansible_facts"]["fleetfix_initramfs"]["kernels"]
    assert kernels and all(not k["missing_drivers"] for k in kernels), kernels
    assert all(k["image_generator"] == "initramfs-tools" for k in kernels), kernels


def test_first_known_good_copies_are_kept(host):
    """The modules file and the image were replaced through the safe writer: each keeps its
    first version as FILE.fleetfix.orig (the package's modules file, without the block)."""
    orig = host.file("/etc/initramfs-tools/modules.fleetfix.orig")
    assert orig.exists and "fleetfix.kernel" not in orig.content_string
    modules = host.file("/etc/initramfs-tools/modules")
    assert (modules.user, modules.group, modules.mode) == (orig.user, orig.group, orig.mode)
    assert host.run("cmp %s.fleetfix.orig %s.fleetfix.bak" % (image(host), image(host))).rc == 0
