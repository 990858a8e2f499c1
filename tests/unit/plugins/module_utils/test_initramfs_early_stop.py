"""Early stop (issue 19): the scan stops once the required drivers are seen, provided the image is
shown complete without decoding the rest - and a truncated image stays as broken as a full scan says.

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
# After the modules (usr/lib/modules sorts before usr/share) a large part the early stop skips:
# 12 MiB of zeros, so that lz4's legacy format (8 MiB blocks) has two blocks and the modules sit in the first.
BIG_TREE = dict(DRACUT_TREE)
BIG_TREE['usr/share/big'] = b'\x00' * (12 << 20)
# the format, and how each one is shown complete after an early stop
SHOWN_BY = {'zstd': 'zstd_frame_headers', 'xz': 'xz_footer_and_index', 'lz4': 'lz4_blocks_and_trailer',
            'cpio': 'cpio_headers'}
FULL_KINDS = ['gzip', 'bzip2', 'lzma']


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
@pytest.mark.parametrize('kind', sorted(SHOWN_BY))
def test_stops_early_on_a_complete_image(tmp_path, streams, early, big_cpio, kind, with_early):
    main = streams(kind)
    path = image(tmp_path, 'initrd', early if with_early else b'', main)
    full = list_image(path)
    result = list_image(path, kernel=KVER, required=REQUIRED)
    assert full['scan'] == 'full' and full['complete_by'] == 'read_to_end'
    assert result['scan'] == 'stopped_early'
    assert result['complete_by'] == SHOWN_BY[kind]
    assert set(REQUIRED) <= initramfs.modules_for_kernel(result, KVER)
    assert [seg['offset'] for seg in result['segments']] == [seg['offset'] for seg in full['segments']]
    assert result['early_cpio'] is with_early and result['compression'] == kind
    if kind == 'cpio':  # walked to the trailer all the same: the count is known
        assert result['entries'] == full['entries']
    else:
        assert result['entries'] is None and result['segments'][-1]['entries'] is None
    if with_early:
        assert result['segments'][0] == full['segments'][0]
    assert both(path) == ('ready', [], False)


@pytest.mark.parametrize('kind', FULL_KINDS)
def test_gzip_bzip2_lzma_are_read_to_the_end(tmp_path, early, big_cpio, kind):
    path = image(tmp_path, 'initrd', early, compress(kind, big_cpio[0]))
    result = list_image(path, kernel=KVER, required=REQUIRED)
    assert result['scan'] == 'full' and result['complete_by'] == 'read_to_end'
    assert result == list_image(path)


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


def test_two_zstd_frames_are_read_to_the_end(tmp_path, big_cpio):
    """A multi-frame stream (pzstd makes them; dracut's and initramfs-tools' zstd -T0 does not) is
    decoded to its end: its frames say nothing of where the archive ends."""
    data = big_cpio[0]
    half = len(data) // 2
    path = image(tmp_path, 'initrd', compress('zstd', data[:half]), compress('zstd', data[half:]))
    assert list_image(path, kernel=KVER, required=REQUIRED)['scan'] == 'full'
    assert both(path)[0] == 'ready'


def test_the_limit_a_cut_exactly_between_two_frames(tmp_path, big_cpio):
    """The one truncation an early stop cannot see (module docstring): a multi-frame zstd stream
    cut exactly at a frame boundary leaves a complete frame holding a cut archive. Pinned here
    so that a change to it is seen: the full scan (initramfs_facts, the default) reports it."""
    data = big_cpio[0]
    cut = image(tmp_path, 'cut', compress('zstd', data[:len(data) // 2]))
    assert verdict(cut, False)[0] == 'not ready' and 'truncated' in verdict(cut, False)[1]
    assert verdict(cut, True)[0] == 'ready'


def test_a_segment_after_the_stop_is_still_read(tmp_path, early, streams):
    """The scan stops in the zstd main archive; the gzip archive after it is read as always,
    and junk after it is the same error as in a full scan."""
    extra = compress('gzip', newc([('etc/extra.conf', b'x=1\n')]))
    path = image(tmp_path, 'initrd', early, streams('zstd'), extra)
    result = list_image(path, kernel=KVER, required=REQUIRED)
    assert result['scan'] == 'stopped_early'
    assert [seg['compression'] for seg in result['segments']] == ['cpio', 'zstd', 'gzip']
    assert result['segments'][2]['entries'] == 1
    assert both(path)[0] == 'ready'
    junk = image(tmp_path, 'junk', early, streams('zstd'), b'junk junk')
    assert 'junk at offset' in both(junk)[1]


def test_xz_streams_one_after_another(tmp_path, big_cpio):
    """Two xz streams: the footer at the end of the file closes the second, the first is found from its header."""
    first = compress('xz', big_cpio[0])
    second = compress('xz', newc([('etc/extra.conf', b'x=1\n')]))
    path = image(tmp_path, 'initrd', first, b'\x00' * 8, second, b'\x00' * 4)
    result = list_image(path, kernel=KVER, required=REQUIRED)
    assert result['scan'] == 'stopped_early'
    assert [seg['entries'] for seg in result['segments']] == [None, 1]
    assert both(path)[0] == 'ready'


# ---------------------------------------------------------------- truncated copies: NOT READY, the same message

def decoded_prefix(kind, data):
    """What the format's program decodes from a cut copy before it notices the cut."""
    if kind == 'cpio':
        return data
    argv = {'zstd': ['zstd', '-dcq'], 'xz': ['xz', '-dcq'], 'lz4': ['lz4', '-dcq'], 'gzip': ['gzip', '-dcq']}[kind]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, _err = proc.communicate(data)
    return out


