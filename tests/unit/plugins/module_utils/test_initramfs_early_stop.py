"""Early stop (issue 19): once the required drivers are seen, entries are no longer collected,
but the image is still decoded and its cpio headers checked to the end - so every image, complete,
truncated or damaged, gets exactly the verdict and the error message of a full scan.

Images are made here with the real cpio and compressors (helpers of test_initramfs)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import glob
import os
import struct
import subprocess

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import initramfs
from ansible_collections.fleetfix.kernel.plugins.module_utils.initramfs import InitramfsError, list_image

from test_initramfs import (  # the same trees and the same programs as the listing's own tests
    COMPRESSORS, DRACUT_SYMLINKS, DRACUT_TREE, EARLY_TREE, FIXTURES, ITOOLS_TREE, KVER, compress, cpio, image,
    need, newc)

REQUIRED = ['virtio_blk', 'ext4']
# After the modules (usr/lib/modules sorts before usr/share) a large part the early stop no longer
# collects: 12 MiB of zeros (two 8 MiB blocks in lz4's legacy format, the modules in the first) and
# 256 KiB of random bytes, which every compressor but bzip2 stores as they are (a flipped byte there
# is seen only by the checksum at the end of the frame, block or member).
RANDOM = os.urandom(256 << 10)
BIG_TREE = dict(DRACUT_TREE)
BIG_TREE['usr/share/big'] = b'\x00' * (12 << 20)
BIG_TREE['usr/share/random'] = RANDOM
KINDS = sorted(COMPRESSORS)  # bzip2, gzip, lz4, lzma, xz, zstd
# the four formats kernels are built to unpack most, for the damage the cpio structure alone shows
CUT_KINDS = ['gzip', 'lz4', 'xz', 'zstd']


def complete_by(kind):
    return 'cpio_headers' if kind == 'cpio' else 'decoded_to_end'


def verdict(path, stop, required=None, kver=KVER):
    """What the boot-readiness verdict reads off an image: the error, or which required drivers it lacks."""
    required = REQUIRED if required is None else required
    try:
        if stop:
            result = list_image(path, kernel=kver, required=required)
        else:
            result = list_image(path)
    except InitramfsError as exc:
        return ('not ready', str(exc))
    held = initramfs.modules_for_kernel(result, kver)
    lacking = sorted(name for name in required if name not in held)
    other = bool(result['kernel_versions']) and kver not in result['kernel_versions']
    return ('ready' if not lacking and not other else 'not ready', lacking, other)


def both(path, required=None, kver=KVER):
    full, early = verdict(path, False, required, kver), verdict(path, True, required, kver)
    assert early == full, path
    return full


def stream_of(kind, data):
    return data if kind == 'cpio' else compress(kind, data)


def after_the_drivers(archive):
    """The archive offset just past the data of the last required driver (ext4 sorts after virtio_blk's directory)."""
    header = archive.rindex(b'070701', 0, archive.index(b'/ext4.ko.zst\x00'))
    size, namesize = int(archive[header + 54:header + 62], 16), int(archive[header + 94:header + 102], 16)
    return ((header + 110 + namesize + 3) & ~3) + size


def trailer_of(archive):
    """The offset of the archive's TRAILER!!! header."""
    return archive.rindex(b'TRAILER!!!') - 110


@pytest.fixture(scope='module')
def big_cpio(tmp_path_factory):
    return cpio(tmp_path_factory.mktemp('big'), BIG_TREE, DRACUT_SYMLINKS)


@pytest.fixture(scope='module')
def early(tmp_path_factory):
    return cpio(tmp_path_factory.mktemp('early'), EARLY_TREE)[0]


@pytest.fixture(scope='module')
def streams(big_cpio):
    """The big archive as each format stores it (made once: compressing 14 MiB takes a moment)."""
    made = {}

    def get(kind):
        if kind not in made:
            made[kind] = stream_of(kind, big_cpio[0])
        return made[kind]
    return get


# ---------------------------------------------------------------- complete READY images

@pytest.mark.parametrize('with_early', [False, True], ids=['alone', 'after-early-cpio'])
@pytest.mark.parametrize('kind', ['cpio'] + KINDS)
def test_stops_early_on_a_complete_image(tmp_path, streams, early, big_cpio, kind, with_early):
    main = streams(kind)
    path = image(tmp_path, 'initrd', early if with_early else b'', main)
    full = list_image(path)
    result = list_image(path, kernel=KVER, required=REQUIRED)
    assert full['scan'] == 'full' and full['complete_by'] == 'read_to_end'
    assert result['scan'] == 'stopped_early'
    assert result['complete_by'] == complete_by(kind)
    assert set(REQUIRED) <= initramfs.modules_for_kernel(result, KVER)
    # decoded and walked to the end all the same: the segments and the entry count are the full scan's
    assert result['segments'] == full['segments'] and result['entries'] == full['entries']
    assert result['early_cpio'] is with_early and result['compression'] == kind
    # only what came before the stop is collected
    assert set(result['modules']) <= set(full['modules']) and result['dracut_modules'] == full['dracut_modules']
    assert both(path) == ('ready', [], False)


def test_no_stop_until_every_driver_is_there(tmp_path, streams):
    """A driver the image lacks (or holds only for another kernel): read to the end, reported as lacking."""
    path = image(tmp_path, 'initrd', streams('zstd'))
    assert list_image(path, kernel=KVER, required=REQUIRED + ['megaraid_sas', 'mpt3sas'])['scan'] == 'full'
    assert both(path, REQUIRED + ['mpt3sas']) == ('not ready', ['mpt3sas'], False)
    assert list_image(path, kernel='6.1.0-99-amd64', required=[])['scan'] == 'full'
    assert both(path, [], '6.1.0-99-amd64')[2] is True  # modules of another kernel only


def test_no_required_driver_stops_at_the_kernel_directory(tmp_path, streams):
    """Every required driver built in: the image only has to hold this kernel's module directory."""
    path = image(tmp_path, 'initrd', streams('xz'))
    assert list_image(path, kernel=KVER, required=[])['scan'] == 'stopped_early'
    assert both(path, []) == ('ready', [], False)


def test_members_asked_for_is_a_full_listing(tmp_path, streams):
    path = image(tmp_path, 'initrd', streams('zstd'))
    assert list_image(path, members=True, kernel=KVER, required=REQUIRED)['scan'] == 'full'


def test_a_segment_after_the_stop_is_still_read(tmp_path, early, streams):
    """The scan stops collecting in the zstd main archive; the gzip archive after it is read as always,
    and junk after it is the same error as in a full scan."""
    extra = compress('gzip', newc([('etc/extra.conf', b'x=1\n')]))
    path = image(tmp_path, 'initrd', early, streams('zstd'), extra)
    result = list_image(path, kernel=KVER, required=REQUIRED)
    assert result['scan'] == 'stopped_early'
    assert [seg['compression'] for seg in result['segments']] == ['cpio', 'zstd', 'gzip']
    assert result['segments'] == list_image(path)['segments']
    assert both(path)[0] == 'ready'
    junk = image(tmp_path, 'junk', early, streams('zstd'), b'junk junk')
    assert 'junk at offset' in both(junk)[1]


def test_xz_streams_one_after_another(tmp_path, big_cpio):
    """Two xz streams, each a whole archive: both decoded to their ends."""
    first = compress('xz', big_cpio[0])
    second = compress('xz', newc([('etc/extra.conf', b'x=1\n')]))
    path = image(tmp_path, 'initrd', first, b'\x00' * 8, second, b'\x00' * 4)
    result = list_image(path, kernel=KVER, required=REQUIRED)
    assert result['scan'] == 'stopped_early'
    assert [seg['entries'] for seg in result['segments']] == [seg['entries'] for seg in list_image(path)['segments']]
    assert result['segments'][1]['entries'] == 1
    assert both(path)[0] == 'ready'


# ---------------------------------------------------------------- what only a decoder or the cpio structure shows

@pytest.mark.parametrize('with_early', [False, True], ids=['alone', 'after-early-cpio'])
@pytest.mark.parametrize('kind', CUT_KINDS + ['bzip2', 'lzma'])
def test_an_archive_cut_before_it_was_compressed(tmp_path, big_cpio, early, kind, with_early):
    """cpio killed, the compressor then closed a valid stream: the container is whole, the archive
    is not (no TRAILER!!!). Cut past the drivers, so the early scan has stopped collecting first."""
    archive = big_cpio[0]
    after, trailer = after_the_drivers(archive), trailer_of(archive)
    big = archive.index(b'usr/share/big\x00') + 200
    cuts = [after + 1, after + 4099, big + (8 << 20), trailer - 1, trailer + 50, trailer + 115]
    for cut in cuts:
        assert cut > after
        path = image(tmp_path, 'cut-%d' % cut, early if with_early else b'', compress(kind, archive[:cut]))
        full = both(path)
        assert full[0] == 'not ready' and 'truncated' in full[1], (cut, full)
        os.remove(path)
    whole = image(tmp_path, 'whole', early if with_early else b'', compress(kind, archive[:trailer + 124]))
    assert both(whole) == ('ready', [], False)  # cut in the zero padding after the trailer: complete
    assert list_image(whole, kernel=KVER, required=REQUIRED)['scan'] == 'stopped_early'


@pytest.mark.parametrize('with_early', [False, True], ids=['alone', 'after-early-cpio'])
@pytest.mark.parametrize('kind', CUT_KINDS)
def test_frames_cut_exactly_at_a_boundary(tmp_path, big_cpio, early, kind, with_early):
    """The archive split over two frames (zstd, lz4 legacy), streams (xz) or members (gzip) past the
    drivers, and the file cut exactly after the first: every frame is whole, the archive is not."""
    archive = big_cpio[0]
    half = archive.index(b'usr/share/big\x00') + (6 << 20)
    assert half > after_the_drivers(archive)
    first, second = compress(kind, archive[:half]), compress(kind, archive[half:])
    prefix = early if with_early else b''
    cut = image(tmp_path, 'cut', prefix, first)
    assert both(cut)[0] == 'not ready' and 'truncated' in both(cut)[1]
    cut_padded = image(tmp_path, 'cut-padded', prefix, first, b'\x00' * 4096)
    assert both(cut_padded)[0] == 'not ready'
    whole = image(tmp_path, 'whole', prefix, first, second)
    if kind in ('zstd', 'lz4'):  # their decoders read frame after frame as one stream, as the kernel does
        assert both(whole) == ('ready', [], False)
        assert list_image(whole, kernel=KVER, required=REQUIRED)['scan'] == 'stopped_early'
    else:  # one archive over two xz streams or gzip members: the kernel, too, stops at "junk at the end"
        assert both(whole)[0] == 'not ready'


def raw_offset(kind, stream):
    """Where a piece of the random file sits, stored as is, in the compressed ``stream``."""
    piece = RANDOM[100 << 10:(100 << 10) + 64]
    at = stream.find(piece)
    assert at > 0, kind
    return at


@pytest.mark.parametrize('with_early', [False, True], ids=['alone', 'after-early-cpio'])
@pytest.mark.parametrize('kind', CUT_KINDS)
def test_damage_only_the_checksum_shows_past_the_stop(tmp_path, streams, early, kind, with_early):
    """64 bytes flipped inside stored data far past the drivers: only the checksum at the end of
    the frame (zstd XXH64), block (xz CRC32) or member (gzip CRC32) shows it - and the early stop
    decodes that far, as a full scan does. (lz4's legacy format has no checksum: READY both ways.)"""
    stream = bytearray(streams(kind))
    at = raw_offset(kind, bytes(stream))
    for index in range(at, at + 64):
        stream[index] ^= 0x55
    path = image(tmp_path, 'damaged', early if with_early else b'', bytes(stream))
    full = both(path)
    if kind == 'lz4':
        assert full == ('ready', [], False)
    else:
        assert full[0] == 'not ready' and 'corrupt' in full[1], full


# ---------------------------------------------------------------- truncated copies: NOT READY, the same message

def decoded_prefix(kind, data):
    """What the format's program decodes from a cut copy before it notices the cut."""
    if kind == 'cpio':
        return data
    argv = {'zstd': ['zstd', '-dcq'], 'xz': ['xz', '-dcq'], 'lz4': ['lz4', '-dcq'], 'gzip': ['gzip', '-dcq']}[kind]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, _err = proc.communicate(data)
    return out


def decoded_past_the_drivers(kind, stream, archive):
    """The shortest cut of ``stream`` that still decodes past the last required driver's data."""
    wanted = after_the_drivers(archive)
    low, high = 1, len(stream)
    while low < high:
        middle = (low + high) // 2
        if len(decoded_prefix(kind, stream[:middle])) >= wanted:
            high = middle
        else:
            low = middle + 1
    return low


def lz4_block_ends(stream):
    ends, pos = [], 4
    while pos + 4 <= len(stream):
        pos += 4 + struct.unpack('<I', stream[pos:pos + 4])[0]
        ends.append(pos)
    return ends


def cuts_of(kind, stream, archive):
    size = len(stream)
    cuts = [size // 10, size // 2, size - 1, size - 2, size - 4, size - 8, size - 12, size - 13, size - 100]
    first = decoded_past_the_drivers(kind, stream, archive)
    cuts += [first, first + 1, first + 97]
    if kind == 'lz4':
        cuts += lz4_block_ends(stream)[:-1]  # between two blocks: each block looks whole
    if kind == 'cpio':
        cuts = [cut for cut in cuts if cut < archive.rindex(b'TRAILER!!!')]  # (a cut in the zero padding is harmless)
    return sorted(set(cut for cut in cuts if 0 < cut < size))


@pytest.mark.parametrize('with_early', [False, True], ids=['alone', 'after-early-cpio'])
@pytest.mark.parametrize('kind', ['cpio'] + CUT_KINDS)
def test_a_truncated_copy_is_not_ready_with_the_same_message(tmp_path, streams, early, big_cpio, kind, with_early):
    if kind != 'cpio':
        need(COMPRESSORS[kind][0])
    stream = streams(kind)
    for cut in cuts_of(kind, stream, big_cpio[0]):
        path = image(tmp_path, 'cut-%d' % cut, early if with_early else b'', stream[:cut])
        full = both(path)
        assert full[0] == 'not ready', (cut, full)
        assert 'truncated' in full[1] or 'corrupt' in full[1], (cut, full)
        os.remove(path)


# ---------------------------------------------------------------- every image the other tests make: the same verdict

def images_the_listing_tests_make(tmp_path):
    """The fixtures and the broken images of test_initramfs, made the same way."""
    made = [(os.path.basename(path), path) for path in sorted(glob.glob(os.path.join(FIXTURES, '*.img')))]
    main, _names = cpio(tmp_path, DRACUT_TREE, DRACUT_SYMLINKS)
    first = cpio(tmp_path, EARLY_TREE)[0]
    itools, _names = cpio(tmp_path, ITOOLS_TREE)
    odc, _names = cpio(tmp_path, ITOOLS_TREE, fmt='odc')

    def add(name, *parts):
        made.append((name, image(tmp_path, name, *parts)))
    kinds = sorted(COMPRESSORS)
    for kind in kinds:
        stream = compress(kind, main)
        add('whole-' + kind, stream)
        add('early-' + kind, first, stream)
        add('padded-' + kind, first, b'\x00' * 512, compress(kind, itools + b'\x00' * 4096 + main), b'\x00' * 4096)
        corrupt = bytearray(stream)
        start = 12 if kind == 'lz4' else len(stream) // 3
        for index in range(start, start + 64):
            corrupt[index] ^= 0x55
        add('corrupt-' + kind, bytes(corrupt))
        for fraction in (0.1, 0.5, 0.97):
            add('truncated-%s-%s' % (kind, fraction), first, stream[:int(len(stream) * fraction)])
    trailer = main.rindex(b'TRAILER!!!') - 110
    for cut in (6, 50, 113, main.index(b'\x7fELF') + 100, len(main) // 2, trailer, trailer + 50, trailer + 115):
        add('cut-%d' % cut, main[:cut])
        add('early-cut-%d' % cut, first, main[:cut])
        add('early-gzip-cut-%d' % cut, first, compress('gzip', main[:cut]))
    # past every module (usr/share sorts after usr/lib/modules), so the early scan has stopped
    # collecting before it: an archive cut before it was compressed, split over two frames /
    # streams / members and cut at the boundary, or with a broken header late in it
    zeros = main.index(b'usr/share/zeros\x00') - 110
    late_magic = main[:zeros] + b'070799' + main[zeros + 6:]
    for kind in kinds:
        for cut in (zeros + 1000, trailer - 1, trailer + 115):
            add('precut-%s-%d' % (kind, cut), compress(kind, main[:cut]))
            add('early-precut-%s-%d' % (kind, cut), first, compress(kind, main[:cut]))
        head, rest = compress(kind, main[:zeros + 4096]), compress(kind, main[zeros + 4096:])
        add('frames-%s' % kind, head, rest)
        add('frames-cut-%s' % kind, head)
        add('early-frames-cut-%s' % kind, first, head, b'\x00' * 512)
        add('late-bad-magic-%s' % kind, compress(kind, late_magic))
    bad_header = bytearray(main)
    bad_header[20] = ord('z')
    add('bad-header', bytes(bad_header))
    second = main.index(b'070701', 6)
    add('bad-magic', compress('gzip', main[:second] + b'070799' + main[second + 6:]))
    add('junk-after', first, compress('gzip', main), b'junk junk')
    add('junk-inside', compress('gzip', main + b'junk'))
    add('uncompressed', main)
    add('itools', first, compress('zstd', itools))
    add('odc', odc)
    add('zeros', b'\x00' * 5000)
    add('text', b'GRUB_DEFAULT=0\n')
    add('another-kernel', compress('gzip', newc([('usr/lib/modules/5.10.0-32-amd64/kernel/virtio_blk.ko', b'x'),
                                                 ('usr/lib/modules/5.10.0-32-amd64/kernel/ext4.ko', b'x')])))
    return made


@pytest.mark.parametrize('required', [['megaraid_sas', 'virtio_blk'], ['virtio_blk'], [], ['ext4', 'hid_generic']],
                         ids=['fixture-drivers', 'one', 'none', 'late'])
def test_every_image_the_tests_make_gets_the_verdict_of_a_full_scan(tmp_path, required):
    for name, path in images_the_listing_tests_make(tmp_path):
        assert verdict(path, True, required) == verdict(path, False, required), name


def test_damage_the_decoder_sees_before_the_stop_is_reported(tmp_path, streams):
    """Damage in the headers before the drivers: the same error either way."""
    for kind in ('zstd', 'xz', 'lz4'):
        stream = bytearray(streams(kind))
        for index in range(12, 76):
            stream[index] ^= 0x55
        path = image(tmp_path, 'damaged-' + kind, bytes(stream))
        assert both(path)[0] == 'not ready', kind


def test_python_without_lzma_gets_the_same_verdicts(tmp_path, monkeypatch, streams, big_cpio):
    """Python 2 decodes xz with the xz program: a stop, a cut stream and an archive cut before it
    was compressed are judged as in a full scan."""
    monkeypatch.setattr(initramfs, 'lzma', None)
    path = image(tmp_path, 'initrd', streams('xz'))
    assert list_image(path, kernel=KVER, required=REQUIRED)['complete_by'] == 'decoded_to_end'
    stream = streams('xz')
    cut = image(tmp_path, 'cut', stream[:len(stream) - 6])
    assert both(cut)[0] == 'not ready'
    archive = big_cpio[0]
    short = image(tmp_path, 'short', compress('xz', archive[:after_the_drivers(archive) + 4099]))
    assert both(short)[0] == 'not ready' and 'truncated' in both(short)[1]


def test_tiny_buffers(tmp_path, monkeypatch, early, streams):
    """The footer search, the header walk after the stop and the zero skipping across chunk boundaries."""
    monkeypatch.setattr(initramfs, 'READ_SIZE', 4093)
    monkeypatch.setattr(initramfs, 'INPUT_SIZE', 509)
    monkeypatch.setattr(initramfs, 'PIPE_READ_SIZE', 997)
    for kind in ('zstd', 'xz', 'cpio'):
        path = image(tmp_path, 'initrd-' + kind, early, streams(kind), b'\x00' * 5000)
        assert list_image(path, kernel=KVER, required=REQUIRED)['complete_by'] == complete_by(kind)
        assert both(path)[0] == 'ready'
