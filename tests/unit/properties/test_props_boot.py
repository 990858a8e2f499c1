"""Property tests of the boot readers: initramfs (cpio headers, compression detection, the
streamed lister), kernel configs (text and gzip), modules.dep / modules.builtin lines, mountinfo,
and the kernel names bootchain and kconfig read off /boot and /lib/modules.

Each property: the generated input parses or is refused with the collection's error
(contract.parses_or_refuses) - any other exception fails. Where the input is well formed by
construction, the answer is checked too (a reader that refuses everything would pass otherwise).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import gzip
import io
import os
import shutil
import tempfile

from hypothesis import given, strategies as st

from ansible_collections.fleetfix.kernel.plugins.module_utils import bootchain, initramfs, kconfig, kernel_release

from contract import parses_or_refuses
from hostile.host_files_boot import FIELDS, newc_entry

# ---------------------------------------------------------------- helpers

_WORK = {}


def _scratch():
    """A directory for this test run's files (hypothesis takes no function-scoped fixtures)."""
    if 'dir' not in _WORK:
        _WORK['dir'] = tempfile.mkdtemp(prefix='fleetfix-props-boot-')
    return _WORK['dir']


def teardown_module(module):
    if 'dir' in _WORK:
        shutil.rmtree(_WORK.pop('dir'), ignore_errors=True)


def _image(data):
    path = os.path.join(_scratch(), 'initrd.img')
    with open(path, 'wb') as handle:
        handle.write(data)
    return path


def _gzip(data):
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode='wb', mtime=0) as handle:
        handle.write(data)
    return out.getvalue()


def newc_archive(entries):
    return b''.join(newc_entry(name, data, mode) for name, data, mode in entries) + newc_entry(b'TRAILER!!!', b'', 0)


# ---------------------------------------------------------------- cpio headers

_NAME = st.lists(st.sampled_from(['usr', 'lib', 'modules', '6.1.0-50-amd64', 'kernel', 'drivers', 'firmware',
                                  'dracut', 'modules.txt', 'sd_mod.ko.xz', 'ext4.ko', '..', '.', 'a b', u'\u00b2',
                                  'early_cpio', 'conf', 'initramfs.conf']),
                 min_size=1, max_size=6).map(lambda parts: '/'.join(parts).encode('utf-8'))
_ENTRY = st.tuples(_NAME, st.binary(max_size=64), st.sampled_from([0o100644, 0o040755, 0o120777, 0o020600]))
_ENTRIES = st.lists(_ENTRY, min_size=0, max_size=6)

# What a mutated header field holds: non-hex, not ASCII, huge, zero, short.
_BAD_FIELD = st.sampled_from([
    b'ffffffff', b'7fffffff', b'00000000', b'0000000g', b'0000 123', b'-0000001', b'0x000010', b'\xd9\xa40000000',
    b'\xc2\xb2000000', b'00000000'[:7] + b'\x00', b'FFFFFFFE', b'00010000', b'00010001', b'0000000A',
])


@st.composite
def mutated_archives(draw):
    """A newc archive (maybe crc), then one mutation: a field replaced, the NUL after a name
    missing, a magic changed, the archive cut short - or none."""
    entries = draw(_ENTRIES)
    magic = draw(st.sampled_from([b'070701', b'070702']))
    parts = [newc_entry(name, data, mode, magic=magic) for name, data, mode in entries]
    parts.append(newc_entry(b'TRAILER!!!', b'', 0, magic=magic))
    index = draw(st.integers(min_value=0, max_value=len(parts) - 1))
    name, data, mode = (entries + [(b'TRAILER!!!', b'', 0)])[index]
    kind = draw(st.sampled_from(['none', 'field', 'nul', 'magic', 'cut', 'field+cut']))
    if kind in ('field', 'field+cut'):
        field = draw(st.sampled_from(FIELDS))
        parts[index] = newc_entry(name, data, mode, magic=magic, fields={field: draw(_BAD_FIELD)})
    elif kind == 'nul':
        parts[index] = newc_entry(name, data, mode, magic=magic, nul=False)
    elif kind == 'magic':
        parts[index] = draw(st.sampled_from([b'070707', b'070700', b'\xc7\x71', b'07070'])) + parts[index][6:]
    data = b''.join(parts)
    if 'cut' in kind:
        data = data[:draw(st.integers(min_value=0, max_value=max(0, len(data) - 1)))]
    return kind, entries, data


_WRAP = st.sampled_from(['none', 'gzip', 'early+gzip', 'padded', 'twice', 'gzip-twice'])


