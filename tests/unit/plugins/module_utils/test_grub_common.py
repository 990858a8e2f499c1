"""What the boot-loader parsers share: the kinds of root= names.

Seed story 4: a CentOS 7 kernel upgrade did not boot because GRUB's root= named a device path
instead of a UUID; classify_root tells a device path from the stable kinds.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import grub_common
from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import classify_root


@pytest.mark.parametrize("value,kind", [
    ("UUID=6d651fcb-6873-4d7a-b67e-d0a2b88c1d3d", "uuid"),
    ("uuid=6d651fcb-6873-4d7a-b67e-d0a2b88c1d3d", "uuid"),
    ("LABEL=rootfs", "label"),
    ("PARTUUID=6c3b1a2e-02", "partuuid"),
    ("PARTLABEL=root", "partlabel"),
    ("/dev/mapper/VolGroup-lv_root", "lvm"),
    ("/dev/mapper/centos-root", "lvm"),
    ("/dev/VolGroup00/LogVol00", "lvm"),
    ("/dev/rhel/root", "lvm"),
    ("/dev/disk/by-uuid/1b2c3d4e-0000-4000-8000-000000000001", "uuid_path"),
    ("/dev/disk/by-label/rootfs", "label_path"),
    ("/dev/disk/by-partuuid/6c3b1a2e-02", "partuuid_path"),
    ("/dev/disk/by-partlabel/root", "partlabel_path"),
    ("/dev/sda1", "device"),
    ("/dev/sdb", "device"),
    ("/dev/vda2", "device"),
    ("/dev/xvda1", "device"),
    ("/dev/hda3", "device"),
    ("/dev/nvme0n1p2", "device"),
    ("/dev/md0", "device"),
    ("/dev/md/root", "device"),
    ("/dev/mmcblk0p2", "device"),
    ("/dev/dm-0", "device"),
    ("/dev/cciss/c0d0p1", "device"),
    ("", None),
    ("   ", None),
    (None, None),
    ("ZFS=rpool/ROOT/debian", "other"),
    ("/dev/disk/by-id/ata-VBOX_HARDDISK_VB1-part1", "other"),
    ("/dev/root", "other"),
    ("0801", "other"),
    ("$rootdev", "other"),
])
def test_classify_root(value, kind):
    assert classify_root(value) == kind


def test_root_kinds_are_every_kind_classify_root_gives():
    values = ["UUID=a", "LABEL=a", "PARTUUID=a", "PARTLABEL=a", "/dev/mapper/vg-lv", "/dev/disk/by-uuid/a",
              "/dev/disk/by-label/a", "/dev/disk/by-partuuid/a", "/dev/disk/by-partlabel/a", "/dev/sda1", "ZFS=x"]
    assert sorted(classify_root(v) for v in values) == sorted(grub_common.ROOT_KINDS)


@pytest.mark.parametrize("entry, keep, fix", [
    ({"kernel": "/v", "root": "/dev/sda1", "root_kind": "device"}, ["lvm"], True),
    ({"kernel": "/v", "root": "/dev/sda1", "root_kind": "device"}, ["device"], False),
    ({"kernel": "/v", "root": "/dev/mapper/vg-root", "root_kind": "lvm"}, ["lvm"], False),
    ({"kernel": "/v", "root": "/dev/mapper/vg-root", "root_kind": "lvm"}, [], True),
    ({"kernel": "/v", "root": "UUID=abc", "root_kind": "uuid"}, [], False),
    ({"kernel": "/v", "root": "", "root_kind": None}, ["lvm"], True),  # root= with nothing after it
    ({"kernel": "/v", "root": None, "root_kind": None}, [], False),
    ({"kernel": None, "root": None, "root_kind": None}, [], False),
])
def test_needs_root_fix(entry, keep, fix):
    assert grub_common.needs_root_fix(entry, "UUID=abc", keep) is fix


def test_display_bytes_shows_exactly_which_bytes_are_there():
    assert grub_common.display_bytes(b"caf\xc3\xa9 \xe2\x80\x94") == u"caf\u00e9 \u2014"
    assert grub_common.display_bytes(b"caf\xe9 \xff\xfe x\xc3") == u"caf\\xe9 \\xff\\xfe x\\xc3"
    assert grub_common.display_bytes(b"") == u"" and grub_common.display_bytes(bytearray(b"a\r\n")) == u"a\r\n"


def test_parse_error_text_names_file_and_line_whatever_the_types():
    error = grub_common.GrubParseError("/boot/grub/grub.cfg", 3, u"menuentry 'D\u00e9bian' is never closed")
    assert str(error) == u"/boot/grub/grub.cfg, line 3: menuentry 'D\u00e9bian' is never closed"
    assert (error.path, error.line) == ("/boot/grub/grub.cfg", 3)
    assert str(grub_common.GrubParseError(b"/boot/x\xff", None, b"bad \xe9")) == u"/boot/x\ufffd: bad \ufffd"
    assert isinstance(error, grub_common.HostReadError)


def test_shown_cuts_long_values():
    assert grub_common.shown("x" * 100) == "x" * 60 + "..."
    assert grub_common.shown(None) == "" and grub_common.shown(b"\xff") == u"\ufffd"
