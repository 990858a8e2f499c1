"""A rebuild that fails half-way leaves the previous image intact (prepare injected the fault)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


def test_role_failed_clearly(host):
    message = host.file("/root/fleetfix-fault-message").content_string
    print("\nthe role said: %s" % message.strip())
    assert "building the initramfs of" in message
    assert "is unchanged" in message


def test_previous_image_is_byte_identical(host):
    # checked after the whole story: the upgrade's converge never rebuilt this image either
    # (it already had megaraid_sas), so it is still the image the VM first booted with
    check = host.run("sha256sum -c /root/fleetfix-image-before.sha256")
    print("\n" + check.stdout.strip())
    assert check.rc == 0, check.stdout + check.stderr


def test_no_temporary_or_backup_file_left_by_the_failure(host):
    leftovers = host.file("/root/fleetfix-boot-after-fault").content_string.split()
    assert [name for name in leftovers if name.startswith("initrd.img-")], leftovers
    assert not [name for name in leftovers if "fleetfix-new" in name], leftovers
    # the build failed before the swap: nothing was replaced, so nothing was backed up
    assert not [name for name in leftovers if name.endswith(".fleetfix.bak")], leftovers
    assert "mpt3sas" not in host.run("lsinitrd /boot/initrd.img-$(uname -r)").stdout
