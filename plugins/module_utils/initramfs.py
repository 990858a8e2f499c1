# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Listing an initramfs image without unpacking it (no lsinitrd / lsinitramfs needed).

An initramfs is what the kernel's ``init/initramfs.c`` (unpack_to_rootfs) reads: one or more
cpio archives in the ``newc`` (070701) or ``crc`` (070702) format, each either stored as is
(dracut's and initramfs-tools' early microcode archive) or compressed (gzip, xz, legacy lzma,
bzip2, zstd, lz4 legacy), one after another, with zero padding allowed between and after them.
Inside one decompressed stream there may again be several archives separated by zeros.

The reader streams: the image is read in chunks, decompressed chunk by chunk, and the cpio
headers are parsed out of a small working buffer; file data is skipped (only small files that
are wanted, such as dracut's modules.txt, are kept). gzip, bzip2 and lzma are decoded
in-process (zlib, bz2, lzma); zstd and lz4, and lzma / bzip2 where Python lacks the module,
through the ``zstd``, ``lz4``, ``xz`` or ``bzip2`` program reading the image from the
segment's offset. xz goes to the ``xz`` program with ``-T0`` on two or more CPUs (it decodes the
blocks of dracut's multi-block streams in parallel: twice as fast on two CPUs), to the lzma
module on one, and to ``xz`` single-threaded where Python has no lzma module (Python 2). The
programs are started with fork and exec, not the subprocess module: importing subprocess (and
tempfile for their stderr) cost more than a zstd listing's parsing (measured, issue 19).

Where a segment ends is known for in-process decoding (the decompressor's end marker), for
zstd (frame and block headers) and xz (stream footer); an lz4 legacy stream, or an lzma or
bzip2 stream decoded by a program, has to be the last segment (the kernel, too, reads lz4 to
the end of the image): anything after it is not listed.

File data is not read, so damage is found where the format carries a check (gzip, xz and
bzip2 CRCs, zstd's frame checksum when present, every decoding error, every cpio header); an
uncompressed archive or lz4's legacy format has no checksum over the data it skips.

Early stop (list_image's ``kernel`` and ``required``; the boot-readiness audit): once every
required module of that kernel has been seen, entries are no longer collected (names, module
matching, members), but the scan goes on to the end of the image exactly as a full scan does:
every compressed segment is decoded to its end (so every frame or block checksum, the stream's
end and its index are checked by the decoder) and every cpio header after the stop is still
checked, down to the trailer (TRAILER!!!) and the zero padding after it; an uncompressed archive
has its headers walked with file data skipped by seeking, as always. A truncated or damaged
image therefore gets the same verdict and the same error as in a full scan - whether the damage
is one the decoder sees (a flipped bit under a checksum, a cut stream) or one only the cpio
structure shows (an archive cut before it was compressed, a multi-frame zstd or multi-stream xz
file cut exactly between two frames or streams). What the stop saves is the per-entry work
after it (a few milliseconds on a real image): not decoding would leave a truncated initramfs,
the classic unbootable host (dracut killed, /boot full), looking READY.

Runs on the managed host: Python 2.7 and 3.6+, standard library only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import os
import re
import stat
import struct
import sys
import zlib

from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError

# The bz2 and lzma modules, imported when a bzip2, xz or lzma stream is met (a zstd or gzip
# listing does without the millisecond they take); None where Python has none (Python 2 has no
# lzma, a Python may be built without bz2): the bzip2 or xz program decodes then.
_NOT_YET = 'not imported yet'
bz2 = lzma = _NOT_YET


def _python_module(name):
    """The module ``name`` ('bz2', 'lzma'), or None when this Python has none."""
    module = globals()[name]
    if module is _NOT_YET:
        try:
            module = __import__(name)
        except ImportError:
            module = None
        globals()[name] = module
    return module


_PY3 = sys.version_info[0] >= 3
# bz2 and lzma decompressors take max_length (bounded output) from Python 3.5 on.
_MAX_LENGTH = sys.version_info >= (3, 5)

READ_SIZE = 256 << 10     # bytes read from the image at a time
INPUT_SIZE = 64 << 10      # compressed bytes handed to an in-process decompressor at a time
OUTPUT_SIZE = 256 << 10    # at most this many decompressed bytes come out of one call (cache-sized: measured)
# A pipe holds 64 KiB: larger reads, or a pipe made larger (F_SETPIPE_SZ, 256 KiB and 1 MiB),
# were no faster on zstd's 36 MB (measured; 1 MiB reads slower: the chunks leave the cache).
PIPE_READ_SIZE = 64 << 10
SMALL_FILE = 1 << 20       # wanted files (modules.txt) larger than this are not read
# Memory and time stay bounded whatever the image holds. A real initramfs has a few thousand
# entries (a large one with every firmware file some 20,000), names of some 80 bytes and
# unpacks to a few hundred MiB; these caps are far past that and far below harm:
MAX_ENTRIES = 1 << 20           # cpio entries in one image (all segments)
MAX_NAME_BYTES = 64 << 20       # bytes of entry names, all kept in the listing at most
MAX_UNPACKED = 4 << 30          # decompressed bytes of one image (a decompression bomb stops here)
MAX_NAME_SIZE = 65536           # one cpio name (the kernel skips names past PATH_MAX, 4096)
# The dictionary an xz or lzma stream may ask for (its header says how large; the decoder keeps
# that much of the output): xz -9 and lzma -9 take 64 MiB, dracut's xz 1 MiB. The xz program
# gets the same limit (-M).
LZMA_MEMLIMIT = 256 << 20
# Python 2's bz2 has no bounded output: at most two of its blocks (each <= 46.6 MB of output)
# end in a piece of compressed input this small.
_PY2_BZ2_PIECE = 32
PROGRAM_DIRS = ('/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin')

_MAGICS = (
    (b'070701', 'cpio'),
    (b'070702', 'cpio'),
    (b'\x1f\x8b', 'gzip'),
    (b'\xfd7zXZ\x00', 'xz'),
    (b'\x28\xb5\x2f\xfd', 'zstd'),
    (b'\x02\x21\x4c\x18', 'lz4'),
    (b'\x5d\x00\x00', 'lzma'),
)
_BZIP2 = re.compile(b'BZh[1-9]')
# Recognised only to name them in the error message.
_UNSUPPORTED = (
    (b'070707', 'a cpio archive in the old portable (odc) format, which the kernel does not unpack'),
    (b'\xc7\x71', 'a cpio archive in the old binary format, which the kernel does not unpack'),
    (b'\x71\xc7', 'a cpio archive in the old binary format, which the kernel does not unpack'),
    (b'\x89LZO\x00', 'an lzo-compressed archive, which this reader does not decode'),
)

_NEWC = b'070701'
_CRC = b'070702'
_TRAILER = b'TRAILER!!!'
_HEADER = 110
_HEX = re.compile(b'[0-9A-Fa-f]{104}')   # the 13 fields of a newc header: 8 ASCII hex digits each
_HEX8 = re.compile(b'[0-9A-Fa-f]{8}')
_FIELDS = ('ino', 'mode', 'uid', 'gid', 'nlink', 'mtime', 'filesize', 'devmajor', 'devminor', 'rdevmajor',
           'rdevminor', 'namesize', 'check')
_NONZERO = re.compile(b'[^\\x00]')
_ZSTD_MAGIC = b'\x28\xb5\x2f\xfd'
_LZ4_MAGIC = b'\x02\x21\x4c\x18'
_LZ4_MAX_BLOCK = (8 << 20) + (8 << 20) // 255 + 16   # LZ4_compressBound(8 MiB)
_ZSTD_MAX_BLOCK = 128 << 10  # Block_Maximum_Size (RFC 8878 3.1.1.2): no block holds more

_MODULE = re.compile(r'^(.+)\.ko(?:\.(?:xz|zst|gz))?$')
_MODULE_DIRS = ('usr/lib/modules/', 'lib/modules/')
_FIRMWARE_DIRS = ('usr/lib/firmware/', 'lib/firmware/')
_MODULES_TXT = ('usr/lib/dracut/modules.txt', 'lib/dracut/modules.txt')
_DRACUT_DIRS = ('usr/lib/dracut/', 'lib/dracut/')
_DRACUT_FILES = ('usr/lib/dracut', 'lib/dracut', 'usr/lib/dracut-lib.sh', 'lib/dracut-lib.sh')
_ITOOLS_FILES = ('conf/initramfs.conf', 'scripts/init-top')
_PROGRAMS = {
    'zstd': ['zstd', '-dcq'],
    'lz4': ['lz4', '-dcq'],
    'xz': ['xz', '-dcq', '--format=xz', '--single-stream', '-M', '256MiB'],
    'lzma': ['xz', '-dcq', '--format=lzma', '--single-stream', '-M', '256MiB'],
    'bzip2': ['bzip2', '-dcq'],
}


class InitramfsError(HostReadError):
    """The image cannot be listed: the message names the image and what is wrong with it.

    ``path`` is the image, ``offset`` the file offset of the problem when one is known.
    """

    def __init__(self, message, path=None, offset=None):
        super(InitramfsError, self).__init__(message)
        self.path = path
        self.offset = offset


def detect_compression(head):
    """Name what starts with the bytes ``head``: 'cpio', a compression, or None."""
    if not head:
        return None
    for magic, name in _MAGICS:
        if head.startswith(magic):
            return name
    if _BZIP2.match(head):
        return 'bzip2'
    return None


def normalise_module_name(path):
    """The kernel's name for the module file ``path`` (``megaraid_sas`` for
    ``.../megaraid/megaraid_sas.ko.xz``, ``-`` read as ``_``), None when it is not a module."""
    if not path:
        return None
    base = path.rstrip('/').rsplit('/', 1)[-1]
    match = _MODULE.match(base)
    if not match:
        return None
    return match.group(1).replace('-', '_')


def list_image(path, members=False, kernel=None, required=None):
    """List the initramfs image ``path`` without unpacking it (see the module docstring).

    ``kernel`` and ``required`` (module names as normalise_module_name gives them; may be
    empty) ask for an early stop: once every required module has been seen under
    (usr/)lib/modules/KERNEL/ (and that directory at all), entries are no longer collected; the
    image is still decoded and its cpio headers checked to the end (module docstring), so the
    result raises exactly when a full scan raises. Ignored with ``members``.

    Returns a dict:
      path, size (bytes of the file);
      segments: [{'offset', 'compression', 'entries'}] in file order, e.g. an uncompressed
        early cpio ('cpio') then the zstd main archive;
      compression: that of the last (main) segment; early_cpio: an uncompressed cpio precedes it;
      entries: cpio entries of all segments (trailers not counted);
      modules: sorted unique module names (normalise_module_name) under (usr/)lib/modules/
        (any kernel; paths with a '..' component are not counted anywhere: normalise_member);
      modules_by_kernel: {kernel release: sorted module names under (usr/)lib/modules/KVER/} -
        what counts as present for that kernel (modules_for_kernel);
      firmware: sorted paths under (usr/)lib/firmware/, relative to it, of everything that is not
        a directory (files and symlinks), compression suffix kept;
      dracut_modules: sorted lines of usr/lib/dracut/modules.txt, None without it;
      generator: 'dracut' ((usr/)lib/dracut/ or dracut-lib.sh present, or else dracut's
        early_cpio marker), 'initramfs-tools' (conf/initramfs.conf or scripts/init-top/), or None;
      kernel_versions: sorted directory names directly under (usr/)lib/modules/;
      members: only when ``members`` is true: every entry's path in archive order (all
        segments), with a leading ``./`` or ``/`` removed (the root entry is '.');
      scan: 'full' (every entry collected) or 'stopped_early' (entries collected up to the
        required modules; either way every segment is decoded and checked to its end);
      complete_by: how the image was checked after the stop: 'read_to_end' for a full scan,
        'decoded_to_end' (the stop came in a compressed segment: decoded to its end, headers
        checked) or 'cpio_headers' (in an uncompressed archive: headers walked to its trailer,
        data skipped by seeking).
    After an early stop, modules, modules_by_kernel, firmware, kernel_versions, dracut_modules
    and generator hold only what was seen before the stop; entries (every segment's too) is
    counted to the end as in a full scan.
    Raises InitramfsError for anything that is not a complete, readable initramfs.
    """
    stop = None
    if kernel is not None and required is not None and not members:
        stop = (kernel, required)
    return _Lister(path, members, stop).run()


def _clean(name):
    while name.startswith('./'):
        name = name[2:]
    name = name.lstrip('/')
    return name or '.'


def normalise_member(name):
    """An archive member's path as the kernel unpacks it, for deciding what it is: '.' and
    empty components dropped; None when a component is '..' (such a path can land anywhere,
    so it counts for nothing - not as a module, firmware or generator marker)."""
    parts = [part for part in _clean(name).split('/') if part not in ('', '.')]
    if '..' in parts:
        return None
    return '/'.join(parts) or '.'


def modules_for_kernel(listing, kver):
    """The module names an image listing holds for kernel ``kver``: only those under
    ``(usr/)lib/modules/KVER/`` - a module of another kernel's directory is no use to this one
    (modprobe looks in /lib/modules/$(uname -r) only)."""
    return set((listing.get('modules_by_kernel') or {}).get(kver) or ())


if _PY3:
    def _text(raw):
        return raw.decode('utf-8', 'replace')
else:
    def _text(raw):
        return raw


def _hex(data):
    return ' '.join('%02x' % byte for byte in bytearray(data))


def _shown(raw):
    """An entry name as an error message shows it: quoted, escaped, at most 200 characters."""
    text = _text(raw)
    return repr(text[:200]) + ('...' if len(text) > 200 else '')


def _bad_field(header):
    """What is wrong with a newc header whose fields are not all hexadecimal."""
    for index, name in enumerate(_FIELDS):
        field = header[6 + 8 * index:14 + 8 * index]
        if not _HEX8.match(field):
            return 'its %s field %r is not hexadecimal (expected 8 ASCII hex digits)' % (name, _text(field))
    return 'a field is not hexadecimal'


def _cpus():
    """How many CPUs this process may run on."""
    affinity = getattr(os, 'sched_getaffinity', None)  # (Python 3.3+)
    try:
        if affinity is not None:
            return len(affinity(0))
        return os.sysconf('SC_NPROCESSORS_ONLN')
    except (OSError, ValueError):
        return 1


def _which(name):
    """Full path of the program ``name`` on PATH or in the usual directories, or None."""
    dirs = os.environ.get('PATH', '').split(os.pathsep) + list(PROGRAM_DIRS)
    for directory in dirs:
        if not directory:
            continue
        full = os.path.join(directory, name)
        if os.path.isfile(full) and os.access(full, os.X_OK):
            return full
    return None


class _Listing(object):
    """What the entries of all segments add up to."""

    def __init__(self, want_members):
        self.modules = set()
        self.modules_by_kernel = {}
        self.firmware = set()
        self.kernel_versions = set()
        self.modules_txt = None
        self.dracut = False
        self.itools = False
        self.early_marker = False
        self.members = [] if want_members else None
        self.name_bytes = 0
        self.watch_kernel = None  # early stop: the kernel whose required modules are waited for
        self.pending = None       # ... and those of them not seen yet
        self.kernel_seen = False

    def watch(self, kernel, required):
        self.watch_kernel = kernel
        self.pending = set(required)

    def satisfied(self):
        """Every module waited for has been seen in its kernel's directory (which exists)."""
        return self.pending is not None and not self.pending and self.kernel_seen

    def wants(self, name, mode, filesize):
        """True when the data of this entry is to be read (only dracut's modules.txt)."""
        return filesize <= SMALL_FILE and stat.S_ISREG(mode) and _clean(name) in _MODULES_TXT

    def add(self, raw, mode, data):
        self.name_bytes += len(raw)
        name = _clean(_text(raw))
        if self.members is not None:
            self.members.append(name)
        name = normalise_member(name)
        if name is None:
            return
        if 'lib/' in name:
            self._lib_entry(name, mode, data)
        if name in _ITOOLS_FILES or name.startswith('scripts/init-top/'):
            self.itools = True
        elif name == 'early_cpio':
            self.early_marker = True

    def _lib_entry(self, name, mode, data):
        if name.startswith(_MODULE_DIRS):
            rest = name.split('modules/', 1)[1]
            parts = rest.split('/', 1)
            if len(parts) == 2 or stat.S_ISDIR(mode):
                self.kernel_versions.add(parts[0])
                if parts[0] == self.watch_kernel:
                    self.kernel_seen = True
            if len(parts) == 2 and not stat.S_ISDIR(mode):
                module = normalise_module_name(parts[1])
                if module:
                    self.modules.add(module)
                    self.modules_by_kernel.setdefault(parts[0], set()).add(module)
                    if self.pending and parts[0] == self.watch_kernel:
                        self.pending.discard(module)
        elif name.startswith(_FIRMWARE_DIRS):
            rest = name.split('firmware/', 1)[1]
            if rest and not stat.S_ISDIR(mode):
                self.firmware.add(rest)
        elif name.startswith(_DRACUT_DIRS) or name in _DRACUT_FILES:
            self.dracut = True
            if data is not None and name in _MODULES_TXT:
                text = _text(data)
                self.modules_txt = sorted(set(line.strip() for line in text.splitlines() if line.strip()))

    def generator(self):
        if self.dracut:
            return 'dracut'
        if self.itools:
            return 'initramfs-tools'
        if self.early_marker:
            return 'dracut'
        return None


class _Stream(object):
    """A working buffer over an iterator of byte chunks: fill, take and skip without copying
    the data skipped. ``buf[pos:]`` is what is not consumed yet; ``base`` is the stream offset
    of ``buf[0]``."""

    def __init__(self, chunks, count=None, seek=None):
        self._chunks = iter(chunks)
        self._count = count  # called with the size of every chunk (a cap on decompressed bytes)
        self._seek = seek    # skips n bytes of the source without reading them, returns how many it skipped
        self.buf = b''
        self.pos = 0
        self.base = 0
        self.done = False

    def tell(self):
        return self.base + self.pos

    def available(self):
        return len(self.buf) - self.pos

    def _next(self):
        while not self.done:
            try:
                chunk = next(self._chunks)
            except StopIteration:
                self.done = True
                break
            if chunk:
                if self._count is not None:
                    self._count(len(chunk))
                return chunk
        return None

    def fill(self, size):
        """Make ``size`` bytes available at ``pos``; False when the stream ends first."""
        while len(self.buf) - self.pos < size:
            chunk = self._next()
            if chunk is None:
                return False
            self.base += self.pos
            if self.pos < len(self.buf):
                self.buf = self.buf[self.pos:] + chunk
            else:
                self.buf = chunk
            self.pos = 0
        return True

    def take(self, size):
        """The next ``size`` bytes, consumed; None when the stream ends first."""
        if not self.fill(size):
            return None
        data = self.buf[self.pos:self.pos + size]
        self.pos += size
        return data

    def skip(self, size):
        """Consume ``size`` bytes; False (having consumed all there was) when the stream ends first."""
        avail = len(self.buf) - self.pos
        if size <= avail:
            self.pos += size
            return True
        size -= avail
        self.base += len(self.buf)
        self.buf = b''
        self.pos = 0
        if self._seek is not None:  # a file: seek over the data instead of reading it
            skipped = self._seek(size)
            self.base += skipped
            if skipped < size:
                self.done = True
                return False
            return True
        while True:
            chunk = self._next()
            if chunk is None:
                return False
            if len(chunk) > size:
                self.buf = chunk
                self.pos = size
                return True
            size -= len(chunk)
            self.base += len(chunk)
            if not size:
                return True

    def skip_zeros(self):
        """Consume zero bytes; False when the stream ends before anything else."""
        while True:
            match = _NONZERO.search(self.buf, self.pos)
            if match:
                self.pos = match.start()
                return True
            self.base += len(self.buf)
            self.buf = b''
            self.pos = 0
            chunk = self._next()
            if chunk is None:
                return False
            self.buf = chunk


class _FileChunks(object):
    """The bytes of the image from ``offset`` to its end."""

    end = None

    def __init__(self, lister, offset):
        self.lister = lister
        self.offset = offset

    def __iter__(self):
        handle = self.lister.handle
        handle.seek(self.offset)
        while True:
            data = self.lister.read(READ_SIZE)
            if not data:
                return
            yield data

    def skip(self, size):
        """Move ``size`` bytes on (at most to the end of the file); how many bytes that was."""
        handle = self.lister.handle
        try:
            here = handle.tell()
            size = max(0, min(size, self.lister.size - here))
            handle.seek(size, os.SEEK_CUR)
        except (IOError, OSError) as exc:
            raise self.lister.error('cannot read: %s' % (exc.strerror or exc))
        return size

    def close(self):
        pass


def _py2_ended(decomp):
    """Whether a Python 2 zlib / bz2 decompressor (no eof attribute) has seen its end marker:
    a byte fed after the end is left over (zlib) or refused (bz2)."""
    try:
        decomp.decompress(b'\x00')
    except EOFError:
        return True
    except Exception:
        return False
    return bool(decomp.unused_data)


class _Decompressed(object):
    """A gzip, xz, lzma or bzip2 stream decoded in-process; ``end`` is the file offset just
    past the stream once it has been read to its end marker."""

    def __init__(self, lister, kind, offset):
        self.lister = lister
        self.kind = kind
        self.offset = offset
        self.end = None

    def _decompressor(self):
        if self.kind == 'gzip':
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self.kind == 'xz':
            return lzma.LZMADecompressor(format=lzma.FORMAT_XZ, memlimit=LZMA_MEMLIMIT)
        if self.kind == 'lzma':
            return lzma.LZMADecompressor(format=lzma.FORMAT_ALONE, memlimit=LZMA_MEMLIMIT)
        return bz2.BZ2Decompressor()  # (both imported by _Lister._decoder)

    def _call(self, func, *args):
        try:
            return func(*args)
        except Exception as exc:  # zlib.error, LZMAError, OSError, EOFError, ValueError ...
            if 'emory usage limit' in str(exc):
                raise self.lister.error('the %s stream that starts at offset %d needs more than %d bytes of memory to '
                                        'decode (its header asks for a larger dictionary: no real initramfs does)'
                                        % (self.kind, self.offset, LZMA_MEMLIMIT), self.offset)
            raise self.lister.error('corrupt %s stream (it starts at offset %d): %s'
                                    % (self.kind, self.offset, exc), self.offset)

    def __iter__(self):
        lister = self.lister
        lister.handle.seek(self.offset)
        decomp = self._decompressor()
        used = 0
        while True:
            data = lister.read(INPUT_SIZE)
            if not data:
                ended = getattr(decomp, 'eof', None)
                if ended is None:  # Python 2
                    ended = _py2_ended(decomp)
                if not ended:
                    raise lister.error('truncated: the %s stream that starts at offset %d ends without its end marker'
                                       % (self.kind, self.offset), lister.size)
                self.end = self.offset + used
                return
            used += len(data)
            unused = None
            if self.kind == 'gzip':
                out = self._call(decomp.decompress, data, OUTPUT_SIZE)
                if out:
                    yield out
                # (after the end marker, CPython leaves the rest in unconsumed_tail as well)
                while decomp.unconsumed_tail and not getattr(decomp, 'eof', decomp.unused_data):
                    out = self._call(decomp.decompress, decomp.unconsumed_tail, OUTPUT_SIZE)
                    if out:
                        yield out
            elif _MAX_LENGTH:
                out = self._call(decomp.decompress, data, OUTPUT_SIZE)
                if out:
                    yield out
                while not decomp.eof and not decomp.needs_input:
                    out = self._call(decomp.decompress, b'', OUTPUT_SIZE)
                    if out:
                        yield out
            else:  # Python 2 bz2: no bounded output, so tiny pieces (_PY2_BZ2_PIECE)
                for start in range(0, len(data), _PY2_BZ2_PIECE):
                    piece = data[start:start + _PY2_BZ2_PIECE]
                    try:
                        out = decomp.decompress(piece)
                    except EOFError:  # the stream ended exactly at the previous piece
                        unused = data[start:]
                        break
                    except Exception as exc:
                        raise lister.error('corrupt %s stream (it starts at offset %d): %s'
                                           % (self.kind, self.offset, exc), self.offset)
                    if out:
                        yield out
                    if decomp.unused_data:
                        unused = decomp.unused_data + data[start + len(piece):]
                        break
            if unused is None:
                ended = getattr(decomp, 'eof', None)
                unused = decomp.unused_data
                if ended is None:
                    ended = bool(unused)
                if not ended:
                    continue
            self.end = self.offset + used - len(unused)
            return

    def close(self):
        pass


def _retry(func, *args):
    """``func(*args)``, again when a signal interrupts it (Python 2; Python 3.5+ retries itself)."""
    while True:
        try:
            return func(*args)
        except OSError as exc:
            if exc.errno != errno.EINTR:
                raise


def _wait(pid):
    """Reap the child ``pid``: its exit status, or minus the signal that ended it."""
    status = _retry(os.waitpid, pid, 0)[1]
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _scratch_file():
    """An unnamed file, as a descriptor, for a program's stderr: not a pipe, so a chatty program
    cannot block on it. O_TMPFILE (Linux 3.11+, Python 3.4+) costs one call; the tempfile module,
    imported only without it, takes milliseconds."""
    flag = getattr(os, 'O_TMPFILE', None)
    if flag:
        for directory in (os.environ.get('TMPDIR'), '/tmp', '/var/tmp'):
            if directory:
                try:
                    return os.open(directory, flag | os.O_RDWR, 0o600)
                except OSError:
                    pass
    import tempfile
    handle = tempfile.TemporaryFile()
    try:
        return os.dup(handle.fileno())
    finally:
        handle.close()


def _child_fds(fds, keep):
    """In a forked child: ``fds`` become 0, 1, 2 and every other descriptor but ``keep`` is
    closed (what subprocess's close_fds does; subprocess itself is not imported: it and what it
    pulls in take longer than the rest of a listing's start)."""
    import fcntl
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 3) for fd in fds]  # (a pipe may have got 0, 1 or 2)
    for target, fd in enumerate(high):
        os.dup2(fd, target)  # the copy is inheritable
    try:
        opened = [int(name) for name in os.listdir('/proc/self/fd')]
    except (OSError, ValueError):
        opened = range(3, 1024)
    for fd in opened:
        if fd > 2 and fd != keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _spawn(exe, argv, env, fds):
    """Run ``exe`` with ``fds`` as its stdin, stdout and stderr; return its pid, or raise OSError
    when it cannot be run (the child reports a failed exec through a close-on-exec pipe)."""
    import fcntl
    ready, report = os.pipe()
    fcntl.fcntl(report, fcntl.F_SETFD, fcntl.FD_CLOEXEC)  # (Python 2's pipes are inheritable)
    try:
        pid = os.fork()
    except OSError:
        os.close(ready)
        os.close(report)
        raise
    if pid == 0:  # the child: exec, or report why not, and never return
        code = 0
        try:
            os.close(ready)
            _child_fds(fds, report)
            os.execve(exe, argv, env)
        except OSError as exc:
            code = exc.errno or 0
        finally:
            try:
                os.write(report, ('%d' % code).encode('ascii'))
            finally:
                os._exit(127)
    os.close(report)
    try:
        failed = b''
        while True:
            data = _retry(os.read, ready, 64)
            if not data:
                break
            failed += data
    finally:
        os.close(ready)
    if failed:
        _wait(pid)
        code = int(failed) or errno.ENOEXEC
        raise OSError(code, os.strerror(code))
    return pid


def _feed(path, offset, length, pipe, others):
    """Fork a child that writes ``length`` bytes of ``path`` from ``offset`` into ``pipe`` and
    exits (closing ``others`` first); return its pid. It stops early, quietly, when the reader
    is gone (EPIPE: Python ignores SIGPIPE)."""
    pid = os.fork()
    if pid == 0:
        try:
            for fd in others:
                os.close(fd)
            source = os.open(path, os.O_RDONLY)
            os.lseek(source, offset, os.SEEK_SET)
            left = length
            while left > 0:
                data = _retry(os.read, source, min(READ_SIZE, left))
                if not data:
                    break
                left -= len(data)
                while data:
                    data = data[_retry(os.write, pipe, data):]
        finally:
            os._exit(0)
    return pid


class _Program(object):
    """A stream decoded by a program (zstd, lz4, xz, or lzma / bzip2 without the Python module)
    that reads the image from ``offset``: to its end, or ``length`` bytes fed through a pipe
    when the stream's end is known and something follows it."""

    def __init__(self, lister, kind, offset, length=None, hint=None, options=(), truncated=None):
        self.lister = lister
        self.truncated = truncated  # why the stream is known to be cut short, when it is
        self.options = options  # added to the program's arguments
        self.hint = hint
        self.kind = kind
        self.offset = offset
        self.length = length
        self.end = None if length is None else offset + length
        self.pid = None
        self.feeder = None  # pid of the child feeding ``length`` bytes
        self.out = None     # the read end of the program's stdout
        self.errors = None  # its stderr: an unnamed file

    def _start(self, exe, argv):
        lister = self.lister
        env = dict(os.environ)
        env['LC_ALL'] = 'C'
        self.errors = _scratch_file()
        feed = None
        if self.length is None:
            stdin = os.open(lister.path, os.O_RDONLY)
            os.lseek(stdin, self.offset, os.SEEK_SET)
        else:
            stdin, feed = os.pipe()
        try:
            self.out, stdout = os.pipe()
            try:
                self.pid = _spawn(exe, argv, env, (stdin, stdout, self.errors))
            finally:
                os.close(stdout)
        finally:
            os.close(stdin)
        if feed is not None:
            try:
                self.feeder = _feed(lister.path, self.offset, self.length, feed, (self.out, self.errors))
            finally:
                os.close(feed)

    def __iter__(self):
        lister = self.lister
        argv = list(_PROGRAMS[self.kind]) + list(self.options)
        exe = _which(argv[0])
        if exe is None:
            raise lister.error('the %s program is missing: it is needed to decompress the %s stream that starts at offset %d'
                               ' (install %s)' % (argv[0], self.kind, self.offset, argv[0]), self.offset)
        argv[0] = exe
        try:
            self._start(exe, argv)
        except (IOError, OSError) as exc:
            raise lister.error('cannot run %s: %s' % (exe, exc.strerror or exc), self.offset)
        while True:
            try:
                data = _retry(os.read, self.out, PIPE_READ_SIZE)
            except OSError as exc:
                raise lister.error('cannot read the output of %s: %s' % (exe, exc.strerror or exc), self.offset)
            if not data:
                break
            yield data
        status = _wait(self.pid)
        self.pid = None
        if self.feeder is not None:
            _wait(self.feeder)
            self.feeder = None
        if status != 0 and self.truncated:
            raise lister.error('truncated: the %s stream that starts at offset %d ends without its end marker (%s; %s exited '
                               'with status %s%s)' % (self.kind, self.offset, self.truncated, os.path.basename(exe), status,
                                                      self._stderr_tail()), lister.size)
        if status != 0:
            raise lister.error('corrupt %s stream (it starts at offset %d%s): %s exited with status %s%s'
                               % (self.kind, self.offset, '; ' + self.hint if self.hint else '',
                                  os.path.basename(exe), status, self._stderr_tail()), self.offset)

    def _stderr_tail(self):
        try:
            size = os.lseek(self.errors, 0, os.SEEK_END)
            os.lseek(self.errors, max(0, size - 600), os.SEEK_SET)  # only the tail, however chatty the program
            text = os.read(self.errors, 600).decode('utf-8', 'replace').strip()
        except (IOError, OSError, ValueError):
            return ''
        return ': ' + ' / '.join(text.splitlines()) if text else ''

    def close(self):
        """Stop and reap what is still running (after an error), close the descriptors."""
        for name in ('pid', 'feeder'):
            pid = getattr(self, name)
            if pid is not None:
                try:
                    os.kill(pid, 9)  # SIGKILL (the signal module is not imported for its number)
                except OSError:
                    pass
                _wait(pid)
                setattr(self, name, None)
        for name in ('out', 'errors'):
            fd = getattr(self, name)
            if fd is not None:
                os.close(fd)
                setattr(self, name, None)


class _Lister(object):
    """One listing of one image."""

    def __init__(self, path, want_members, stop=None):
        self.path = path
        self.handle = None
        self.size = 0
        self.listing = _Listing(want_members)
        self.unpacked = 0
        self.entries = 0
        self.stop = stop is not None  # early stop asked for (list_image's kernel and required)
        if stop is not None:
            self.listing.watch(stop[0], stop[1])
        self.collecting = True        # entries still go into the listing (False after an early stop)
        self.complete_by = None       # after an early stop: how the rest of the image was checked

    def error(self, problem, offset=None):
        return InitramfsError('%s: %s' % (self.path, problem), self.path, offset)

    def _count_unpacked(self, size):
        self.unpacked += size
        if self.unpacked > MAX_UNPACKED:
            raise self.error('its compressed archives unpack to more than %d bytes, the most this collection reads: no '
                             'real initramfs is that large (a decompression bomb?)' % MAX_UNPACKED)

    def read(self, size):
        try:
            return self.handle.read(size)
        except (IOError, OSError) as exc:
            raise self.error('cannot read: %s' % (exc.strerror or exc))

    def run(self):
        try:
            info = os.stat(self.path)
            if not stat.S_ISREG(info.st_mode):  # (and a FIFO would block the open)
                raise self.error('not a regular file')
            self.handle = open(self.path, 'rb')
        except (IOError, OSError) as exc:
            raise self.error('cannot open: %s' % (exc.strerror or exc))
        try:
            self.size = os.fstat(self.handle.fileno()).st_size
            if self.size == 0:
                raise self.error('empty file, not an initramfs')
            segments = self._segments()
        finally:
            self.handle.close()
        return self._result(segments)

    def _result(self, segments):
        listing = self.listing
        result = {
            'path': self.path,
            'size': self.size,
            'segments': segments,
            'compression': segments[-1]['compression'],
            'early_cpio': any(seg['compression'] == 'cpio' for seg in segments[:-1]),
            'entries': sum(seg['entries'] for seg in segments),
            'modules': sorted(listing.modules),
            'modules_by_kernel': dict((kver, sorted(names)) for kver, names in listing.modules_by_kernel.items()),
            'firmware': sorted(listing.firmware),
            'dracut_modules': listing.modules_txt,
            'generator': listing.generator(),
            'kernel_versions': sorted(listing.kernel_versions),
        }
        if listing.members is not None:
            result['members'] = listing.members
        result['scan'] = 'full' if self.complete_by is None else 'stopped_early'
        result['complete_by'] = self.complete_by or 'read_to_end'
        return result

    def _skip_zeros(self, offset):
        """The offset of the first non-zero byte at or after ``offset`` (the size at the end)."""
        self.handle.seek(offset)
        while True:
            data = self.read(64 << 10)
            if not data:
                return self.size
            match = _NONZERO.search(data)
            if match:
                return offset + match.start()
            offset += len(data)

    def _segments(self):
        segments = []
        offset = 0
        while True:
            offset = self._skip_zeros(offset)
            if offset >= self.size:
                break
            self.handle.seek(offset)
            head = self.read(16)
            kind = detect_compression(head)
            if kind is None:
                raise self._unknown(head, offset, segments)
            if kind == 'cpio':
                source = _FileChunks(self, offset)
                stream = _Stream(source, None, source.skip)
            else:
                source = self._decoder(kind, offset)
                stream = _Stream(source, self._count_unpacked)
            try:
                entries, used = self._parse(stream, kind, offset)
            finally:
                source.close()
            segments.append({'offset': offset, 'compression': kind, 'entries': entries})
            if kind == 'cpio':
                offset += used
            elif source.end is None:
                break  # decoded to the end of the file
            else:
                offset = source.end
        if not segments:
            raise self.error('only zero bytes, no cpio archive')
        return segments

    def _unknown(self, head, offset, segments):
        for magic, what in _UNSUPPORTED:
            if head.startswith(magic):
                return self.error('%s at offset %d' % (what, offset), offset)
        shown = _hex(head[:8])
        if not segments:
            return self.error('not an initramfs: no cpio archive or known compression at the start (bytes %s)' % shown, offset)
        return self.error('junk at offset %d after %d archive(s): no cpio archive or known compression there (bytes %s)'
                          % (offset, len(segments), shown), offset)

    def _decoder(self, kind, offset):
        options = ()
        python = _python_module('bz2' if kind == 'bzip2' else 'lzma') if kind in ('bzip2', 'xz', 'lzma') else None
        if kind == 'xz' and python is not None and _cpus() > 1 and _which('xz'):
            # xz -T0 decodes the blocks of a multi-block stream (dracut's xz -T0 writes them) in
            # parallel: twice as fast as the lzma module on two CPUs (measured). (Only where Python
            # has lzma, i.e. a host of this decade: an old xz without threads is left alone.)
            options = ('-T0',)
        elif kind == 'gzip' or python is not None:
            return _Decompressed(self, kind, offset)
        length = None
        if kind == 'zstd':
            end = self._zstd_end(offset)
        elif kind == 'lz4':
            end = self._lz4_end(offset)
        elif kind == 'xz':
            end = self._xz_end(offset)
        else:
            end = None
        if kind == 'lz4' and end is not None and end > self.size:
            return _Program(self, kind, offset, None, hint='its last block runs past the end of the file: truncated?')
        if kind == 'xz' and end is None:
            # (a complete stream has one: the same message as the lzma module's for a cut stream)
            return _Program(self, kind, offset, None, options=options, truncated='no stream footer found')
        if end is not None and end > self.size:
            raise self.error('truncated: the %s stream that starts at offset %d runs past the end of the file'
                             ' (its frames end at offset %d, the file at %d)' % (kind, offset, end, self.size), self.size)
        if end is not None and end < self.size:
            length = end - offset
        return _Program(self, kind, offset, length, options=options)

    def _peek(self, offset, size):
        self.handle.seek(offset)
        return self.read(size)

    def _zstd_end(self, offset):
        """Where the zstd frames starting at ``offset`` end, from their frame and block headers
        (no decoding); past the file's size when they are cut short; None when that cannot be
        told (a reserved block type, or a block larger than the format allows: the program then
        reads to the end of the file and judges)."""
        pos = offset
        while pos + 4 <= self.size:
            magic = self._peek(pos, 4)
            if magic == _ZSTD_MAGIC:
                desc = bytearray(self.read(1))
                if not desc:
                    return pos + 5
                desc = desc[0]
                fcs = (0, 2, 4, 8)[desc >> 6]
                single = (desc >> 5) & 1
                if fcs == 0 and single:
                    fcs = 1
                header = 5 + (0 if single else 1) + (0, 1, 2, 4)[desc & 3] + fcs
                pos += header
                while True:
                    block = self._peek(pos, 3)
                    if len(block) < 3:
                        return pos + 3
                    value = struct.unpack('<I', block + b'\x00')[0]
                    kind = (value >> 1) & 3
                    if kind == 3 or value >> 3 > _ZSTD_MAX_BLOCK:
                        return None
                    pos += 3 + (1 if kind == 1 else value >> 3)
                    if value & 1:
                        break
                if desc & 4:
                    pos += 4
            elif len(magic) == 4 and magic[1:] == b'\x2a\x4d\x18' and bytearray(magic)[0] & 0xf0 == 0x50:
                size = self._peek(pos + 4, 4)
                if len(size) < 4:
                    return pos + 8
                pos += 8 + struct.unpack('<I', size)[0]
            else:
                break
        if pos == offset:
            return None
        return pos

    def _xz_end(self, offset):
        """Where the xz stream starting at ``offset`` ends (for the xz program, which is told to
        stop there): just past its footer, found as the first stream flags of the header followed
        by ``YZ`` with a matching CRC32 before them. None when there is none (the program then
        reads to the end of the file and judges)."""
        flags_yz = self._peek(offset, 12)[6:8] + b'YZ'
        base = offset + 12
        carry = b''
        while True:
            data = self.read(READ_SIZE)
            if not data:
                return None
            buf = carry + data
            index = buf.find(flags_yz, 8)
            while index >= 0:  # the footer: CRC32 of the next 6 bytes, backward size, flags, YZ
                if struct.unpack('<I', buf[index - 8:index - 4])[0] == zlib.crc32(buf[index - 4:index + 2]) & 0xffffffff:
                    return base + index + 4
                index = buf.find(flags_yz, index + 1)
            carry = buf[-11:]
            base += len(buf) - len(carry)

    def _lz4_end(self, offset):
        """Where the lz4 legacy frames starting at ``offset`` end: at the end of the file, or at
        zero padding after the last block. The format has no end marker (the kernel, too, reads
        an lz4 segment to the end of the image), so a walk past the end is only a hint."""
        pos = offset + 4
        while pos + 4 <= self.size:
            word = self._peek(pos, 4)
            if word == _LZ4_MAGIC:
                pos += 4
                continue
            size = struct.unpack('<I', word)[0]
            if size == 0 or size > _LZ4_MAX_BLOCK:
                break
            pos += 4 + size
        return pos

    def _parse(self, stream, kind, offset):
        """Read the cpio archive(s) of one segment. An uncompressed segment is one archive:
        return (entries, bytes it takes) at its trailer. A decompressed stream may hold several
        archives with zero padding between them: read it to its end. Once an early stop's
        required modules are seen, entries are no longer collected (``collecting``), but every
        header is still checked and every byte decoded, exactly as in a full scan."""
        whole = kind != 'cpio'
        if whole:
            def where(pos):
                return 'offset %d of the %s stream that starts at offset %d' % (pos, kind, offset)
        else:
            def where(pos):
                return 'offset %d' % (offset + pos)
        listing = self.listing
        entries = 0
        if whole and not stream.skip_zeros():
            raise self.error('the %s stream that starts at offset %d holds no cpio archive' % (kind, offset), offset)
        start = stream.tell()
        while True:
            if not stream.fill(_HEADER):
                if stream.available():
                    raise self.error('truncated: the cpio header at %s is cut short' % where(stream.tell()))
                raise self.error('truncated: no cpio trailer (TRAILER!!!) at the end of the archive that starts at %s'
                                 ' (%d entries read)' % (where(start), entries))
            buf = stream.buf
            pos = stream.pos
            magic = buf[pos:pos + 6]
            if magic != _NEWC and magic != _CRC:
                raise self.error('bad cpio magic (bytes %s) at %s, expected 070701 or 070702'
                                 % (_hex(magic), where(stream.tell())))
            if not _HEX.match(buf, pos + 6):
                raise self.error('bad cpio header at %s: %s' % (where(stream.tell()), _bad_field(buf[pos:pos + _HEADER])))
            mode = int(buf[pos + 14:pos + 22], 16)
            filesize = int(buf[pos + 54:pos + 62], 16)
            namesize = int(buf[pos + 94:pos + 102], 16)
            if namesize < 1 or namesize > MAX_NAME_SIZE:
                raise self.error('bad cpio header at %s: name size %d, expected 1 to %d'
                                 % (where(stream.tell()), namesize, MAX_NAME_SIZE))
            if not stream.fill(_HEADER + namesize):
                raise self.error('truncated: the name in the cpio header at %s is cut short' % where(stream.tell()))
            buf = stream.buf
            pos = stream.pos
            end = pos + _HEADER + namesize - 1
            if buf[end:end + 1] != b'\x00':
                raise self.error('bad cpio header at %s: the name does not end with a NUL byte' % where(stream.tell()))
            raw = buf[pos + _HEADER:end].split(b'\x00', 1)[0]  # the kernel reads the name as a C string
            here = stream.tell()
            whole_head = stream.skip((_HEADER + namesize + 3) & ~3)
            if raw == _TRAILER:
                if not whole:
                    return entries, stream.tell()
                if not stream.skip_zeros():
                    return entries, stream.tell()
                if not stream.fill(6) or stream.buf[stream.pos:stream.pos + 5] != b'07070':
                    raise self.error('junk at %s after a cpio trailer' % where(stream.tell()))
                start = stream.tell()
                continue
            if not whole_head:
                raise self.error('truncated: the cpio entry at %s is cut short after its name' % where(here))
            data = None
            pad = (4 - filesize % 4) % 4
            if self.collecting and filesize <= SMALL_FILE and raw.endswith(b'/modules.txt') and \
                    listing.wants(_text(raw), mode, filesize):
                data = stream.take(filesize)
                complete = data is not None
                stream.skip(pad)
            else:
                data_start = stream.tell()
                complete = stream.skip(filesize + pad) or stream.tell() - data_start >= filesize
            if not complete:
                raise self.error('truncated: the data of %s (%d bytes, entry at %s) is cut short'
                                 % (_shown(raw), filesize, where(here)))
            if self.collecting:
                listing.add(raw, mode, data)
                if self.stop and listing.satisfied():
                    self.collecting = False
                    self.complete_by = 'decoded_to_end' if whole else 'cpio_headers'
            entries += 1
            self.entries += 1
            if self.entries > MAX_ENTRIES or listing.name_bytes > MAX_NAME_BYTES:
                raise self.error('more than %d entries or %d bytes of names (entry at %s): no real initramfs holds that '
                                 'many' % (MAX_ENTRIES, MAX_NAME_BYTES, where(here)))
