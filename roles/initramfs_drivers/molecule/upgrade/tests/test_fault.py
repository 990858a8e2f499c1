"""A rebuild that fails half-way leaves the previous image intact and the host bootable
(prepare injected the fault, then rebooted through GRUB)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


def kept_kernel(host):
    """The kernel whose image the failed rebuild had to keep (recorded by prepare)."""
    return host.file("/root/fleetfix-image-before.sha256").content_string.split()[1].split("initrd.img-")[1]


def test_role_failed_clearly(host):
    message = host.file("/root/fleetfix-fault-message").content_string
    print("\nthe role said: %s" % message.strip())
    assert "building the initramfs of" in message
    assert "is unchanged" in message


def first_hash(host):
    return host.file("/root/fleetfix-image-before.sha256").content_string.split()[0]


def test_previous_image_is_byte_identical(host):
    """Checked after the whole story. The image the failed rebuild kept was later rebuilt twice
    (prepare: mpt3sas; converge: mptsas); the first known-good copy, IMAGE.fleetfix.orig, is
    still byte for byte the image the VM first booted with."""
    image = "/boot/initrd.img-%s" % kept_kernel(host)
    orig = host.run("sha256sum %s.fleetfix.orig" % image)
    print("\nfirst booted %s\n.fleetfix.orig %s" % (first_hash(host), orig.stdout.strip()))
    assert orig.rc == 0 and orig.stdout.split()[0] == first_hash(host)
    assert host.run("sha256sum %s" % image).stdout.split()[0] != first_hash(host)


def test_no_temporary_or_backup_file_left_by_the_failure(host):
    leftovers = host.file("/root/fleetfix-boot-listing-after-fault").content_string.split()
    assert [name for name in leftovers if name.startswith("initrd.img-")], leftovers
    assert not [name for name in leftovers if "fleetfix-new" in name], leftovers
    # the build failed before the swap: nothing was replaced, so nothing was backed up
    assert not [name for name in leftovers if name.endswith((".fleetfix.bak", ".fleetfix.orig"))], leftovers
    assert "mpt3sas" not in host.run("lsinitrd /boot/initrd.img-%s.fleetfix.orig" % kept_kernel(host)).stdout


def test_the_vm_booted_again_with_the_kept_image(host):
    before = host.file("/root/fleetfix-boot-before").content_string.strip()
    first_line, check = host.file("/root/fleetfix-boot-after-fault").content_string.strip().split("\n")
    print("\nboot id before %s; after the failed rebuild: %s; %s" % (before, first_line, check))
    booted_id = first_line.split()[2].rstrip(",")
    assert booted_id != before
    assert "kernel %s," % kept_kernel(host) in first_line
    assert first_line.split()[-1] in ("running", "degraded")
    assert check.endswith(": OK")
