# -*- coding: utf-8 -*-
"""Malformed host files for the boot readers (issue 14): initramfs images, kernel configs and
/proc/config.gz, modules.dep / modules.builtin, mountinfo, sysfs slaves, the running release,
generator configs and the sysctls the Docker check reads.

Each case is ``(collector, files, fragment)`` as tests/unit/hostile/fake_root.py describes:
``files`` is a whole fake host (BASE with the case's changes), ``fragment`` what the failure
message must hold - always the file's path - or None when the facts are returned.
test_host_files_boot.py runs them against the collectors the facts modules call.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import bz2
import gzip
import io
import lzma
import struct

KVER = '6.1.0-50-amd64'
IMAGE = '/boot/initrd.img-%s' % KVER
CONFIG = '/boot/config-%s' % KVER
MODULES = '/lib/modules/%s' % KVER
DEP = MODULES + '/modules.dep'
BUILTIN = MODULES + '/modules.builtin'
MOUNTINFO = '/proc/self/mountinfo'
OSRELEASE = '/proc/sys/kernel/osrelease'
MAXKEYS = '/proc/sys/kernel/keys/root_maxkeys'

FIELDS = ('ino', 'mode', 'uid', 'gid', 'nlink', 'mtime', 'filesize', 'devmajor', 'devminor', 'rdevmajor',
          'rdevminor', 'namesize', 'check')


def newc_entry(name, data, mode=0o100644, magic=b'070701', fields=None, nul=True):
    """One cpio newc entry; ``fields`` replaces a header field's 8 bytes as given."""
    values = {'ino': 1, 'mode': mode, 'uid': 0, 'gid': 0, 'nlink': 1, 'mtime': 0, 'filesize': len(data),
              'devmajor': 0, 'devminor': 0, 'rdevmajor': 0, 'rdevminor': 0, 'namesize': len(name) + 1, 'check': 0}
    raw = [('%08x' % values[field]).encode('ascii') for field in FIELDS]
    for field, value in (fields or {}).items():
        raw[FIELDS.index(field)] = value
    head = magic + b''.join(raw) + name + (b'\x00' if nul else b'X')
    head += b'\x00' * ((4 - len(head) % 4) % 4)
    return head + data + b'\x00' * ((4 - len(data) % 4) % 4)


TRAILER = newc_entry(b'TRAILER!!!', b'', 0)


def newc(*entries):
    """A newc archive of (name, data) entries and its trailer."""
    return b''.join(newc_entry(name, data) for name, data in entries) + TRAILER


def gz(data):
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode='wb', mtime=0) as handle:
        handle.write(data)
    return out.getvalue()


EXT4 = ('usr/lib/modules/%s/kernel/fs/ext4/ext4.ko.xz' % KVER).encode('ascii')
GOOD_CPIO = newc((b'usr/lib/modules/%s' % KVER.encode('ascii'), b''), (EXT4, b'\xfd7zXZ\x00 module'),
                 (b'conf/initramfs.conf', b'MODULES=most\n'))
EARLY_CPIO = newc((b'early_cpio', b'1\n'), (b'kernel/x86/microcode/GenuineIntel.bin', b'\x01' * 64))
GOOD_GZ = gz(GOOD_CPIO)
CONFIG_TEXT = b'#\n# Automatically generated file; DO NOT EDIT.\n#\nCONFIG_NAMESPACES=y\n# CONFIG_SLAB is not set\n' \
              b'CONFIG_OVERLAY_FS=m\nCONFIG_NR_CPUS=8192\nCONFIG_LOCALVERSION=""\nCONFIG_CMDLINE="quiet \\"x\\""\n'

