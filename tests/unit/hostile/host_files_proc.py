# -*- coding: utf-8 -*-
"""Malformed /proc files on fake roots (issue 14): the memory, pipe, ext4 and slab collectors.

CASES: (collector, {host path: bytes, None for a directory or MISSING}, message fragment or
None). Each case is planted over its collector's base tree (BASES: a real host's files, see
tests/unit/fixtures/proc_readers/README.md) and run through hostfs.exit_with_facts by
tests/unit/hostile/test_host_files_proc.py (fake_root.outcome / check): a fragment means the
collector must fail with a message holding it and naming the file (the case's first path);
None means the facts are returned. No case may reach the catch-all.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")
BASES = {
    "memory": os.path.join(FIXTURES, "memory", "host-6.18"),
    "pipe": os.path.join(FIXTURES, "pipe", "host-6.18"),
    "ext4": os.path.join(FIXTURES, "proc_readers", "ext4-6.18"),
    "slab": os.path.join(FIXTURES, "proc_readers", "slab-6.18"),
}
MISSING = "<missing>"  # the base's file is removed


def _base(collector, path):
    with open(os.path.join(BASES[collector], path.lstrip("/")), "rb") as handle:
        return handle.read()


ZONEINFO = _base("memory", "/proc/zoneinfo")
BUDDYINFO = _base("memory", "/proc/buddyinfo")
MEMINFO = _base("memory", "/proc/meminfo")
SLABINFO = _base("slab", "/proc/slabinfo")
MODULES = _base("slab", "/proc/modules")
STAT_412 = _base("ext4", "/proc/412/stat")
U64 = "18446744073709551615"
HUGE = b"9" * 5000  # past int()'s 4,300 digits
SUPER2 = u"\u00b2".encode("utf-8")  # '²': str.isdigit() is true, int() refuses it
ARABIC = u"\u0663".encode("utf-8")  # ARABIC-INDIC DIGIT THREE: int() takes it


def _zone(old, new):
    assert old in ZONEINFO, old
    return {"/proc/zoneinfo": ZONEINFO.replace(old, new, 1)}


def _stat(field, value):
    """/proc/412/stat with field ``field`` (1-based, as proc(5) numbers them) replaced."""
    head, tail = STAT_412.split(b") ", 1)
    words = tail.split()
    words[field - 3] = value
    return {"/proc/412/stat": head + b") " + b" ".join(words) + b"\n"}


MEMORY = [
    # the issue's own examples
    ("memory", _zone(b"        min      20\n", b"        min      " + HUGE + b"\n"),
     'expected "min" pages from 0 to ' + U64),
    ("memory", _zone(b"        managed  3840\n", b"        managed  1" + b"0" * 400 + b"\n"), '"managed" pages from 0 to ' + U64),
    ("memory", {"/proc/sys/vm/lowmem_reserve_ratio": b"256 abc\n"}, "expected the ratio of zone 1 as a decimal integer, found 'abc'"),
    ("memory", {"/proc/sys/vm/min_free_kbytes": SUPER2 + b"\n"}, "expected vm.min_free_kbytes as a decimal integer"),
    ("memory", _zone(b"        low      25\n", b"        low      " + ARABIC + b"\n"), '"low" pages as a decimal integer'),
    ("memory", {"/proc/buddyinfo": BUDDYINFO.replace(b"   2401 ", b"   " + ARABIC + b" ", 1)},
     "/proc/buddyinfo line 3: expected the free blocks of order 0 as a decimal integer"),
    ("memory", {"/proc/meminfo": MEMINFO.replace(b"24684092", ARABIC + ARABIC, 1)}, "expected MemTotal as a decimal integer"),
    # numbers past what the kernel holds
    ("memory", _zone(b"  pages free     3840\n", b"  pages free     18446744073709551616\n"), '"pages free" pages from 0 to ' + U64),
    ("memory", _zone(b"Node 0, zone      DMA\n", b"Node " + SUPER2 + b", zone      DMA\n"), "a node number as a decimal integer"),
    ("memory", _zone(b"protection: (0, 3019,", b"protection: (0, x,"), "a protection value (pages) as a decimal integer"),
    ("memory", {"/proc/buddyinfo": b"Node 0, zone DMA" + b" 1" * 65 + b"\n"}, "from 1 to 64 free block counts"),
    ("memory", {"/proc/buddyinfo": b"Node 0, zone DMA 1 " + HUGE + b"\n"}, "the free blocks of order 1 from 0 to " + U64),
    ("memory", {"/proc/meminfo": b"MemTotal:       0 kB\n"}, "MemTotal is 0 kB"),
    ("memory", {"/proc/meminfo": b"MemTotal:       16 GB\n"}, 'expected "Key: value" or "Key: value kB"'),
    ("memory", {"/proc/sys/vm/watermark_scale_factor": b"-1\n"}, "vm.watermark_scale_factor from 0 to 2147483647"),
    ("memory", {"/proc/sys/vm/min_free_kbytes": b"2147483648\n"}, "vm.min_free_kbytes from 0 to 2147483647"),
    ("memory", {"/proc/sys/vm/watermark_boost_factor": b""}, "vm.watermark_boost_factor as a decimal integer, found ''"),
    # truncated, binary, empty, too large, not a file, absent
    ("memory", {"/proc/zoneinfo": ZONEINFO[:ZONEINFO.index(b"        high     30")]}, "zone DMA of node 0 has no high"),
    ("memory", {"/proc/zoneinfo": b"\x00\xff\xfe\x7fELF\x02\x01\x01\n" + ZONEINFO}, 'line 1: expected "Node N, zone NAME"'),
    ("memory", {"/proc/zoneinfo": b""}, "no zones found"),
    ("memory", {"/proc/zoneinfo": ZONEINFO + b"Node 1, zone Normal " + b"x" * 70000 + b"\n"}, "a line of at most 65536 bytes"),
    ("memory", {"/proc/zoneinfo": None}, "cannot read /proc/zoneinfo: Is a directory"),
    ("memory", {"/proc/zoneinfo": MISSING}, "/proc/zoneinfo does not exist"),
    ("memory", {"/proc/buddyinfo": b"Node 0, zone DMA 1 2\n" * 250000}, "larger than 4194304 bytes"),
    ("memory", {"/proc/meminfo": b"MemTotal:       1 kB\n" * 60000}, "larger than 1048576 bytes"),
    ("memory", {"/proc/sys/vm/min_free_kbytes": b"67584" + b" " * 70000}, "larger than 65536 bytes"),
    ("memory", {"/proc/meminfo": MISSING}, "/proc/meminfo does not exist"),
    ("memory", {"/proc/buddyinfo": b"\x00" * 64}, '"Node N, zone NAME counts..."'),
    # accepted: real files, CRLF line ends, a release the el6 rule cannot read, no sysctl at all
    ("memory", {}, None),
    ("memory", {"/proc/zoneinfo": ZONEINFO.replace(b"\n", b"\r\n")}, None),
    ("memory", {"/proc/sys/kernel/osrelease": b"2.6.32-" + HUGE + b".el6.x86_64\n"}, None),
    ("memory", {"/proc/sys/vm/watermark_boost_factor": MISSING, "/proc/sys/vm/lowmem_reserve_ratio": MISSING}, None),
]

PIPE = [
    ("pipe", {"/proc/sys/fs/pipe-max-size": b"1048576" + SUPER2 + b"\n"}, "expected an integer from 0 to 4294967295"),
    ("pipe", {"/proc/sys/fs/pipe-max-size": HUGE + b"\n"}, "expected an integer from 0 to 4294967295"),
    ("pipe", {"/proc/sys/fs/pipe-max-size": ARABIC * 4}, "expected an integer from 0 to 4294967295"),
    ("pipe", {"/proc/sys/fs/pipe-user-pages-soft": b"18446744073709551616\n"}, "expected an integer from 0 to " + U64),
    ("pipe", {"/proc/sys/fs/pipe-user-pages-hard": b"-1\n"}, "expected an integer from 0 to " + U64),
    ("pipe", {"/proc/sys/fs/pipe-max-size": b"\x00\xff\x00\n"}, "expected an integer from 0 to 4294967295"),
    ("pipe", {"/proc/sys/fs/pipe-max-size": None}, "cannot read /proc/sys/fs/pipe-max-size: Is a directory"),
    ("pipe", {"/proc/sys/fs/pipe-max-size": b"1" * 70000}, "larger than 65536 bytes"),
    ("pipe", {"/proc/sys/fs/pipe-max-size": MISSING, "/proc/sys/fs/pipe-user-pages-soft": MISSING,
              "/proc/sys/fs/pipe-user-pages-hard": MISSING}, None),  # a 2.6.32 kernel
]

EXT4 = [
    ("ext4", {"/proc/412/stat": b"412 (ext4-dio-unwrit) S 2 0 0 0\n"}, "at least 15 fields"),
    ("ext4", _stat(14, SUPER2), "utime (field 14) as clock ticks from 0 to " + U64),
    ("ext4", _stat(15, HUGE), "stime (field 15) as clock ticks from 0 to " + U64),
    ("ext4", _stat(14, b"18446744073709551616"), "utime (field 14) as clock ticks"),
    ("ext4", _stat(14, ARABIC), "utime (field 14) as clock ticks"),
    ("ext4", {"/proc/412/stat": b"412 ext4-dio-unwrit S 2 0 0 0 -1 0 0 0 0 0 37 0 0 0\n"}, '"PID (comm) state ..."'),
    ("ext4", {"/proc/412/stat": b"\x7fELF\x00\x00(\x01)\n"}, '"PID (comm) state ..."'),
    ("ext4", {"/proc/412/stat": b""}, '"PID (comm) state ..."'),
    ("ext4", {"/proc/412/stat": None}, "cannot read /proc/412/stat: Is a directory"),
    ("ext4", {"/proc/412/stat": STAT_412.rstrip(b"\n") + b" 0" * 40000}, "larger than 65536 bytes"),
    # accepted: a comm with ')' and a newline, directories that are not processes, binary mounts
    ("ext4", {"/proc/412/stat": b"412 (ext4-dio-unwrit) a)\nb) S" + STAT_412.split(b") S", 1)[1]}, None),
    ("ext4", {u"/proc/\u00b2/stat": b"junk"}, None),
    ("ext4", {"/proc/99999999/stat": b"junk"}, None),
    ("ext4", {"/proc/mounts": b"\x00\xff junk\n/dev/vdb /data ext4\n"}, None),
    ("ext4", {"/proc/412/stat": MISSING}, None),  # exited
]

SLAB = [
    ("slab", {"/proc/sys/kernel/tainted": SUPER2 + b"\n"}, "expected the taint flags as an integer from 0 to " + U64),
    ("slab", {"/proc/sys/kernel/tainted": b"18446744073709551616\n"}, "the taint flags as an integer"),
    ("slab", {"/proc/sys/kernel/tainted": HUGE}, "the taint flags as an integer"),
    ("slab", {"/proc/sys/kernel/tainted": b"4096" + b" " * 70000}, "larger than 65536 bytes"),
    ("slab", {"/proc/modules": MODULES + b"vboxdrv\n"}, "/proc/modules line 6: expected"),
    ("slab", {"/proc/modules": MODULES.replace(b"307200", ARABIC, 1)}, "/proc/modules line 1: expected"),
    ("slab", {"/proc/modules": None}, "cannot read /proc/modules: Is a directory"),
    ("slab", {"/proc/slabinfo": SLABINFO.split(b"\n", 1)[1]}, '/proc/slabinfo line 1: expected "slabinfo - version: 2.0"'),
    ("slab", {"/proc/slabinfo": SLABINFO.replace(b"0    312   13", HUGE + b"    312   13", 1)},
     '/proc/slabinfo line 3: expected "name active_objs'),
    ("slab", {"/proc/slabinfo": SLABINFO + b"kmalloc-64 1 2\n"}, '"name active_objs num_objs'),
    ("slab", {"/proc/slabinfo": b"\x00\xff\xfe"}, '/proc/slabinfo line 1: expected "slabinfo - version'),
    ("slab", {"/proc/slabinfo": None}, "cannot read /proc/slabinfo: Is a directory"),
    # accepted: blank lines (once an IndexError), no slabinfo (not root), no modules at all
    ("slab", {"/proc/slabinfo": SLABINFO + b"   \n\n"}, None),
    ("slab", {"/proc/slabinfo": MISSING, "/proc/modules": MISSING, "/proc/sys/kernel/tainted": MISSING}, None),
]

CASES = MEMORY + PIPE + EXT4 + SLAB