def _wrap(how, data):
    early = newc_archive([(b'early_cpio', b'1\n', 0o100644)])
    return {
        'none': data,
        'gzip': _gzip(data),
        'early+gzip': early + _gzip(data),
        'padded': data + b'\x00' * 512,
        'twice': data + data,
        'gzip-twice': _gzip(data + b'\x00' * 8 + data),
    }[how]


@given(mutated_archives(), _WRAP)
def test_cpio_headers_parse_or_refuse(archive, how):
    kind, entries, data = archive
    status, result = parses_or_refuses(initramfs.list_image, _image(_wrap(how, data)), members=True)
    if kind == 'none':
        # well formed by construction: listed, every member in order (the trailer not counted)
        assert status == 'ok', result
        names = [initramfs._clean(name.decode('utf-8')) for name, dummy, dummy2 in entries]
        assert result['members'][len(result['members']) - len(names):] == names
    elif kind in ('nul', 'magic'):
        assert status == 'refused', (kind, result)
    if status == 'refused':
        assert 'initrd.img' in result  # the image is named


@given(st.sampled_from([b'', b'070701', b'070702', b'\x1f\x8b\x08\x00', b'\xfd7zXZ\x00', b'\x5d\x00\x00',
                        b'BZh9', b'\x00' * 16, b'070707', b'TRAILER!!!']),
       st.binary(max_size=2048))
def test_arbitrary_bytes_parse_or_refuse(magic, tail):
    data = magic + tail
    if not data:
        data = b'\x00'
    status, result = parses_or_refuses(initramfs.list_image, _image(data))
    if status == 'refused':
        assert 'initrd.img' in result


@given(st.binary(max_size=32))
def test_detect_compression_never_raises(head):
    assert initramfs.detect_compression(head) in (None, 'cpio', 'gzip', 'xz', 'zstd', 'lz4', 'lzma', 'bzip2')


def test_huge_sizes_are_refused_without_allocating_them():
    """A 0xffffffff file size or a name size past the end: refused at once, naming the offset."""
    big_file = newc_entry(b'usr/lib/modules/x', b'', fields={'filesize': b'ffffffff'}) + newc_entry(b'TRAILER!!!', b'', 0)
    status, message = parses_or_refuses(initramfs.list_image, _image(big_file))
    assert status == 'refused' and 'cut short' in message and '4294967295 bytes' in message
    big_name = newc_entry(b'x', b'', fields={'namesize': b'7fffffff'})
    status, message = parses_or_refuses(initramfs.list_image, _image(big_name))
    assert status == 'refused' and 'name size 2147483647' in message and 'offset 0' in message
    past_end = newc_entry(b'x', b'', fields={'namesize': b'00000fff'})
    status, message = parses_or_refuses(initramfs.list_image, _image(past_end))
    assert status == 'refused' and 'cut short' in message


# ---------------------------------------------------------------- kernel configs

_OPTION = st.text(alphabet='ABCXYZ_019', min_size=1, max_size=12)
_GOOD_VALUE = st.one_of(
    st.sampled_from(['y', 'm', 'n']),
    st.integers(min_value=-2 ** 63, max_value=2 ** 64).map(str),
    st.integers(min_value=0, max_value=2 ** 64).map(lambda number: '0x%x' % number),
    st.text(alphabet=u'ab c\\"\u00e9=#', max_size=12).map(
        lambda text: '"%s"' % text.replace('\\', '\\\\').replace('"', '\\"')),
)
_BAD_VALUE = st.sampled_from([u'\u00b2', u'\u0664', u'5\u00b2', '1' * 5000, '0x' + 'f' * 5000, '"unclosed', '"a"b"',
                              'yes', '', ' y', '0x', '--1', u'\uff11', '"\\"', 'y # comment', '\x00'])


@st.composite
def near_valid_configs(draw):
    """Config lines, well formed or one piece off; returns (text, expected options or None)."""
    lines = []
    expected = {}
    broken = False
    for dummy in range(draw(st.integers(min_value=0, max_value=8))):
        name = draw(_OPTION)
        shape = draw(st.sampled_from(['set', 'set', 'not set', 'comment', 'blank', 'bad value', 'bad prefix', 'bad name']))
        if shape == 'set':
            value = draw(_GOOD_VALUE)
            lines.append('CONFIG_%s=%s' % (name, value))
            expected[name] = value[1:-1] if value.startswith('"') else value
        elif shape == 'not set':
            lines.append('# CONFIG_%s is not set' % name)
        elif shape == 'comment':
            lines.append('# ' + draw(st.text(max_size=20)).replace('\n', ' ').replace('\r', ' '))
        elif shape == 'blank':
            lines.append(draw(st.sampled_from(['', ' ', '\t'])))
        elif shape == 'bad value':
            lines.append('CONFIG_%s=%s' % (name, draw(_BAD_VALUE)))
            broken = True
        elif shape == 'bad prefix':
            lines.append(draw(st.sampled_from(['config_', 'CONFIG', ' CONFIG-', u'CONFIG_\u0664', 'CONFIG_ '])) + name + '=y')
            broken = True
        else:
            lines.append(u'CONFIG_%s\u00e9=y' % name)
            broken = True
    newline = draw(st.sampled_from(['\n', '\r\n']))
    return newline.join(lines) + newline, (None if broken or not expected else expected)