BASE = {
    OSRELEASE: KVER + '\n',
    MOUNTINFO: '22 1 0:20 / /sys rw - sysfs sysfs rw\n25 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n',
    '/proc/mounts': 'sysfs /sys sysfs rw 0 0\ncgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\n',
    '/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory pids\n',
    MAXKEYS: '1000000\n',
    '/proc/sys/net/ipv4/ip_forward': '1\n',
    '/boot/vmlinuz-%s' % KVER: b'kernel',
    CONFIG: CONFIG_TEXT,
    IMAGE: GOOD_GZ,
    DEP: 'kernel/fs/ext4/ext4.ko.xz: kernel/lib/crc16.ko.xz\nkernel/lib/crc16.ko.xz:\nkernel/drivers/scsi/sd_mod.ko.xz:\n',
    BUILTIN: 'kernel/drivers/ata/libata.ko\nkernel/block/bfq.ko\n',
    '/usr/sbin/mkinitramfs': b'#!/bin/sh\n',
    '/etc/initramfs-tools/initramfs.conf': 'MODULES=most\n',
    '/etc/initramfs-tools/modules': '# comment\nmegaraid_sas\n',
}

_GONE = object()


def host(**changes):
    """BASE with files replaced (``name=('/path', bytes or None for a directory)``), added, or
    removed (value _GONE). Keyword names only label the change."""
    files = dict(BASE)
    for path, data in changes.values():
        if data is _GONE:
            files.pop(path, None)
        else:
            files[path] = data
    return files


def _lzma_alone(dict_size):
    """An lzma ('alone') stream whose header asks for a dictionary of ``dict_size`` bytes."""
    good = lzma.compress(GOOD_CPIO, format=lzma.FORMAT_ALONE)
    return good[:1] + struct.pack('<I', dict_size) + good[5:]


def _flip(data, offset):
    return data[:offset] + bytes(bytearray([data[offset] ^ 0xff])) + data[offset + 1:]


_BOMB = gz(b'\x00' * (17 << 20))  # 17 MiB of zeros in some 17 kB: past the config cap once gunzipped
_BIG_FIELD = newc_entry(EXT4, b'', fields={'filesize': b'ffffffff'}) + TRAILER
_HUGE_NAME = newc_entry(EXT4, b'', fields={'namesize': b'7fffffff'}) + TRAILER

