"""Streaming initramfs (cpio) listing: images made here with the real cpio and compressors."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import shutil
import subprocess

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import initramfs
from ansible_collections.fleetfix.kernel.plugins.module_utils.initramfs import (
    InitramfsError,
    detect_compression,
    list_image,
    normalise_module_name,
)

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'initramfs')
REAL_IMAGE = os.path.expanduser('~/.cache/fleetfix/images/bookworm/initrd')
KVER = '6.1.0-50-amd64'
MODDIR = 'usr/lib/modules/%s/kernel' % KVER

# A dracut-style tree: what list_image should find in it is spelled out in the tests.
DRACUT_TREE = {
    MODDIR + '/drivers/scsi/megaraid/megaraid_sas.ko.xz': b'\xfd7zXZ\x00 not really a module',
    MODDIR + '/drivers/block/virtio_blk.ko': b'\x7fELF' + b'\x01' * 5000,
    MODDIR + '/fs/ext4/ext4.ko.zst': b'\x28\xb5\x2f\xfd' + b'ext4' * 3000,
    MODDIR + '/drivers/hid/hid-generic.ko.gz': b'\x1f\x8b hid',
    'usr/lib/modules/%s/modules.dep' % KVER: b'kernel/fs/ext4/ext4.ko.zst:\n',
    'usr/lib/modules/%s/modules.alias.bin' % KVER: b'\x00' * 77,
    'usr/lib/firmware/i915/tgl_dmc_ver2_12.bin.xz': b'firmware' * 10,
    'usr/lib/firmware/regulatory.db': b'db',
    'usr/lib/dracut/modules.txt': b'systemd\nkernel-modules\nbase\n\nrootfs-block\n',
    'usr/lib/dracut/build-parameter.txt': b' -q --force',
    'usr/bin/init-helper': os.urandom(300 * 1024),  # incompressible: spans many chunks
    'usr/share/zeros': b'\x00' * (2 << 20),  # compresses 1000:1: bounded output per call
    'etc/odd name with spaces': b'x',
    'usr/lib/dracut/hooks/': None,
    'dev/': None,
}
DRACUT_SYMLINKS = {'lib': 'usr/lib', 'bin': 'usr/bin', 'init': 'usr/lib/systemd/systemd'}
DRACUT_MODULES = ['ext4', 'hid_generic', 'megaraid_sas', 'virtio_blk']

ITOOLS_TREE = {
    'conf/initramfs.conf': b'MODULES=most\nCOMPRESS=zstd\n',
    'scripts/init-top/udev': b'#!/bin/sh\n',
    'lib/modules/5.10.0-32-amd64/kernel/drivers/block/virtio_blk.ko': b'\x7fELF',
    'lib/modules/5.10.0-32-amd64/kernel/drivers/md/dm-mod.ko': b'\x7fELF',
    'lib/modules/5.10.0-33-amd64/': None,
    'lib/firmware/rtl_nic/rtl8168g-2.fw': b'fw',
    'init': b'#!/bin/sh\n',
}

EARLY_TREE = {
    'early_cpio': b'1\n',
    'kernel/x86/microcode/GenuineIntel.bin': b'\x01\x00\x00\x00' + os.urandom(9000),
    'kernel/x86/microcode/': None,
}

COMPRESSORS = {
    'gzip': ['gzip', '-c', '-n'],
    'xz': ['xz', '-c', '--check=crc32'],
    'lzma': ['xz', '-c', '--format=lzma'],
    'bzip2': ['bzip2', '-c'],
    'zstd': ['zstd', '-q', '-c'],
    'lz4': ['lz4', '-l', '-c', '-q'],
}
ALL_KINDS = sorted(COMPRESSORS)


def need(program):
    if not initramfs._which(program):
        pytest.skip('the %s program is not installed' % program)


def write_tree(root, tree, symlinks=None):
    for rel, data in tree.items():
        full = os.path.join(root, rel)
        if data is None:
            if not os.path.isdir(full):
                os.makedirs(full)
            continue
        parent = os.path.dirname(full)
        if not os.path.isdir(parent):
            os.makedirs(parent)
        with open(full, 'wb') as handle:
            handle.write(data)
    for rel, target in (symlinks or {}).items():
        os.symlink(target, os.path.join(root, rel))


def cpio(tmp_path, tree, symlinks=None, fmt='newc', dot=False):
    """Archive ``tree`` with the real cpio program; return (bytes, names in archive order)."""
    need('cpio')
    root = str(tmp_path / ('tree-%d' % len(os.listdir(str(tmp_path)))))
    os.makedirs(root)
    write_tree(root, tree, symlinks)
    names = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            names.append(os.path.relpath(os.path.join(dirpath, name), root))
    listed = (['.'] + ['./' + name for name in names]) if dot else names
    proc = subprocess.Popen(['cpio', '-o', '-H', fmt, '--quiet'], cwd=root,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(('\n'.join(listed) + '\n').encode('utf-8'))
    assert proc.returncode == 0, err
    return out, [name[2:] if name.startswith('./') else name for name in listed]


def compress(kind, data):
    argv = COMPRESSORS[kind]
    need(argv[0])
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(data)
    assert proc.returncode == 0, err
    return out


def image(tmp_path, name, *parts):
    path = str(tmp_path / name)
    with open(path, 'wb') as handle:
        for part in parts:
            handle.write(part)
    return path


@pytest.fixture
def dracut_cpio(tmp_path):
    return cpio(tmp_path, DRACUT_TREE, DRACUT_SYMLINKS)


@pytest.fixture
def early_cpio(tmp_path):
    return cpio(tmp_path, EARLY_TREE)


def check_dracut(result, names):
    assert result['modules'] == DRACUT_MODULES
    assert result['firmware'] == ['i915/tgl_dmc_ver2_12.bin.xz', 'regulatory.db']
    assert result['dracut_modules'] == ['base', 'kernel-modules', 'rootfs-block', 'systemd']
    assert result['generator'] == 'dracut'
    assert result['kernel_versions'] == [KVER]
    assert result['members'][-len(names):] == names
    assert result['entries'] == len(result['members'])


# ---------------------------------------------------------------- pure helpers

@pytest.mark.parametrize('head,expected', [
    (b'070701000000', 'cpio'),
    (b'070702000000', 'cpio'),
    (b'\x1f\x8b\x08\x00', 'gzip'),
    (b'\xfd7zXZ\x00\x00\x01', 'xz'),
    (b'\x5d\x00\x00\x80\x00', 'lzma'),
    (b'BZh91AY&SY', 'bzip2'),
    (b'\x28\xb5\x2f\xfd\x04', 'zstd'),
    (b'\x02\x21\x4c\x18\x00', 'lz4'),
    (b'BZhx', None),
    (b'070707', None),
    (b'hello world', None),
    (b'', None),
    (None, None),
])
def test_detect_compression(head, expected):
    assert detect_compression(head) == expected


@pytest.mark.parametrize('path,expected', [
    ('usr/lib/modules/6.1.0-50-amd64/kernel/drivers/scsi/megaraid/megaraid_sas.ko.xz', 'megaraid_sas'),
    ('lib/modules/5.10.0-32-amd64/kernel/drivers/block/virtio_blk.ko', 'virtio_blk'),
    ('usr/lib/modules/6.1.0/kernel/fs/ext4/ext4.ko.zst', 'ext4'),
    ('kernel/drivers/hid/hid-generic.ko.gz', 'hid_generic'),
    ('dm-mod.ko', 'dm_mod'),
    ('/lib/modules/2.6.32/kernel/net/ipv4/netfilter/nf_nat-ftp.ko', 'nf_nat_ftp'),
    ('usr/lib/modules/6.1.0-50-amd64/modules.dep', None),
    ('usr/lib/modules/6.1.0-50-amd64/modules.alias.bin', None),
    ('usr/lib/modules/6.1.0-50-amd64/kernel', None),
    ('usr/lib/firmware/foo.ko.bin', None),
    ('foo.ko.bz2', None),
    ('.ko', None),
    ('', None),
    (None, None),
])
def test_normalise_module_name(path, expected):
    assert normalise_module_name(path) == expected


# ---------------------------------------------------------------- real images

@pytest.mark.parametrize('kind', ALL_KINDS)
def test_each_compression(tmp_path, dracut_cpio, kind):
    data, names = dracut_cpio
    path = image(tmp_path, 'initrd.' + kind, compress(kind, data))
    result = list_image(path, members=True)
    assert result['path'] == path
    assert result['size'] == os.path.getsize(path)
    assert result['compression'] == kind
    assert result['segments'] == [{'offset': 0, 'compression': kind, 'entries': len(names)}]
    assert result['early_cpio'] is False
    check_dracut(result, names)


@pytest.mark.parametrize('kind', ALL_KINDS)
def test_early_cpio_then_compressed_main(tmp_path, early_cpio, dracut_cpio, kind):
    early, early_names = early_cpio
    main, names = dracut_cpio
    path = image(tmp_path, 'initrd', early, compress(kind, main))
    result = list_image(path, members=True)
    assert result['early_cpio'] is True
    assert result['compression'] == kind
    assert result['segments'] == [
        {'offset': 0, 'compression': 'cpio', 'entries': len(early_names)},
        {'offset': len(early), 'compression': kind, 'entries': len(names)},
    ]
    assert result['members'] == early_names + names
    assert result['entries'] == len(early_names) + len(names)
    check_dracut(result, names)


def test_members_match_cpio_t(tmp_path, dracut_cpio):
    """The listing is what `cpio -t` reads from the same image."""
    data, names = dracut_cpio
    path = image(tmp_path, 'initrd', data)
    listed = subprocess.check_output(['cpio', '-t', '--quiet'], stdin=open(path, 'rb')).decode('utf-8').splitlines()
    assert list_image(path, members=True)['members'] == listed == names


def test_crc_format_and_dot_names(tmp_path):
    data, names = cpio(tmp_path, DRACUT_TREE, DRACUT_SYMLINKS, fmt='crc', dot=True)
    assert data.startswith(b'070702')
    path = image(tmp_path, 'initrd', compress('gzip', data))
    result = list_image(path, members=True)
    assert result['members'][0] == '.'
    check_dracut(result, names)


def test_uncompressed_image(tmp_path, dracut_cpio):
    data, names = dracut_cpio
    result = list_image(image(tmp_path, 'initrd', data))
    assert result['compression'] == 'cpio'
    assert result['early_cpio'] is False
    assert result['segments'] == [{'offset': 0, 'compression': 'cpio', 'entries': len(names)}]
    assert 'members' not in result
    assert result['modules'] == DRACUT_MODULES


def test_initramfs_tools_image(tmp_path, early_cpio):
    early, early_names = early_cpio
    data, names = cpio(tmp_path, ITOOLS_TREE)
    result = list_image(image(tmp_path, 'initrd.img', early, compress('zstd', data)))
    assert result['generator'] == 'initramfs-tools'
    assert result['dracut_modules'] is None
    assert result['modules'] == ['dm_mod', 'virtio_blk']
    assert result['kernel_versions'] == ['5.10.0-32-amd64', '5.10.0-33-amd64']
    assert result['firmware'] == ['rtl_nic/rtl8168g-2.fw']
    assert result['entries'] == len(early_names) + len(names)


def test_no_generator_markers(tmp_path):
    data, names = cpio(tmp_path, {'init': b'#!/bin/sh\n', 'bin/busybox': b'\x7fELF'})
    result = list_image(image(tmp_path, 'initrd', compress('gzip', data)))
    assert result['generator'] is None
    assert result['modules'] == result['firmware'] == result['kernel_versions'] == []
    assert result['dracut_modules'] is None


@pytest.mark.parametrize('kind', ALL_KINDS)
def test_several_archives_in_one_stream_and_zero_padding(tmp_path, early_cpio, dracut_cpio, kind):
    """Concatenated archives (zeros between) in one compressed stream, zero padding at the end."""
    first, first_names = cpio(tmp_path, ITOOLS_TREE)
    second, names = dracut_cpio
    early, early_names = early_cpio
    stream = compress(kind, first + b'\x00' * 4096 + second)
    path = image(tmp_path, 'initrd', early, b'\x00' * 512, stream, b'\x00' * 4096)
    result = list_image(path, members=True)
    assert result['segments'] == [
        {'offset': 0, 'compression': 'cpio', 'entries': len(early_names)},
        {'offset': len(early) + 512, 'compression': kind, 'entries': len(first_names) + len(names)},
    ]
    assert result['members'] == early_names + first_names + names
    assert result['modules'] == sorted(set(DRACUT_MODULES + ['dm_mod']))


@pytest.mark.parametrize('kind,python_lzma', [
    ('gzip', True), ('xz', True), ('lzma', True), ('bzip2', True), ('zstd', True), ('xz', False)])
def test_compressed_segment_followed_by_another(tmp_path, monkeypatch, early_cpio, dracut_cpio, kind, python_lzma):
    """A compressed stream whose end is found (zstd by its frame headers, xz by its footer when
    the xz program decodes it) and a gzip archive after it, as the kernel reads them.
    (lz4 legacy has no end marker: it must come last; so must lzma and bzip2 decoded by a program.)"""
    if kind in ('xz', 'lzma') and python_lzma and initramfs._python_module('lzma') is None:
        pytest.skip('this Python has no lzma module')
    if not python_lzma:
        monkeypatch.setattr(initramfs, 'lzma', None)
    early, early_names = early_cpio
    main, names = dracut_cpio
    extra, extra_names = cpio(tmp_path, {'etc/extra.conf': b'x=1\n'})
    first = compress(kind, main)
    path = image(tmp_path, 'initrd', early, first, compress('gzip', extra))
    result = list_image(path, members=True)
    assert [seg['compression'] for seg in result['segments']] == ['cpio', kind, 'gzip']
    assert result['segments'][2]['offset'] == len(early) + len(first)
    assert result['members'] == early_names + names + extra_names


@pytest.mark.parametrize('kind', ALL_KINDS)
def test_tiny_buffers(tmp_path, monkeypatch, early_cpio, dracut_cpio, kind):
    """Headers, names and data cut across chunk boundaries everywhere."""
    early, early_names = early_cpio
    main, names = dracut_cpio
    path = image(tmp_path, 'initrd', early, compress(kind, main), b'\x00' * 100)
    expected = list_image(path, members=True)
    monkeypatch.setattr(initramfs, 'READ_SIZE', 4093)
    monkeypatch.setattr(initramfs, 'INPUT_SIZE', 509)
    monkeypatch.setattr(initramfs, 'OUTPUT_SIZE', 1021)
    monkeypatch.setattr(initramfs, 'PIPE_READ_SIZE', 997)
    assert list_image(path, members=True) == expected
    check_dracut(expected, names)


@pytest.mark.parametrize('kind', ['xz', 'lzma', 'bzip2'])
def test_without_python_modules_the_programs_decode(tmp_path, monkeypatch, early_cpio, dracut_cpio, kind):
    """Python 2 has no lzma module (and a Python may lack bz2): the xz / bzip2 program decodes."""
    monkeypatch.setattr(initramfs, 'lzma', None)
    monkeypatch.setattr(initramfs, 'bz2', None)
    early, early_names = early_cpio
    main, names = dracut_cpio
    path = image(tmp_path, 'initrd', early, compress(kind, main))
    result = list_image(path, members=True)
    assert result['compression'] == kind
    assert result['early_cpio'] is True
    check_dracut(result, names)


def test_committed_fixture():
    """A tiny early-cpio + gzip image committed as made by the real programs (README.md)."""
    result = list_image(os.path.join(FIXTURES, 'early-gzip.img'), members=True)
    assert [seg['compression'] for seg in result['segments']] == ['cpio', 'gzip']
    assert result['early_cpio'] is True
    assert result['modules'] == ['megaraid_sas', 'virtio_blk']
    assert result['dracut_modules'] == ['base', 'kernel-modules']
    assert result['generator'] == 'dracut'
    assert 'kernel/x86/microcode/GenuineIntel.bin' in result['members']


@pytest.mark.skipif(not os.path.isfile(REAL_IMAGE), reason='no test image: make images')
def test_real_debian12_dracut_image():
    result = list_image(REAL_IMAGE)
    assert 'virtio_blk' in result['modules']
    assert 'ext4' in result['modules']
    assert result['generator'] == 'dracut'
    assert result['kernel_versions']
    assert result['dracut_modules'] and 'kernel-modules' in result['dracut_modules']
    if result['compression'] == 'zstd' and not result['early_cpio'] and initramfs._which('cpio'):
        listed = subprocess.check_output(['sh', '-c', 'zstd -dc "$0" | cpio -t --quiet', REAL_IMAGE])
        assert result['entries'] == len(listed.splitlines())


# ---------------------------------------------------------------- broken images

def error_of(path):
    with pytest.raises(InitramfsError) as err:
        list_image(path)
    message = str(err.value)
    assert path in message
    assert err.value.path == path
    return message


def test_missing_file(tmp_path):
    assert 'cannot open' in error_of(str(tmp_path / 'no-such-initrd'))


def test_directory(tmp_path):
    assert error_of(str(tmp_path))


def test_empty_file(tmp_path):
    assert 'empty' in error_of(image(tmp_path, 'initrd'))


def test_only_zeros(tmp_path):
    assert 'no cpio archive' in error_of(image(tmp_path, 'initrd', b'\x00' * 5000))


def test_text_file(tmp_path):
    message = error_of(image(tmp_path, 'initrd', b'GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\n'))
    assert 'not an initramfs' in message
    assert '47 52 55 42' in message


def test_garbage_file(tmp_path):
    message = error_of(image(tmp_path, 'initrd', b'\xde\xad\xbe\xef' * 1000))
    assert 'not an initramfs' in message


def test_old_cpio_format(tmp_path):
    data, names = cpio(tmp_path, ITOOLS_TREE, fmt='odc')
    assert 'old portable (odc)' in error_of(image(tmp_path, 'initrd', data))


def test_junk_after_the_archives(tmp_path, early_cpio, dracut_cpio):
    early, early_names = early_cpio
    main = compress('gzip', dracut_cpio[0])
    message = error_of(image(tmp_path, 'initrd', early, main, b'junk junk'))
    assert 'junk at offset %d' % (len(early) + len(main)) in message


def test_junk_inside_a_compressed_stream(tmp_path, dracut_cpio):
    message = error_of(image(tmp_path, 'initrd', compress('gzip', dracut_cpio[0] + b'junk')))
    assert 'junk' in message and 'gzip stream' in message


def test_bad_header(tmp_path, dracut_cpio):
    data = bytearray(dracut_cpio[0])
    data[20] = ord('z')
    message = error_of(image(tmp_path, 'initrd', bytes(data)))
    assert 'its mode field' in message and 'not hexadecimal' in message and 'offset 0' in message


def test_bad_magic_after_first_entry(tmp_path, dracut_cpio):
    data = dracut_cpio[0]
    second = data.index(b'070701', 6)
    broken = data[:second] + b'070799' + data[second + 6:]
    assert 'bad cpio magic' in error_of(image(tmp_path, 'initrd', compress('gzip', broken)))


def cut_points(data):
    trailer = data.rindex(b'TRAILER!!!') - 110
    data_entry = data.index(b'\x7fELF')
    return [6, 50, 110 + 3, data_entry + 100, len(data) // 2, trailer, trailer + 50, trailer + 115]


@pytest.mark.parametrize('index', range(8))
def test_truncated_uncompressed(tmp_path, early_cpio, dracut_cpio, index):
    data = dracut_cpio[0]
    cut = cut_points(data)[index]
    message = error_of(image(tmp_path, 'initrd', data[:cut]))
    assert 'truncated' in message
    # the same cut in the main archive behind an early cpio, compressed or not
    early = early_cpio[0]
    assert 'truncated' in error_of(image(tmp_path, 'initrd2', early, data[:cut]))
    assert 'truncated' in error_of(image(tmp_path, 'initrd3', early, compress('gzip', data[:cut])))


@pytest.mark.parametrize('kind', ALL_KINDS)
@pytest.mark.parametrize('fraction', [0.1, 0.5, 0.97])
def test_truncated_compressed(tmp_path, early_cpio, dracut_cpio, kind, fraction):
    early = early_cpio[0]
    stream = compress(kind, dracut_cpio[0])
    cut = int(len(stream) * fraction)
    message = error_of(image(tmp_path, 'initrd', early, stream[:cut]))
    assert 'truncated' in message or 'corrupt' in message, message


@pytest.mark.parametrize('kind', ALL_KINDS)
def test_corrupt_compressed(tmp_path, dracut_cpio, kind):
    stream = bytearray(compress(kind, dracut_cpio[0]))
    # lz4 legacy has no checksum: damage it where the first cpio headers are
    start = 12 if kind == 'lz4' else len(stream) // 3
    for index in range(start, start + 64):
        stream[index] ^= 0x55
    message = error_of(image(tmp_path, 'initrd', bytes(stream)))
    assert 'corrupt' in message or 'truncated' in message or 'bad cpio' in message, message


def test_corrupt_gzip_fixture():
    path = os.path.join(FIXTURES, 'corrupt-gzip.img')
    message = error_of(path)
    assert 'corrupt gzip stream' in message


def test_missing_program(tmp_path, monkeypatch, dracut_cpio):
    path = image(tmp_path, 'initrd', compress('zstd', dracut_cpio[0]))
    monkeypatch.setenv('PATH', str(tmp_path))
    monkeypatch.setattr(initramfs, 'PROGRAM_DIRS', ())
    message = error_of(path)
    assert 'zstd program is missing' in message


def test_program_failure_gives_its_stderr(tmp_path, monkeypatch, dracut_cpio):
    """A decompressing program that fails: its exit status and the tail of its stderr."""
    path = image(tmp_path, 'initrd', compress('zstd', dracut_cpio[0]))
    fake = tmp_path / 'bin'
    fake.mkdir()
    script = fake / 'zstd'
    script.write_text(u'#!/bin/sh\necho "zstd: /*stdin*\\\\: unsupported format" >&2\nexit 1\n')
    script.chmod(0o755)
    monkeypatch.setenv('PATH', str(fake))
    monkeypatch.setattr(initramfs, 'PROGRAM_DIRS', ())
    message = error_of(path)
    assert 'exited with status 1' in message
    assert 'unsupported format' in message
    shutil.rmtree(str(fake))


def test_a_program_that_cannot_be_run(tmp_path, monkeypatch, dracut_cpio):
    """An executable that exec refuses (no #! line, not a binary): the child reports why."""
    path = image(tmp_path, 'initrd', compress('zstd', dracut_cpio[0]))
    fake = tmp_path / 'bin'
    fake.mkdir()
    (fake / 'zstd').write_bytes(b'not a program\n')
    (fake / 'zstd').chmod(0o755)
    monkeypatch.setenv('PATH', str(fake))
    monkeypatch.setattr(initramfs, 'PROGRAM_DIRS', ())
    message = error_of(path)
    assert 'cannot run %s: ' % (fake / 'zstd') in message and 'format error' in message.lower(), message


def open_descriptors():
    return sorted(int(name) for name in os.listdir('/proc/self/fd'))


def children():
    """Our child processes, zombies included."""
    own = str(os.getpid())
    found = []
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            try:
                with open('/proc/%s/stat' % pid) as handle:
                    fields = handle.read().rsplit(')', 1)[1].split()
            except (IOError, OSError):
                continue
            if fields[1] == own:
                found.append(pid)
    return found


@pytest.mark.skipif(not os.path.isdir('/proc/self/fd'), reason='needs /proc')
def test_programs_leave_no_descriptor_and_no_process_behind(tmp_path, monkeypatch, early_cpio, dracut_cpio):
    """zstd read to the end, zstd fed through a pipe (a gzip archive follows), xz -T0, a corrupt
    and a truncated stream: afterwards the same descriptors are open and no child is left.
    The program sees only its stdin, stdout and stderr - not an inheritable descriptor of ours."""
    main = dracut_cpio[0]
    stream = compress('zstd', main)
    corrupt = bytearray(stream)
    for index in range(len(stream) // 3, len(stream) // 3 + 64):
        corrupt[index] ^= 0x55
    paths = [image(tmp_path, 'whole', stream), image(tmp_path, 'fed', early_cpio[0], stream, compress('gzip', main)),
             image(tmp_path, 'xz', compress('xz', main)), image(tmp_path, 'corrupt', bytes(corrupt)),
             image(tmp_path, 'cut', stream[:len(stream) // 2]), image(tmp_path, 'cut-fed', stream[:len(stream) // 2] + b'\x00' * 99)]
    monkeypatch.setattr(initramfs, '_cpus', lambda: 2)
    before, kids = open_descriptors(), children()
    for path in paths:
        try:
            list_image(path)
        except InitramfsError:
            pass
    assert open_descriptors() == before and children() == kids
    spy, spied = os.pipe()
    os.dup2(spied, 200)  # inheritable, and a number no shell uses for itself
    try:
        fake = tmp_path / 'bin'
        fake.mkdir()
        (fake / 'zstd').write_text(u'#!/bin/sh\n%s /proc/$$/fd >&2\nexit 3\n' % shutil.which('ls'))
        (fake / 'zstd').chmod(0o755)
        monkeypatch.setenv('PATH', str(fake))
        monkeypatch.setattr(initramfs, 'PROGRAM_DIRS', ())
        message = error_of(paths[0])
    finally:
        for fd in (spy, spied, 200):
            os.close(fd)
    seen = message.rsplit(': ', 1)[1].split(' / ')
    assert '0' in seen and '1' in seen and '2' in seen and '200' not in seen, message
    assert 'exited with status 3' in message


@pytest.mark.skipif(initramfs._python_module('lzma') is None, reason='this Python has no lzma module')
def test_xz_by_the_program_on_several_cpus_and_in_process_on_one(tmp_path, monkeypatch, early_cpio, dracut_cpio):
    """On two or more CPUs the xz program (-T0) decodes xz, on one the lzma module: the same
    listings, and the same verdict on broken streams (a cut one in the same words; otherwise each
    decoder's own)."""
    need('xz')
    early, main = early_cpio[0], dracut_cpio[0]
    stream = compress('xz', main)
    corrupt = bytearray(stream)
    for index in range(len(stream) // 3, len(stream) // 3 + 64):
        corrupt[index] ^= 0x55
    good = [image(tmp_path, 'whole', stream), image(tmp_path, 'early', early, stream, b'\x00' * 512),
            image(tmp_path, 'followed', early, stream, compress('gzip', main))]
    bad = [image(tmp_path, 'corrupt', bytes(corrupt)), image(tmp_path, 'cut', early, stream[:len(stream) - 7]),
           image(tmp_path, 'precut', compress('xz', main[:len(main) // 2]))]
    spawned = []
    real = initramfs._spawn
    monkeypatch.setattr(initramfs, '_spawn', lambda exe, argv, env, fds: spawned.append(argv) or real(exe, argv, env, fds))
    listings = {}
    for cpus in (1, 4):
        monkeypatch.setattr(initramfs, '_cpus', lambda: cpus)
        listings[cpus] = [list_image(path, members=True) for path in good]
        for path in bad:
            with pytest.raises(InitramfsError) as err:
                list_image(path)
            if path.endswith('/cut'):  # the same words either way for a stream cut short
                assert ': truncated: the xz stream that starts at offset %d ends without its end marker' % len(early) in str(err.value)
        assert bool(spawned) is (cpus > 1)
        assert all('-T0' in argv for argv in spawned)
    assert listings[1] == listings[4]


# ---- module presence: only under (usr/)lib/modules/<that kernel>/, never via '..' (issue 13)


def newc(entries):
    """A newc archive written byte by byte - names the cpio program would not store as given
    ('..' components, '//', './' in the middle). ``entries``: [(name, data or None for a directory)]."""
    out = []
    for ino, (name, data) in enumerate(list(entries) + [('TRAILER!!!', b'')], 1):
        raw = name.encode('utf-8') + b'\x00'
        mode = 0o040755 if data is None else 0o100644
        data = data or b''
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(raw), 0]
        header = b'070701' + b''.join(b'%08X' % field for field in fields)
        out.append(header + raw + b'\x00' * ((4 - (len(header) + len(raw)) % 4) % 4))
        out.append(data + b'\x00' * ((4 - len(data) % 4) % 4))
    return b''.join(out)


OTHER_KVER = '5.10.0-32-amd64'


@pytest.mark.parametrize('name, counted', [
    ('usr/lib/modules/%s/kernel/drivers/scsi/mpt3sas/mpt3sas.ko.xz' % KVER, KVER),
    ('lib/modules/%s/kernel/drivers/scsi/mpt3sas/mpt3sas.ko' % KVER, KVER),
    ('./usr/lib/modules/%s/kernel/mpt3sas.ko' % KVER, KVER),
    ('/usr/lib//modules/%s/./kernel/mpt3sas.ko' % KVER, KVER),
    ('usr/lib/modules/%s/kernel/mpt3sas.ko' % OTHER_KVER, OTHER_KVER),
    ('usr/lib/modules/%s/../%s/kernel/mpt3sas.ko' % (OTHER_KVER, KVER), None),
    ('usr/lib/modules/%s/../../../../lib/modules/%s/mpt3sas.ko' % (KVER, KVER), None),
    ('usr/lib/modules/%s/kernel/../../%s/mpt3sas.ko' % (KVER, OTHER_KVER), None),
    ('../usr/lib/modules/%s/kernel/mpt3sas.ko' % KVER, None),
    ('usr/lib/modules/mpt3sas.ko', None),
    ('usr/share/lib/modules/%s/mpt3sas.ko' % KVER, None),
    ('opt/usr/lib/modules/%s/mpt3sas.ko' % KVER, None),
], ids=['dracut', 'initramfs-tools', 'dot-slash', 'double-slash-and-dot', 'another-kernel', 'dotdot-into-this-kernel',
        'dotdot-up-and-back', 'dotdot-into-another-kernel', 'leading-dotdot', 'no-kernel-directory', 'other-prefix',
        'prefix-not-at-the-root'])
def test_a_module_counts_only_for_its_own_kernel_and_never_via_dotdot(tmp_path, name, counted):
    data = newc([('usr/lib/modules/%s/kernel/sd_mod.ko' % KVER, b'\x7fELF'), (name, b'\x7fELF')])
    result = list_image(image(tmp_path, 'initrd', compress('gzip', data)), members=True)
    assert initramfs.modules_for_kernel(result, KVER) == ({'sd_mod', 'mpt3sas'} if counted == KVER else {'sd_mod'})
    assert initramfs.modules_for_kernel(result, OTHER_KVER) == ({'mpt3sas'} if counted == OTHER_KVER else set())
    assert ('mpt3sas' in result['modules']) == (counted is not None)
    assert len(result['members']) == 2  # listed all the same


def test_modules_by_kernel_and_the_normalised_members():
    assert initramfs.normalise_member('./usr//lib/./modules/x') == 'usr/lib/modules/x'
    assert initramfs.normalise_member('usr/lib/modules/a/../b') is None
    assert initramfs.normalise_member('.') == '.'
    assert initramfs.modules_for_kernel({'modules_by_kernel': {'a': ['x']}}, 'b') == set()


def test_an_image_holding_two_kernels_modules(tmp_path):
    data, _names = cpio(tmp_path, ITOOLS_TREE)
    result = list_image(image(tmp_path, 'initrd.img', compress('gzip', data)))
    assert result['modules_by_kernel'] == {'5.10.0-32-amd64': ['dm_mod', 'virtio_blk']}
    assert initramfs.modules_for_kernel(result, '5.10.0-33-amd64') == set()