@given(near_valid_configs())
def test_kernel_config_lines_parse_or_refuse(config):
    text, expected = config
    status, result = parses_or_refuses(kconfig.parse_config, text, '/boot/config-6.1.0')
    if expected is not None:
        assert status == 'ok' and result == expected, result
    elif status == 'refused':
        assert '/boot/config-6.1.0' in result


@given(st.text(max_size=400))
def test_arbitrary_config_text_parses_or_refuses(text):
    status, result = parses_or_refuses(kconfig.parse_config, text, '/boot/config-x')
    if status == 'refused':
        assert '/boot/config-x' in result


@given(near_valid_configs(), st.sampled_from(['whole', 'cut', 'junk', 'twice', 'padded', 'flipped']), st.integers(min_value=0))
def test_gzipped_configs_parse_or_refuse(config, how, where):
    text, expected = config
    data = _gzip(text.encode('utf-8'))
    data = {
        'whole': data,
        'cut': data[:where % len(data)],
        'junk': data + b'junk',
        'twice': data + data,
        'padded': data + b'\x00' * 64,
        'flipped': data[:where % len(data)] + bytes(bytearray([data[where % len(data)] ^ 0x55])) + data[where % len(data) + 1:],
    }[how]
    status, result = parses_or_refuses(lambda: kconfig.parse_config(kconfig.decode(data, '/proc/config.gz'), '/proc/config.gz'))
    if status == 'refused':
        assert '/proc/config.gz' in result
    elif how in ('whole', 'padded') and expected is not None:
        assert result == expected


@given(st.binary(max_size=1024))
def test_arbitrary_gzip_bytes_parse_or_refuse(tail):
    status, result = parses_or_refuses(lambda: kconfig.decode(b'\x1f\x8b' + tail, '/proc/config.gz'))
    if status == 'refused':
        assert '/proc/config.gz' in result


# ---------------------------------------------------------------- modules.dep / modules.builtin

_PATH_PART = st.sampled_from(['kernel', 'drivers', 'scsi', 'fs', 'ext4', 'megaraid', 'x86', 'a b', u'\u00b2', '..', ''])
_MODULE = st.sampled_from(['sd_mod', 'megaraid_sas', 'dm-mod', 'ext4', '8250', 'nf_conntrack', 'a', u'sd\u0430mod',
                           'x:y', '-', '', 'mod\x00ule', 'mod ule'])
_EXT = st.sampled_from(['.ko', '.ko.xz', '.ko.zst', '.ko.gz', '.ko.bz2', '.o', '', '.KO'])


@st.composite
def module_paths(draw):
    parts = draw(st.lists(_PATH_PART, max_size=4))
    return '/'.join(parts + [draw(_MODULE) + draw(_EXT)])


@st.composite
def module_files(draw):
    """modules.dep (dep=True) or modules.builtin (dep=False) text of near-valid lines."""
    dep = draw(st.booleans())
    lines = []
    for dummy in range(draw(st.integers(min_value=0, max_value=6))):
        head = draw(module_paths())
        if dep:
            deps = draw(st.lists(module_paths(), max_size=3))
            lines.append(head + draw(st.sampled_from([':', ': ', ':', ''])) + ' '.join(deps))
        else:
            lines.append(head + draw(st.sampled_from(['', '', ':'])))
    return dep, '\n'.join(lines) + draw(st.sampled_from(['', '\n', '\r\n']))


def _good_path(path):
    name = path.rsplit('/', 1)[-1]
    stem = name.split('.ko', 1)[0]
    return (name.endswith(('.ko', '.ko.xz', '.ko.zst', '.ko.gz')) and stem and bootchain.MODULE_NAME.match(stem)
            and ' ' not in path and ':' not in path and all(32 < ord(char) < 127 for char in path))


@given(module_files())
def test_module_lists_parse_or_refuse(module_file):
    dep, text = module_file
    what = '/lib/modules/6.1.0/modules.%s' % ('dep' if dep else 'builtin')
    status, result = parses_or_refuses(bootchain.parse_module_list, text, what, dep=dep)
    if status == 'refused':
        assert what in result and ' line ' in result
    else:
        assert all(bootchain.MODULE_NAME.match(name) for name in result)