CASES = [
    # ---- the initramfs image (initramfs_facts, on_error=fail)
    ('initramfs_facts', host(), None),
    ('initramfs_facts', host(image=(IMAGE, GOOD_CPIO[:50])), IMAGE + ': truncated: the cpio header at offset 0'),
    ('initramfs_facts', host(image=(IMAGE, GOOD_CPIO[:200])), IMAGE + ': truncated'),
    ('initramfs_facts', host(image=(IMAGE, GOOD_CPIO[:-len(TRAILER)])), IMAGE + ': truncated: no cpio trailer'),
    ('initramfs_facts', host(image=(IMAGE, _BIG_FIELD)), "(4294967295 bytes, entry at offset 0) is cut short"),
    ('initramfs_facts', host(image=(IMAGE, gz(_BIG_FIELD))), '4294967295 bytes, entry at offset 0 of the gzip stream'),
    ('initramfs_facts', host(image=(IMAGE, _HUGE_NAME)), IMAGE + ': bad cpio header at offset 0: name size 2147483647'),
    ('initramfs_facts', host(image=(IMAGE, newc_entry(EXT4, b'', fields={'namesize': b'00000fff'}))),
     IMAGE + ': truncated: the name in the cpio header at offset 0 is cut short'),
    ('initramfs_facts', host(image=(IMAGE, newc_entry(EXT4, b'', fields={'namesize': b'00000000'}) + TRAILER)),
     'name size 0, expected 1 to 65536'),
    ('initramfs_facts', host(image=(IMAGE, newc_entry(EXT4, b'', fields={'mode': b'zzzzzzzz'}) + TRAILER)),
     IMAGE + ": bad cpio header at offset 0: its mode field 'zzzzzzzz' is not hexadecimal"),
    ('initramfs_facts', host(image=(IMAGE, EARLY_CPIO + newc_entry(EXT4, b'', fields={'filesize': u'0000\u0664\u0664'.encode('utf-8')}))),
     'at offset %d: its filesize field' % len(EARLY_CPIO)),
    ('initramfs_facts', host(image=(IMAGE, newc_entry(EXT4, b'x', nul=False) + TRAILER)),
     IMAGE + ': bad cpio header at offset 0: the name does not end with a NUL byte'),
    ('initramfs_facts', host(image=(IMAGE, b'')), IMAGE + ': empty file, not an initramfs'),
    ('initramfs_facts', host(image=(IMAGE, b'\x00' * 4096)), IMAGE + ': only zero bytes'),
    ('initramfs_facts', host(image=(IMAGE, b'070707' + b'0' * 200)), 'old portable (odc) format'),
    ('initramfs_facts', host(image=(IMAGE, b'#!/bin/sh\necho not an image\n')), IMAGE + ': not an initramfs'),
    ('initramfs_facts', host(image=(IMAGE, EARLY_CPIO + b'JUNKJUNK')), IMAGE + ': junk at offset %d' % len(EARLY_CPIO)),
    ('initramfs_facts', host(image=(IMAGE, GOOD_GZ[:len(GOOD_GZ) // 2])), IMAGE + ': truncated: the gzip stream'),
    ('initramfs_facts', host(image=(IMAGE, _flip(GOOD_GZ, len(GOOD_GZ) - 6))), IMAGE + ': corrupt gzip stream'),
    ('initramfs_facts', host(image=(IMAGE, gz(GOOD_CPIO + b'junk'))), 'junk at offset'),
    ('initramfs_facts', host(image=(IMAGE, lzma.compress(GOOD_CPIO)[:-20])), IMAGE + ': truncated'),
    ('initramfs_facts', host(image=(IMAGE, _flip(bz2.compress(GOOD_CPIO), 20))), IMAGE + ': corrupt bzip2 stream'),
    ('initramfs_facts', host(image=(IMAGE, _lzma_alone(0x7fff0000))),  # a 2 GiB dictionary (lzma -9: 64 MiB)
     IMAGE + ': the lzma stream that starts at offset 0 needs more than 268435456 bytes of memory'),
    ('initramfs_facts', host(image=(IMAGE, None)), IMAGE + ': not a regular file'),
    ('initramfs_facts', host(image=(IMAGE, EARLY_CPIO + b'\x00' * 512 + GOOD_GZ + b'\x00' * 512)), None),
    ('initramfs_facts', host(image=(IMAGE, GOOD_CPIO + GOOD_CPIO)), None),
    ('initramfs_facts', host(image=(IMAGE, lzma.compress(GOOD_CPIO, format=lzma.FORMAT_ALONE))), None),
    ('initramfs_facts', host(image=(IMAGE, EARLY_CPIO + bz2.compress(GOOD_CPIO + b'\x00' * 100000))), None),
    ('initramfs_facts', host(image=(IMAGE, EARLY_CPIO + lzma.compress(GOOD_CPIO) + b'\x00' * 64)), None),
    # ---- kernel names, modules.dep / modules.builtin, the running release
    ('initramfs_facts', host(odd=(u'/boot/vmlinuz-5\u00b2', b'kernel'), odd2=(u'/lib/modules/5\u00b2', None),
                             odd3=(u'/boot/vmlinuz-6.1.0-\u0664', b'kernel'), odd4=('/boot/vmlinuz---help', b'x')), None),
    ('initramfs_facts', host(kernel=('/boot/vmlinuz-%s' % KVER, _GONE), image=(IMAGE, _GONE), config=(CONFIG, _GONE),
                             boot=('/boot', b'a file where /boot should be')), None),
    ('initramfs_facts', host(dep=(DEP, b'\x7fELF\x02\x01\x01\x00' + bytes(bytearray(range(256))))),
     DEP + ' line 1: expected a module path'),
    ('initramfs_facts', host(dep=(DEP, b'kernel/fs/ext4/ext4.ko.xz:\nkernel/drivers/scsi/sd_mod.ko.xz\n')),
     DEP + ' line 2: expected a module path followed by ":"'),
    ('initramfs_facts', host(dep=(DEP, u'kernel/fs/ext4/ext4\u00b2.ko:\n'.encode('utf-8'))), DEP + ' line 1: expected a module path'),
    ('initramfs_facts', host(dep=(DEP, b'kernel/fs/ext4/ext4.ko.xz: kernel/lib/crc 16.ko\n')), DEP + ' line 1'),
    ('initramfs_facts', host(dep=(DEP, None)), 'cannot read %s' % DEP),
    ('initramfs_facts', host(dep=(DEP, b'kernel/fs/ext4/ext4.ko:\n' * ((16 << 20) // 24 + 1))),
     DEP + ' is larger than 16777216 bytes'),
    ('initramfs_facts', host(builtin=(BUILTIN, b'kernel/drivers/ata/libata.ko: kernel/x.ko\n')),
     BUILTIN + ' line 1: expected a module path (no ":")'),
    ('initramfs_facts', host(osrelease=(OSRELEASE, u'5\u00b2\n'.encode('utf-8'))), OSRELEASE + ': expected a kernel release'),
    ('initramfs_facts', host(osrelease=(OSRELEASE, b'../../../etc\n')), OSRELEASE + ': expected a kernel release'),
    # ---- mountinfo and sysfs
    ('initramfs_facts', host(mountinfo=(MOUNTINFO, b'garbage\n')), MOUNTINFO + ' line 1: expected a mountinfo line'),
    ('initramfs_facts', host(mountinfo=(MOUNTINFO, u'25 1 8:\u0661 / / rw - ext4 /dev/sda1 rw\n'.encode('utf-8'))),
     MOUNTINFO + ' line 1'),
    ('initramfs_facts', host(mountinfo=(MOUNTINFO, b'25 1 ../../../etc / / rw - ext4 /dev/sda1 rw\n')), MOUNTINFO + ' line 1'),
    ('initramfs_facts', host(mountinfo=(MOUNTINFO, b'25 1 8:1 / / rw ext4 /dev/sda1 rw\n')), MOUNTINFO + ' line 1'),
    ('initramfs_facts', host(mountinfo=(MOUNTINFO, _GONE)), MOUNTINFO + ' is missing'),
    ('initramfs_facts', host(mountinfo=(MOUNTINFO, b'25 1 253:0 / / rw - xfs /dev/mapper/root rw\n'),
                             uuid=('/sys/dev/block/253:0/dm/uuid', b'LVM-abc\n'),
                             slave=('/sys/dev/block/253:0/slaves/sda2/dev', u'8:\u0662\n'.encode('utf-8'))),
     '/sys/dev/block/253:0/slaves/sda2/dev line 1: expected a device number MAJ:MIN'),
    ('initramfs_facts', host(mountinfo=(MOUNTINFO, b'25 1 253:0 / / rw - xfs /dev/mapper/root rw\n'),
                             slave=('/sys/dev/block/253:0/slaves/dm-1/dev', b'253:1\n'),
                             loop=('/sys/dev/block/253:1/slaves/dm-0/dev', b'253:0\n')), None),
    # ---- generator configurations
    ('initramfs_facts', host(dracut=('/usr/bin/dracut', b'#!/bin/bash\n'), dropin=('/etc/dracut.conf.d/50-x.conf', None)),
     'cannot read /etc/dracut.conf.d/50-x.conf'),
    ('initramfs_facts', host(dracut=('/usr/bin/dracut', b'#!/bin/bash\n'),
                             conf=('/etc/dracut.conf', b'add_drivers+="\x00\xff\xfe $(id) "\n\x89PNG\r\n')), None),
    ('initramfs_facts', host(conf=('/etc/initramfs-tools/conf.d/x', u'MODULES=\u0664\n'.encode('utf-8'))), None),
    # ---- the same image errors as the audit sees them (on_error=report): facts, no failure
    ('initramfs_facts_report', host(image=(IMAGE, _BIG_FIELD)), None),
    ('initramfs_facts_report', host(image=(IMAGE, None)), None),
    # ---- kernel configs (kernel_config_facts)
    ('kernel_config_facts', host(), None),
    ('kernel_config_facts', host(procconfig=('/proc/config.gz', _BOMB)),
     '/proc/config.gz decompresses to more than 16777216 bytes'),
    ('kernel_config_facts', host(procconfig=('/proc/config.gz', gz(CONFIG_TEXT)[:-9])), '/proc/config.gz is a corrupt gzip file'),
    ('kernel_config_facts', host(procconfig=('/proc/config.gz', gz(CONFIG_TEXT) + b'trailing')),
     '/proc/config.gz is a corrupt gzip file: junk at byte'),
    ('kernel_config_facts', host(procconfig=('/proc/config.gz', b'\x1f\x8b\x08\x00garbage-garbage')), '/proc/config.gz is a corrupt gzip file'),
    ('kernel_config_facts', host(procconfig=('/proc/config.gz', gz(b'\x7fELF\x00\x00binary\n'))), '/proc/config.gz line 1: expected'),
    ('kernel_config_facts', host(config=(CONFIG, CONFIG_TEXT + u'CONFIG_NR_CPUS=\u0664\u0660\n'.encode('utf-8'))),
     CONFIG + ' line 10: expected y, m, n, a number or a double-quoted string after "CONFIG_NR_CPUS="'),
    ('kernel_config_facts', host(config=(CONFIG, CONFIG_TEXT + b'CONFIG_NR_CPUS=' + b'9' * 5000 + b'\n')), CONFIG + ' line 10'),
    ('kernel_config_facts', host(config=(CONFIG, CONFIG_TEXT + b'CONFIG_CMDLINE="unclosed\n')), CONFIG + ' line 10'),
    ('kernel_config_facts', host(config=(CONFIG, b'\x00\x01\x02' * 100)), CONFIG + ' line 1: expected a kernel config line'),
    ('kernel_config_facts', host(config=(CONFIG, b'# only comments\n#\n')), CONFIG + ' holds no CONFIG_ options'),
    ('kernel_config_facts', host(config=(CONFIG, b'CONFIG_A=y\n' * ((16 << 20) // 11 + 1))), CONFIG + ' is larger than 16777216 bytes'),
    ('kernel_config_facts', host(config=(CONFIG, None)), 'cannot read %s' % CONFIG),
    ('kernel_config_facts', host(odd=(u'/boot/config-5\u00b2', CONFIG_TEXT), odd2=(u'/lib/modules/6.\u0661', None)), None),
    ('kernel_config_facts', host(osrelease=(OSRELEASE, b'6.1.0 $(id)\n')), OSRELEASE + ': expected a kernel release'),
    ('kernel_config_facts', host(config=(CONFIG, _GONE)), 'no config found for kernel %s (tried /proc/config.gz, %s' % (KVER, CONFIG)),
    # ---- the Docker check's host reads (docker_kernel_check)
    ('docker_kernel_check', host(), None),
    ('docker_kernel_check', host(maxkeys=(MAXKEYS, u'\u00b2\n'.encode('utf-8'))), MAXKEYS + ' line 1: expected a non-negative integer'),
    ('docker_kernel_check', host(maxkeys=(MAXKEYS, b'9' * 100 + b'\n')), MAXKEYS + ' line 1: expected a non-negative integer'),
    ('docker_kernel_check', host(maxkeys=(MAXKEYS, b'9' * 5000 + b'\n')), MAXKEYS + ' is larger than 4096 bytes'),
    ('docker_kernel_check', host(fwd=('/proc/sys/net/ipv4/ip_forward', b'-1\n')), '/proc/sys/net/ipv4/ip_forward line 1'),
    ('docker_kernel_check', host(mounts=('/proc/mounts', b'garbage\n')), '/proc/mounts line 1: expected a mounts line'),
    ('docker_kernel_check', host(mounts=('/proc/mounts', None)), 'cannot read /proc/mounts'),
    ('docker_kernel_check', host(config=(CONFIG, b'CONFIG_X=yes\n')), CONFIG + ' line 1: expected y, m, n'),
    # ---- initramfs_rebuild's plan (what it reads before anything is run)
    ('initramfs_rebuild_plan', host(), None),
    ('initramfs_rebuild_plan', host(image=(IMAGE, _HUGE_NAME)), None),  # an unreadable image is rebuilt
    ('initramfs_rebuild_plan', host(dep=(DEP, b'\xff\xfe\x00garbage\n')), DEP + ' line 1'),
    ('initramfs_rebuild_plan', host(builtin=(BUILTIN, None)), 'cannot read %s' % BUILTIN),
]
