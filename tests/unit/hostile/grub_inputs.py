# -*- coding: utf-8 -*-
"""Hostile inputs to the GRUB writer (issue 13), as data: (what, value, message fragment).

``what`` is the input they are given as:

- ``uuid``: grub_set_root's ``uuid`` option, and in the grub_root_uuid role the UUID grub_facts
  found for / (its Decide step, the grub_root_uuid_plan filter, checks it before any write);
- ``keep_kinds``: the module's ``keep_kinds`` / the role's ``fleetfix_grub_keep_kinds`` (a list);
- ``grub.conf``: the bytes of a GRUB legacy /boot/grub/grub.conf;
- ``grub.cfg``: the bytes of a GRUB 2 /boot/grub/grub.cfg.

A fragment means refused, with a message naming the option or variable (or the file and its
line) and holding the fragment; the file is left byte for byte. None means accepted: the
module's --check plan and its real write agree byte for byte and only the kernel lines of the
entries to fix change. They run through the module in-process
(tests/unit/plugins/modules/test_grub_set_root.py) and the role's Decide filter
(tests/unit/plugins/filter/test_grub_root_uuid_plan.py); the initramfs ones live in
initramfs_inputs.py.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

NOT_A_UUID = "is not a filesystem UUID"
NOT_A_KIND = "uuid, label, partuuid, partlabel, lvm"  # both refusals list the kinds accepted
GOOD = "f6a6efc5-919c-4393-8e76-c84e475cd609"

UUIDS = [
    # whitespace would split root= into two kernel arguments: root=UUID=abc single
    ("uuid", "abc\tsingle", "whitespace"),
    ("uuid", "abc\nsingle", "whitespace"),
    ("uuid", "abc single", "whitespace"),
    ("uuid", GOOD + " single", "whitespace"),
    ("uuid", GOOD + " init=/bin/sh", "whitespace"),
    ("uuid", " " + GOOD, "whitespace"),
    ("uuid", GOOD + " ", "whitespace"),
    ("uuid", GOOD + "\n", "whitespace"),
    ("uuid", GOOD + "\r", "whitespace"),
    ("uuid", GOOD + "\x0b", "whitespace"),
    ("uuid", GOOD[:8] + u"\u00a0" + GOOD[9:], "whitespace"),  # no-break space
    ("uuid", GOOD[:8] + u"\u3000" + GOOD[9:], "whitespace"),  # ideographic space
    ("uuid", GOOD + u"\u2028", "whitespace"),                 # line separator
    # quotes and what GRUB, an initramfs script or a shell would interpret
    ("uuid", 'abc"def', "a quote"),
    ("uuid", "abc'def", "a quote"),
    ("uuid", GOOD + '"', "a quote"),
    ("uuid", "`id`", NOT_A_UUID),
    ("uuid", "$(touch X)", NOT_A_UUID),
    ("uuid", "${IFS}", NOT_A_UUID),
    ("uuid", GOOD + ";reboot", NOT_A_UUID),
    ("uuid", GOOD + "|id", NOT_A_UUID),
    ("uuid", GOOD + "\\", NOT_A_UUID),
    ("uuid", GOOD + "#", NOT_A_UUID),
    # '=' and names that are not a UUID
    ("uuid", "UUID=" + GOOD, "without UUID="),
    ("uuid", "uuid=" + GOOD, "without UUID="),
    ("uuid", "a=b", NOT_A_UUID),
    ("uuid", "LABEL=root", NOT_A_UUID),
    ("uuid", "/dev/sda1", NOT_A_UUID),
    ("uuid", "../../dev/sda1", NOT_A_UUID),
    ("uuid", "--help", NOT_A_UUID),
    ("uuid", "-", NOT_A_UUID),
    # control characters
    ("uuid", GOOD + "\x00", "control"),
    ("uuid", GOOD[:8] + "\x1b[2J" + GOOD[8:], "control"),
    ("uuid", GOOD + "\x7f", "control"),
    ("uuid", GOOD[:8] + u"\u0085" + GOOD[9:], "control"),
    # unicode look-alikes and wrong shapes
    ("uuid", u"\uff46" + GOOD[1:], "none of the forms"),   # fullwidth f
    ("uuid", GOOD[:-1] + u"\u0669", "none of the forms"),  # Arabic-Indic nine
    ("uuid", GOOD[:-1] + "g", "none of the forms"),
    ("uuid", GOOD.replace("-", ""), "none of the forms"),   # 32 hex digits: no blkid form
    ("uuid", GOOD[:23], "none of the forms"),
    ("uuid", GOOD + "0", "longer than any filesystem UUID"),
    ("uuid", "0" * 200, "longer than any filesystem UUID"),
    ("uuid", "1234-ABC", "none of the forms"),
    ("uuid", "12345-6789", "none of the forms"),
    ("uuid", "2020-01-01-00-00-00", "none of the forms"),
    ("uuid", "2020-01-01-00-00-00-0a", "none of the forms"),
    ("uuid", "12345678", "none of the forms"),
    ("uuid", "", "it is empty"),
]

KEEP_KINDS = [
    ("keep_kinds", ["LVM"], NOT_A_KIND),
    ("keep_kinds", ["lvm "], NOT_A_KIND),
    ("keep_kinds", [" lvm"], NOT_A_KIND),
    ("keep_kinds", ["lvm\n"], NOT_A_KIND),
    ("keep_kinds", ["Lvm"], NOT_A_KIND),
    ("keep_kinds", ["lvm", "LABEL"], NOT_A_KIND),
    ("keep_kinds", ["devices"], NOT_A_KIND),
    ("keep_kinds", ["lvm,label"], NOT_A_KIND),
    ("keep_kinds", [""], NOT_A_KIND),
    ("keep_kinds", ["*"], NOT_A_KIND),
    ("keep_kinds", ["uuid\x00"], NOT_A_KIND),
]

_ENTRY = b"title CentOS 6 (2.6.32-754.el6.x86_64)\n\troot (hd0,0)\n"

GRUB_CONFS = [
    # refused: the file does not parse as GRUB would read it (file and line named)
    ("grub.conf", b"default=0\nkernel /vmlinuz ro root=/dev/sda1\n" + _ENTRY, "line 2: 'kernel' before the first 'title'"),
    ("grub.conf", _ENTRY + b"\tkernel\n", "line 3: 'kernel' without a kernel path"),
    ("grub.conf", _ENTRY + b"\tkernel --type=netbsd   \n", "line 3: 'kernel' without a kernel path"),
    ("grub.conf", b"\tinitrd /initramfs.img\n" + _ENTRY, "line 1: 'initrd' before the first 'title'"),
    # accepted, edited byte for byte
    ("grub.conf", _ENTRY + b"\tkernel /vmlinuz ro root=/dev/sda1 root=/dev/sdb1 quiet\n", None),  # several root=
    ("grub.conf", _ENTRY + b"\tkernel /vmlinuz ro root=/dev/sda1 -- root=/dev/sdb1\n", None),  # init's root= stays
    ("grub.conf", _ENTRY + b"\tkernel /vmlinuz ro -- root=/dev/sda1\n", None),  # only init's: nothing to do
    ("grub.conf", _ENTRY + b'\tkernel /vmlinuz ro "root=/dev/sda1" quiet\n', None),  # quoted argument
    ("grub.conf", _ENTRY + b'\tkernel /vmlinuz ro acpi_osi="x root=/dev/sda1" root=/dev/sda1\n', None),
    ("grub.conf", _ENTRY + b"\tkernel=/vmlinuz ro root=/dev/sda1\n", None),  # kernel=PATH form
    ("grub.conf", _ENTRY + b"\tkernel --type=linux /vmlinuz ro root=/dev/sda1\n", None),
    ("grub.conf", _ENTRY + b"\tKernel /vmlinuz ro root=/dev/sda1\n", None),  # not a GRUB command
    ("grub.conf", _ENTRY + b"\tkernel /vmlinuz ro rootflags=x rd_root=y root=\n", None),  # empty root=
    ("grub.conf", b"title kernel /x root=/dev/sda1\n\tkernel /vmlinuz ro root=/dev/sda1\n", None),
    ("grub.conf", b"title \xe2\x80\x94 \xe9\x85\xa0\xff\r\n\tkernel\t/vmlinuz\tro\troot=/dev/sda1\t\r\n", None),
    ("grub.conf", b"# \x00\x1b[2J comment\n" + _ENTRY + b"\tkernel /vmlinuz root=/dev/sda1", None),  # no final newline
    ("grub.conf", _ENTRY + b"\tkernel /vmlinuz root=/dev/sda1 \xc3\x28\x85 x\xa0root=/dev/sdb1\n", None),
    ("grub.conf", _ENTRY + b"\tkernel /xen.gz dom0_mem=1G\n\tmodule /vmlinuz root=/dev/sda1\n", None),  # Xen
    ("grub.conf", b"", None),
]

GRUB_CFGS = [
    # refused by the parser before anything is planned (file and line named)
    ("grub.cfg", b"menuentry 'A' {\n\tlinux /vmlinuz root=/dev/sda1\n", "menuentry 'A' is never closed"),
    ("grub.cfg", b"menuentry 'A' {\n\tlinux /vmlinuz root=/dev/sda1\n}\n}\n", "line 4: unexpected '}'"),
    ("grub.cfg", b'menuentry "A {\n\tlinux /vmlinuz root=/dev/sda1\n}\n', "unterminated double quote"),
    ("grub.cfg", b"if [ x ]; then\nmenuentry 'A' {\n\tlinux /vmlinuz root=/dev/sda1\n}\n", "'if' is never closed"),
    ("grub.cfg", b"fi\nmenuentry 'A' {\n\tlinux /vmlinuz root=/dev/sda1\n}\n", "'fi' without a matching"),
    # accepted: the generator's bytes are written exactly, non-UTF-8 ones included
    ("grub.cfg", b"menuentry 'D\xe9bian \xe2\x80\x94' {\r\n\tlinux /vmlinuz root=/dev/sda1 ro\r\n}\r\n", None),
]

INPUTS = UUIDS + KEEP_KINDS + GRUB_CONFS + GRUB_CFGS
