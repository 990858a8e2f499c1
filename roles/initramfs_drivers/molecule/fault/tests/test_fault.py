"""A rebuild that fails half-way leaves the previous image intact and the host bootable."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


def test_role_failed_clearly(host):
    message = host.file("/root/fleetfix-fault-message").content_string
    print("\nthe role said: %s" % message.strip())
    assert "building the initramfs of" in message
    assert "is unchanged" in message


def test_previous_image_is_byte_identical(host):
    check = host.run("sha256sum -c /root/fleetfix-image-before.sha256")
    print("\n" + check.stdout.strip())
    assert check.rc == 0, check.stdout + check.stderr


def test_no_temporary_or_backup_file_left(host):
    leftovers = host.run("ls -A /boot").stdout.split()
    assert not [name for name in leftovers if "fleetfix-new" in name], leftovers
    # the build failed before the swap: nothing was replaced, so nothing was backed up
    assert not [name for name in leftovers if name.endswith(".fleetfix.bak")], leftovers


def test_the_vm_booted_again_with_the_kept_image(host):
    before = host.file("/root/fleetfix-boot-before").content_string.strip()
    now = host.file("/proc/sys/kernel/random/boot_id").content_string.strip()
    print("\nboot id before %s, now %s; running %s" % (before, now, host.run("uname -r").stdout.strip()))
    assert now != before
    assert host.run("systemctl is-system-running --wait").stdout.strip() in ("running", "degraded")
    assert "mpt3sas" not in host.run("lsinitrd /boot/initrd.img-$(uname -r)").stdout
