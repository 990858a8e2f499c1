"""grub_set_root: which entries it touches, and its refusal of a bad UUID."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.fleetfix.kernel.plugins.modules import grub_set_root

WANTED = "UUID=f6a6efc5-919c-4393-8e76-c84e475cd609"


@pytest.mark.parametrize("entry, fix", [
    ({"kernel": "/vmlinuz-6.1", "root": "/dev/sda1", "root_kind": "device"}, True),
    ({"kernel": "/vmlinuz-6.1", "root": "LABEL=rootfs", "root_kind": "label"}, True),
    ({"kernel": "/vmlinuz-6.1", "root": "UUID=0000", "root_kind": "uuid"}, True),  # another filesystem's UUID
    ({"kernel": "/vmlinuz-6.1", "root": WANTED, "root_kind": "uuid"}, False),
    ({"kernel": "/vmlinuz-2.6.32", "root": "/dev/mapper/VolGroup-lv_root", "root_kind": "lvm"}, False),  # kept kind
    ({"kernel": "/boot/memtest86+.bin", "root": None, "root_kind": None}, False),  # no root= at all
    ({"kernel": None, "root": None, "root_kind": None}, False),  # a chainloader
], ids=["device", "label", "other-uuid", "done", "lvm-kept", "memtest", "chainloader"])
def test_which_entries_are_fixed(entry, fix):
    assert grub_set_root.needs_fix(entry, WANTED, ["lvm"]) is fix


@pytest.mark.parametrize("uuid", ["", "a b", "UUID=1234"])
def test_bad_uuid_is_refused_before_anything_is_read(uuid, capsys):
    with patch_module_args({"uuid": uuid}):
        with pytest.raises(SystemExit) as info:
            grub_set_root.main()
    result = json.loads(capsys.readouterr().out)
    assert info.value.code == 1
    assert "is not a filesystem UUID" in result["msg"] and "exception" not in result
