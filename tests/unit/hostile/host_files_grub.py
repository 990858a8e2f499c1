# -*- coding: utf-8 -*-
"""Malformed boot-loader files on fake roots (issue 14): what grub_facts reads, as data.

Each case is ``(collector, files, fragment)`` for tests/unit/hostile/fake_root.py: ``files``
maps host paths to the bytes planted (None plants a directory); a fragment means grub_facts
fails with a message holding it and naming the file; None means the facts come back.

``collector`` is ``grub_facts`` (bootloader.collect, what the module runs) or
``boot_files`` (bootloader.read_boot_files), optionally followed by ``/SETUP:PATH`` for what
bytes cannot say: ``chmod-000`` (an unreadable directory: skipped when running as root, who
reads it anyway), ``symlink-loop`` (PATH is a symlink to itself), ``fifo`` (PATH is a FIFO:
reading it would hang) - see tests/unit/hostile/test_host_files_grub.py.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

KiB = 1024
MiB = 1024 * KiB

CFG = '/boot/grub2/grub.cfg'
DEB_CFG = '/boot/grub/grub.cfg'
CONF = '/boot/grub/grub.conf'
ENV = '/boot/grub2/grubenv'
ENTRIES = '/boot/loader/entries'
DEFAULT = '/etc/default/grub'
UUID = 'f6a6efc5-919c-4393-8e76-c84e475cd609'

ENTRY = b"menuentry 'Debian GNU/Linux' {\n\tlinux /boot/vmlinuz-6.1.0-50-amd64 root=UUID=" + UUID.encode() + b" ro\n}\n"
TWO = ENTRY + ENTRY.replace(b'6.1.0-50', b'6.1.0-40')
LEGACY = (b"default=0\ntimeout=5\ntitle CentOS 6 (2.6.32-754.el6.x86_64)\n\troot (hd0,0)\n"
          b"\tkernel /vmlinuz-2.6.32-754.el6.x86_64 ro root=/dev/sda1\n\tinitrd /initramfs-2.6.32-754.el6.x86_64.img\n")
GRUBENV = b'# GRUB Environment Block\nsaved_entry=0\n'
GRUBENV = GRUBENV + b'#' * (1024 - len(GRUBENV))
BLS_CFG = b'set default="${saved_entry}"\nload_env\nblscfg\n'
BLS = (b'title Rocky Linux (4.18.0-477.27.1.el8_8.x86_64) 8.8\nversion 4.18.0-477.27.1.el8_8.x86_64\n'
       b'linux /vmlinuz-4.18.0-477.27.1.el8_8.x86_64\ninitrd /initramfs-4.18.0-477.27.1.el8_8.x86_64.img\n'
       b'options root=UUID=' + UUID.encode() + b' ro\n')


def _bls(count, size=None):
    body = BLS if size is None else BLS + b'# ' + b'x' * (size - len(BLS) - 3) + b'\n'
    return dict(('%s/e%03d.conf' % (ENTRIES, number), body) for number in range(count))


def _grubenv(lines):
    body = b'# GRUB Environment Block\n' + lines
    return body + b'#' * max(0, 1024 - len(body))


CASES = [
    # --- nesting: GRUB has no small limit, real files nest 2-3 deep; 64 levels are accepted
    ('grub_facts', {CFG: b"submenu 'a' {\n" * 3000 + ENTRY + b'}\n' * 3000}, 'nested more than 64 deep'),
    ('grub_facts', {CFG: b'if [ x ]; then\n' * 3000 + ENTRY + b'fi\n' * 3000}, 'nested more than 64 deep'),
    ('grub_facts', {CFG: b'function f {\n' * 3000 + b'}\n' * 3000 + ENTRY}, 'nested more than 64 deep'),
    ('grub_facts', {CFG: b"submenu 'a' {\n" * 63 + ENTRY + b'}\n' * 63}, None),
    # --- size caps: a file past its cap is refused naming the file and the cap
    ('grub_facts', {CFG: b'#' * (9 * MiB + MiB // 2)}, 'larger than 1048576 bytes'),  # the 9.5 MB grub.cfg
    ('grub_facts', {CFG: ENTRY + b'#' * (MiB - len(ENTRY) + 1)}, 'larger than 1048576 bytes'),
    ('grub_facts', {CFG: ENTRY + b'#' * (MiB - len(ENTRY))}, None),  # at the cap: read
    ('grub_facts', {CONF: LEGACY + b'#' * (256 * KiB)}, 'larger than 262144 bytes'),
    ('grub_facts', {CFG: TWO, ENV: GRUBENV + b'\n'}, 'larger than 1024 bytes'),
    ('grub_facts', {CFG: BLS_CFG, ENV: GRUBENV, ENTRIES + '/big.conf': BLS + b'#' * (16 * KiB)}, 'larger than 16384 bytes'),
    ('grub_facts', dict(_bls(129), **{CFG: BLS_CFG, ENV: GRUBENV}), 'holds 129 entries'),
    ('grub_facts', dict(_bls(40, 15 * KiB), **{CFG: BLS_CFG, ENV: GRUBENV}), 'larger than 524288 bytes together'),
    ('grub_facts', {CFG: TWO, DEFAULT: b'GRUB_TIMEOUT=5\n' + b'#' * (64 * KiB)}, 'larger than 65536 bytes'),
    ('grub_facts', dict(('/etc/default/grub.d/%d.cfg' % n, b'#' * (60 * KiB)) for n in range(3)), 'larger than 131072 bytes together'),
    ('grub_facts', {CFG: b"menuentry 'a' {\n}\n" * 1025}, 'more than 1024 menu entries'),
    ('grub_facts', {CFG: b"submenu '" + b'x' * 5000 + b"' {\n" + ENTRY + b'}\n'}, 'expected at most 4096'),
    # --- numbers: ASCII digits only, bounded; a default past the entries names none
    ('grub_facts', {CFG: TWO.replace(b'6.1.0-50-amd64', b'5\xc2\xb2'), '/boot/vmlinuz-5\u00b2': b''}, None),
    ('grub_facts', {CFG: BLS_CFG, ENV: GRUBENV, ENTRIES + '/a.conf': BLS.replace(b'version 4.18.0', b'version 5\xc2\xb2'),
                    ENTRIES + '/b.conf': BLS.replace(b'version 4.18.0', b'version \xd9\xa3'), '/boot/vmlinuz-5\u00b2': b''}, None),
    ('grub_facts', {CFG: b'set default="5\xc2\xb2"\n' + TWO}, None),
    ('grub_facts', {CFG: b'set default=99\n' + TWO}, None),
    ('grub_facts', {CFG: b'set default="' + b'9' * 5000 + b'"\n' + TWO}, None),
    ('grub_facts', {CFG: b'set default="1>2"\n' + ENTRY + b"submenu 'Advanced' {\n" + TWO + b'}\n'}, None),
    ('grub_facts', {CFG: b'set default="${saved_entry}"\n' + TWO, ENV: _grubenv(b'saved_entry=\xd9\xa3\n')}, None),
    ('grub_facts', {CONF: LEGACY.replace(b'default=0', b'default=99')}, None),
    ('grub_facts', {CONF: LEGACY.replace(b'default=0', b'default=5\xc2\xb2')}, "expected 'saved' or a menu entry number"),
    ('grub_facts', {CONF: LEGACY.replace(b'default=0', b'default=' + b'9' * 5000)}, "expected 'saved' or a menu entry number"),
    ('grub_facts', {CONF: LEGACY.replace(b'default=0', b'default=-1')}, "expected 'saved' or a menu entry number"),
    ('grub_facts', {CONF: LEGACY.replace(b'timeout=5', b'timeout=\xd9\xa5')}, 'expected a number of seconds'),
    ('grub_facts', {CONF: LEGACY.replace(b'default=0', b'default=saved'), ENV: _grubenv(b'saved_entry=' + b'9' * 900 + b'\n')}, None),
    # --- bytes that are no text GRUB reads
    ('grub_facts', {CFG: TWO, ENV: b'\x7fELF\x02\x01\x01\x00' + b'\xff' * 1016}, 'expected the GRUB environment block signature'),
    ('grub_facts', {CFG: TWO, ENV: b''}, None),  # an empty grubenv: no variables, as GRUB reads it
    ('grub_facts', {CFG: TWO, ENV: GRUBENV.replace(b'\n', b'\r\n')[:1024]}, None),
    ('grub_facts', {CFG: BLS_CFG, ENV: GRUBENV, ENTRIES + '/a.conf': BLS.replace(b' ro\n', b'\x00 root=/dev/sdb1 ro\n')}, 'a NUL byte'),
    ('grub_facts', {CFG: BLS_CFG, ENV: GRUBENV, ENTRIES + '/a.conf': BLS.replace(b'version 4', b'version ' + b'4' * 300)},
     'expected a kernel version of at most 256 characters'),
    ('grub_facts', {CFG: TWO.replace(b' ro\n', b'\x00 root=/dev/sdb1 ro\n')}, 'a NUL byte'),
    ('grub_facts', {CONF: LEGACY.replace(b' ro root', b'\x00 ro root')}, 'a NUL byte'),
    ('grub_facts', {CONF: b'# \x00 a NUL in a comment is no command\n' + LEGACY}, None),
    ('grub_facts', {CFG: b"menuentry 'D\xe9bian \xff\xfe' {\n\tlinux /vmlinuz root=/dev/sda1\n}\n"}, None),  # not UTF-8
    ('grub_facts', {CFG: TWO.replace(b'\n', b'\r')}, None),  # CR only: one long line of words, as GRUB's lexer sees it
    ('grub_facts', {CFG: TWO.replace(b'\n', b'\r\n')}, None),
    ('grub_facts', {CFG: b'\xef\xbb\xbf' + TWO}, "line 1: unexpected '{'"),  # a byte-order mark: GRUB's lexer fails too
    # --- syntax
    ('grub_facts', {CFG: ENTRY[:-2]}, "is never closed (no '}' before the end of the file)"),
    ('grub_facts', {CFG: TWO + b'}\n'}, "line 7: unexpected '}'"),
    ('grub_facts', {CFG: b"menuentry 'a {\n"}, 'unterminated single quote'),
    ('grub_facts', {CFG: b'if [ x ]; then\n' + ENTRY}, "'if' is never closed"),
    ('grub_facts', {CFG: b'fi\n' + ENTRY}, "'fi' without a matching opening keyword"),
    ('grub_facts', {CFG: b''}, 'no boot entries in /boot/grub2/grub.cfg'),
    ('grub_facts', {CONF: b'\tkernel /vmlinuz root=/dev/sda1\n' + LEGACY}, "'kernel' before the first 'title'"),
    ('grub_facts', {CFG: TWO, DEFAULT: b'GRUB_CMDLINE_LINUX="quiet\n'}, 'unterminated double quote'),
    ('grub_facts', {CFG: TWO, DEFAULT: b'GRUB_CMDLINE_LINUX="$(echo a"\n'}, "unterminated '$('"),
    ('grub_facts', {CFG: TWO, DEFAULT: b'GRUB_TIMEOUT=5\\\n' * 4000}, None),  # continuation lines: linear
    ('grub_facts', {CFG: TWO, DEFAULT: b'A=1 ' * 15000 + b'\n'}, None),
    # --- what a path is: a directory, a FIFO, a symlink loop, an unreadable /boot, too many names
    ('grub_facts', {CFG: None}, 'is a directory, not a GRUB configuration'),
    ('grub_facts', {DEB_CFG: TWO, ENV: None}, 'is a directory, not a GRUB environment block'),
    ('grub_facts', {CFG: TWO, '/etc/default/grub.d/50-cloud.cfg': None}, 'is a directory, not a shell file'),
    ('grub_facts', {CFG: BLS_CFG, ENV: GRUBENV, ENTRIES + '/a.conf': BLS, ENTRIES + '/b.conf': None}, None),  # skipped, as GRUB does
    ('grub_facts/symlink-loop:' + CFG, {'/boot/grub2': None}, 'Too many levels of symbolic links'),
    ('grub_facts/fifo:' + CFG, {'/boot/grub2': None}, 'is not a regular file'),
    ('grub_facts/chmod-000:/boot', {CFG: TWO}, 'permission denied on /boot'),
    ('grub_facts/chmod-000:/boot/loader/entries', dict(_bls(2), **{CFG: BLS_CFG, ENV: GRUBENV}), 'permission denied on /boot/loader/entries'),
    ('grub_facts', dict(('/boot/efi/EFI/d%04d' % n, None) for n in range(4097)), 'holds more than 4096 names'),
    # --- read_boot_files: the same caps and errors
    ('boot_files', {CFG: b'#' * (MiB + 1)}, 'larger than 1048576 bytes'),
    ('boot_files', {ENTRIES + '/a.conf': BLS, ENTRIES + '/b.conf': None, '/boot/efi/EFI/rocky/grubenv': GRUBENV}, None),
    ('boot_files', {ENV: GRUBENV + b'#'}, 'larger than 1024 bytes'),
]