def after_the_drivers(kind, stream, archive):
    """The shortest cut of ``stream`` that still decodes past the last required driver's data."""
    entry = archive.index(b'/ext4.ko.zst\x00')
    size = int(archive[entry - 110 + 54:entry - 110 + 62], 16)
    wanted = ((entry + len('/ext4.ko.zst') + 1 + 3) & ~3) + size
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
    first = after_the_drivers(kind, stream, archive)
    cuts += [first, first + 1, first + 97]
    if kind == 'lz4':
        cuts += lz4_block_ends(stream)[:-1]  # between two blocks: each block looks whole
    if kind == 'cpio':
        cuts = [cut for cut in cuts if cut < archive.rindex(b'TRAILER!!!')]  # (a cut in the zero padding is harmless)
    return sorted(set(cut for cut in cuts if 0 < cut < size))


@pytest.mark.parametrize('with_early', [False, True], ids=['alone', 'after-early-cpio'])
@pytest.mark.parametrize('kind', sorted(SHOWN_BY) + ['gzip'])
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


# Damage that only the end of the frame shows: test_initramfs's corrupt zstd and xz images have
# 64 bytes flipped a third of the way in, inside file data that zstd keeps in raw blocks and xz in
# uncompressed LZMA2 chunks. Only the frame's checksum (zstd XXH64, xz CRC32 at the block's end)
# covers them, and an early stop does not decode that far: READY, where a full scan says corrupt.
# That is the price of not decoding the rest (module docstring); a truncated image never pays it.
CHECKSUM_ONLY = ('corrupt-zstd', 'corrupt-xz')


@pytest.mark.parametrize('required', [['megaraid_sas', 'virtio_blk'], ['virtio_blk'], [], ['ext4', 'hid_generic']],
                         ids=['fixture-drivers', 'one', 'none', 'late'])
def test_every_image_the_tests_make_gets_the_verdict_of_a_full_scan(tmp_path, required):
    for name, path in images_the_listing_tests_make(tmp_path):
        full = verdict(path, False, required)
        early_stop = verdict(path, True, required)
        if name in CHECKSUM_ONLY and full[0] == 'not ready' and early_stop[0] == 'ready':
            assert 'corrupt' in full[1] and list_image(path, kernel=KVER, required=required)['scan'] == 'stopped_early'
            continue
        assert early_stop == full, name


def test_damage_the_decoder_sees_before_the_stop_is_reported(tmp_path, streams):
    """Damage in the headers before the drivers: the same error either way."""
    for kind in ('zstd', 'xz', 'lz4'):
        stream = bytearray(streams(kind))
        for index in range(12, 76):
            stream[index] ^= 0x55
        path = image(tmp_path, 'damaged-' + kind, bytes(stream))
        assert both(path)[0] == 'not ready', kind


def test_python_without_lzma_uses_the_same_check(tmp_path, monkeypatch, streams, big_cpio):
    """Python 2 decodes xz with the xz program: the footer and index are checked all the same."""
    monkeypatch.setattr(initramfs, 'lzma', None)
    path = image(tmp_path, 'initrd', streams('xz'))
    assert list_image(path, kernel=KVER, required=REQUIRED)['scan'] == 'stopped_early'
    stream = streams('xz')
    cut = image(tmp_path, 'cut', stream[:len(stream) - 6])
    assert both(cut)[0] == 'not ready'


def test_tiny_buffers(tmp_path, monkeypatch, early, streams):
    """The footer search and the zero skipping across chunk boundaries."""
    monkeypatch.setattr(initramfs, 'READ_SIZE', 4093)
    monkeypatch.setattr(initramfs, 'INPUT_SIZE', 509)
    monkeypatch.setattr(initramfs, 'PIPE_READ_SIZE', 997)
    for kind in ('zstd', 'xz', 'cpio'):
        path = image(tmp_path, 'initrd-' + kind, early, streams(kind), b'\x00' * 5000)
        assert list_image(path, kernel=KVER, required=REQUIRED)['complete_by'] == SHOWN_BY[kind]
        assert both(path)[0] == 'ready'