@given(st.lists(module_paths(), min_size=1, max_size=5))
def test_module_list_of_good_paths_is_read(paths):
    good = [path for path in paths if _good_path(path)]
    text = ''.join('%s:\n' % path for path in good)
    status, result = parses_or_refuses(bootchain.parse_module_list, text, 'modules.dep', dep=True)
    assert status == 'ok', result
    assert result == set(initramfs.normalise_module_name(path) for path in good)


@given(st.binary(max_size=600))
def test_binary_module_lists_parse_or_refuse(data):
    text = data.decode('utf-8', 'replace')
    for dep in (True, False, None):
        parses_or_refuses(bootchain.parse_module_list, text, 'modules.dep', dep=dep)


# ---------------------------------------------------------------- mountinfo

_MOUNT_FIELD = st.sampled_from(['21', '64', '0', '-1', u'\u00b2', '8:1', '0:19', '8:1:2', ':', '253:0', u'8:\u0661',
                                '/', '/boot', '/mnt/a\\040b', '\\134', 'rw,relatime', 'shared:1', '-', 'ext4', 'xfs',
                                '/dev/sda1', 'none', '', '99999999:1'])


@given(st.lists(st.lists(_MOUNT_FIELD, max_size=12), max_size=5), st.booleans())
def test_mountinfo_lines_parse_or_refuse(lines, valid_first):
    text = '\n'.join(' '.join(fields) for fields in lines)
    if valid_first:
        text = '25 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n' + text
    status, result = parses_or_refuses(bootchain.parse_mountinfo, text)
    if status == 'ok':
        assert all(bootchain.DEV_NUMBER.match(mount['dev']) for mount in result.values())
    else:
        assert '/proc/self/mountinfo line ' in result


@given(st.text(max_size=300))
def test_arbitrary_mountinfo_parses_or_refuses(text):
    parses_or_refuses(bootchain.parse_mountinfo, text)


# ---------------------------------------------------------------- names read off /boot and /lib/modules

_FILE_NAME = st.one_of(
    st.binary(min_size=1, max_size=60).filter(lambda name: b'/' not in name and b'\x00' not in name
                                              and name not in (b'.', b'..')),
    st.sampled_from([u'5\u00b2', u'6.1.0-\u0664', u'6.1.0-50-amd64', u'--help', u'4.18.0-240.el8.x86_64',
                     u'a' * 64, u'a' * 65, u'6.1 x', u'$(id)', u'\u00e9']).map(lambda text: text.encode('utf-8')),
)


@given(st.lists(_FILE_NAME, max_size=6, unique=True), st.lists(_FILE_NAME, max_size=4, unique=True))
def test_kernel_names_in_boot_and_lib_modules(boot_names, module_dirs):
    root = tempfile.mkdtemp(dir=_scratch())
    try:
        os.makedirs(os.path.join(root, 'boot'))
        os.makedirs(os.path.join(root, 'lib', 'modules'))
        for name in boot_names:
            for prefix in (b'vmlinuz-', b'config-'):
                with open(os.path.join(root.encode('utf-8'), b'boot', prefix + name), 'wb') as handle:
                    handle.write(b'kernel')
        for name in module_dirs:
            os.makedirs(os.path.join(root.encode('utf-8'), b'lib', b'modules', name, b'vmlinuz'))
        for reader in (bootchain.installed_kernels, kconfig.installed_kernels):
            status, result = parses_or_refuses(reader, root)
            assert status == 'ok', result
            # only kernel releases come out, in package order, never '5\u00b2' or '--help'
            assert all(bootchain.is_kernel_release(kver) for kver in result), result
            assert result == sorted(result, key=kernel_release.sort_key)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@given(st.text(max_size=80))
def test_udev_names_unescape_to_text(name):
    assert isinstance(bootchain.unescape_udev(name), type(u''))
    assert bootchain.unescape_udev(name.replace('\\', '')) == name.replace('\\', '')


# ---------------------------------------------------------------- generator configurations

_CONF_PIECE = st.sampled_from(['add_drivers', 'drivers', 'omit_drivers', '+=', '=', '"', "'", ' ', '\t', '#', 'sd_mod',
                               '$(id)', u'\u00b2', '\r', '\n', 'MODULES', 'most', '\x00'])


@given(st.lists(_CONF_PIECE, max_size=30).map(''.join), st.text(max_size=200))
def test_generator_configs_parse_or_refuse(pieces, text):
    for conf in (pieces, text):
        status, result = parses_or_refuses(bootchain.parse_dracut_conf, conf)
        assert status == 'ok' and set(result) <= set(bootchain.DRACUT_LIST_KEYS)
        parses_or_refuses(bootchain.parse_initramfs_tools_modules, conf)
