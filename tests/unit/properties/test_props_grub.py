# -*- coding: utf-8 -*-
"""Property tests of the GRUB readers: grub.cfg (menuentries, submenus, if/function blocks),
GRUB legacy grub.conf, BLS entries, /etc/default/grub, grubenv, kernel command lines, the menu
index / saved_entry lookup, and the whole reader grub_facts runs (bootloader.collect) on a fake
root.

Each property: the generated input parses or is refused with the collection's error
(contract.parses_or_refuses: GrubParseError is a HostReadError) - any other exception fails.
Inputs are near-valid (real-looking files with one or more mutations: unbalanced braces and
quotes, deep nesting, Unicode digits, huge numbers, NUL bytes, CR, invalid UTF-8, truncation)
and arbitrary text. Where the input is well formed by construction, the answer is checked too
(a reader that refused everything would pass otherwise).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import shutil
import tempfile

import pytest
from hypothesis import event, given, strategies as st

from ansible_collections.fleetfix.kernel.plugins.module_utils import (
    bootloader,
    default_grub,
    grub2_cfg,
    grub_bls,
    grub_legacy,
    grub_menu,
    grubenv,
    kernel_cmdline,
)
from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import MAX_NESTING, GrubParseError

from contract import parses_or_refuses

CFG = '/boot/grub/grub.cfg'
CONF = '/boot/grub/grub.conf'
ENTRY = '/boot/loader/entries/35dc1905d91b4156a327bd529f5b60da-4.18.0-477.el8.x86_64.conf'
DEFAULT = '/etc/default/grub'
ENV = '/boot/grub2/grubenv'
UUID = 'f6a6efc5-919c-4393-8e76-c84e475cd609'

# ---------------------------------------------------------------- shared pieces

# What a number, a version or a title may be: real ones, and the ones that broke readers.
HOSTILE_NUMBERS = ['0', '1', '2', '10', '-1', '5\u00b2', '\u00b2', '\u0663', '\u0661\u0662', '\uff11', '9' * 41,
                   '9' * 5000, '1>2', '0>0>0', '>', '1>\u00b2', '0x1', ' 1', '1 ', '', '01', '2147483648', '+1']
VERSIONS = ['6.1.0-50-amd64', '4.18.0-477.27.1.el8_8.x86_64', '3.10.0-514.el7.x86_64', '5\u00b2', '\u0663.1',
            '0-rescue-35dc1905d91b4156a327bd529f5b60da', '9' * 300, '', 'a b']
ROOTS = ['UUID=' + UUID, '/dev/sda1', '/dev/mapper/rhel-root', 'LABEL=root', '/dev/nvme0n1p2', 'PARTUUID=1234-01', '']
TITLES = ['Debian GNU/Linux', 'CentOS Linux (3.10.0-514.el7.x86_64) 7 (Core)', 'Advanced options for Debian GNU/Linux',
          'D\u00e9bian \u2014 x', 'a>b', '5\u00b2', '\u0663', "it's", 'say "hi"', 'brace { }', '$var ${x}', 'back\\slash']
# Characters that break lexers: quotes, braces, backslashes, NUL, CR, Unicode digits and spaces.
NASTY = ['{', '}', "'", '"', '\\', '\x00', '\r', '\n', ';', '#', '$', '${', '\u00b2', '\u0663', '\u00a0', '\u2028',
         '\ufffd', '>', '=', '`', '$(', ')', ' ', '\t']

WORDS = ['menuentry ', 'submenu ', 'if ', 'fi', 'then', 'title ', 'kernel ', 'linux ']
text_soup = st.lists(st.sampled_from(NASTY + list('abcdefgh0123456789 =-_/.') + WORDS), max_size=120).map(''.join)


def undecodable(data):
    """Bytes as the readers get them: read_text decodes UTF-8 with replacement."""
    return data.decode('utf-8', 'replace')


@st.composite
def mutated(draw, text):
    """``text`` with 0-4 mutations: a character inserted, deleted or replaced, a truncation."""
    for _round in range(draw(st.integers(0, 4))):
        if not text:
            text = draw(st.sampled_from(NASTY))
            continue
        at = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(['insert', 'delete', 'replace', 'truncate', 'digit']))
        if how == 'insert':
            text = text[:at] + draw(st.sampled_from(NASTY)) + text[at:]
        elif how == 'delete':
            text = text[:at] + text[at + 1:]
        elif how == 'replace':
            text = text[:at] + draw(st.sampled_from(NASTY)) + text[at + 1:]
        elif how == 'truncate':
            text = text[:at]
        else:
            text = text.replace(draw(st.sampled_from('0123456789')), draw(st.sampled_from(['\u00b2', '\u0663', '9' * 50])), 1)
    return text


def _quote(title, how):
    if how == 'single' and "'" not in title:
        return "'%s'" % title
    if how == 'bare' and title and all(c.isalnum() or c in '-_./()' for c in title):
        return title
    return '"%s"' % title.replace('\\', '\\\\').replace('"', '\\"').replace('$', '\\$')


# ---------------------------------------------------------------- grub.cfg

@st.composite
def grub_entry(draw, title=None):
    title = draw(st.sampled_from(TITLES)) if title is None else title
    version = draw(st.sampled_from(VERSIONS))
    body = ["\tload_video", "\tinsmod gzio", "\tset root='hd0,msdos1'",
            "\tlinux /boot/vmlinuz-%s root=%s ro quiet" % (version, draw(st.sampled_from(ROOTS))),
            "\tinitrd /boot/initrd.img-%s" % version]
    if draw(st.booleans()):
        body.insert(1, "\tif [ x$grub_platform = xxen ]; then insmod xzio; insmod lzopio; fi")
    return "menuentry %s --class debian --class gnu-linux $menuentry_id_option 'gnulinux-%s' {\n%s\n}\n" % (
        _quote(title, draw(st.sampled_from(['single', 'double', 'bare']))), version, '\n'.join(body))


@st.composite
def grub_cfg(draw, depth=2):
    """(text, number of menuentries) of a grub.cfg in grub-mkconfig's shape."""
    parts = ['#\n# DO NOT EDIT THIS FILE\n#\n', 'if [ -s $prefix/grubenv ]; then\n  load_env\nfi\n',
             'set default="%s"\n' % draw(st.sampled_from(HOSTILE_NUMBERS + ['${saved_entry}', 'saved'])),
             'set timeout=%s\n' % draw(st.sampled_from(['5', '0', '-1', '\u0665'])),
             'function load_video {\n  insmod efi_gop\n  menuentry hidden { linux /x root=/dev/sdz }\n}\n']
    count = 0
    for _item in range(draw(st.integers(0, 4))):
        if depth and draw(st.booleans()):
            inner, inner_count = draw(grub_cfg(depth=depth - 1))
            parts.append("submenu %s $menuentry_id_option 'gnulinux-advanced' {\n%s}\n"
                         % (_quote(draw(st.sampled_from(TITLES)), 'single'), inner))
            count += inner_count
        else:
            parts.append(draw(grub_entry()))
            count += 1
    if draw(st.booleans()):
        parts.append('blscfg\n')
    return ''.join(parts), count


@given(grub_cfg())
def test_well_formed_grub_cfg_parses_with_every_entry(case):
    text, count = case
    status, parsed = parses_or_refuses(grub2_cfg.parse_grub2_cfg, text, CFG)
    assert status == 'ok', parsed
    assert len(parsed['entries']) == count
    assert all(entry['kernel'].startswith('/boot/vmlinuz-') for entry in parsed['entries'])
    # the menu lookups never raise, whatever the default names
    grub_menu.default_entry(parsed, {'saved_entry': '1>0'})


@given(st.data())
def test_mutated_grub_cfg_parses_or_refuses(data):
    text, _count = data.draw(grub_cfg())
    text = data.draw(mutated(text))
    if data.draw(st.booleans()):
        text = text.replace('\n', '\r\n')
    status, parsed = parses_or_refuses(grub2_cfg.parse_grub2_cfg, text, CFG)
    event(status)
    if status == 'ok':
        env = {'saved_entry': data.draw(st.sampled_from(HOSTILE_NUMBERS)), 'next_entry': '0'}
        parses_or_refuses(grub_menu.default_entry, parsed, env, next_boot=data.draw(st.booleans()))
        parses_or_refuses(grub_menu.menu_entries, parsed, [], env)
    else:
        assert CFG in parsed


@given(st.one_of(text_soup, st.text(max_size=300), st.binary(max_size=300).map(undecodable)))
def test_arbitrary_grub_cfg_parses_or_refuses(text):
    status, parsed = parses_or_refuses(grub2_cfg.parse_grub2_cfg, text, CFG)
    if status == 'ok':
        grub_menu.default_entry(parsed, {})


@given(st.integers(1, 3000), st.sampled_from(['submenu a {\n', 'if x; then\n', 'function f {\n', 'while x; do\n',
                                             "menuentry 'a' {\n"]))
def test_deep_nesting_is_refused_past_the_limit_never_a_recursion_error(depth, opener):
    closer = {'s': '}\n', 'i': 'fi\n', 'f': '}\n', 'w': 'done\n', 'm': '}\n'}[opener[0]]
    status, answer = parses_or_refuses(grub2_cfg.parse_grub2_cfg, opener * depth + closer * depth, CFG)
    if depth <= MAX_NESTING:
        assert status == 'ok', answer
    else:
        assert status == 'refused' and 'nested more than 64 deep' in answer and CFG in answer


# ---------------------------------------------------------------- the menu index (default=, saved_entry)

@given(grub_cfg(), st.one_of(st.sampled_from(HOSTILE_NUMBERS + TITLES), text_soup),
       st.one_of(st.none(), st.sampled_from(HOSTILE_NUMBERS)))
def test_menu_index_lookup_never_raises(case, default, saved):
    parsed = grub2_cfg.parse_grub2_cfg(case[0], CFG)
    parsed['default'] = default
    env = {} if saved is None else {'saved_entry': saved}
    status, found = parses_or_refuses(grub_menu.default_entry, parsed, env)
    assert status == 'ok'
    if found is not None:
        assert found in grub_menu.menu_entries(parsed, None, env)


@given(grub_cfg())
def test_every_entry_is_found_by_its_own_index_and_path(case):
    parsed = grub2_cfg.parse_grub2_cfg(case[0], CFG)
    for entry in parsed['entries']:
        parsed['default'] = str(entry['index'])
        assert grub_menu.default_entry(parsed, {}) is entry


# ---------------------------------------------------------------- GRUB legacy grub.conf

@st.composite
def grub_conf(draw):
    lines = ['# grub.conf generated by anaconda', '#boot=/dev/sda',
             '%s %s' % (draw(st.sampled_from(['default', 'default='])), draw(st.sampled_from(HOSTILE_NUMBERS + ['saved']))),
             'timeout %s' % draw(st.sampled_from(['5', '0', '\u0665', '9' * 60])),
             'fallback %s' % draw(st.sampled_from(['1', '1 2', '\u00b2', ''])), 'hiddenmenu',
             'splashimage=(hd0,0)/grub/splash.xpm.gz']
    for _item in range(draw(st.integers(0, 4))):
        version = draw(st.sampled_from(VERSIONS))
        lines += ['title %s' % draw(st.sampled_from(TITLES)), '\troot (hd0,0)',
                  '\tkernel /vmlinuz-%s ro root=%s rd_NO_LUKS quiet' % (version, draw(st.sampled_from(ROOTS))),
                  '\tinitrd /initramfs-%s.img' % version]
    return '\n'.join(lines) + draw(st.sampled_from(['\n', '', '\r\n']))


@given(st.data())
def test_grub_conf_parses_or_refuses_and_the_edit_keeps_every_other_byte(data):
    text = data.draw(mutated(data.draw(grub_conf())))
    status, parsed = parses_or_refuses(grub_legacy.parse_grub_legacy, text, CONF)
    event(status)
    if status == 'refused':
        assert CONF in parsed
        return
    entries = [dict(entry, index=str(entry['index'])) for entry in parsed['entries']]
    env = {'saved_entry': data.draw(st.sampled_from(HOSTILE_NUMBERS))}
    bootloader._legacy_default(parsed, entries, env)  # pylint: disable=protected-access
    grub_menu.default_entry(parsed, env)
    before = text.encode('utf-8')
    plan = grub_legacy.plan_root_legacy(before, 'UUID=' + UUID, ['lvm'], CONF)
    assert grub_legacy.edit_problems(before, plan['data'], 'UUID=' + UUID, ['lvm'], CONF) == []


@given(st.one_of(text_soup, st.text(max_size=300), st.binary(max_size=300).map(undecodable)))
def test_arbitrary_grub_conf_parses_or_refuses(text):
    parses_or_refuses(grub_legacy.parse_grub_legacy, text, CONF)
    data = text.encode('utf-8')
    parses_or_refuses(grub_legacy.plan_root_legacy, data, 'UUID=' + UUID, [], CONF)


# ---------------------------------------------------------------- BLS entries

@st.composite
def bls_entry(draw):
    version = draw(st.sampled_from(VERSIONS))
    lines = ['title %s' % draw(st.sampled_from(TITLES)), 'version %s' % version, 'linux /vmlinuz-%s' % version,
             'initrd /initramfs-%s.img $tuned_initrd' % version,
             'options %s' % draw(st.sampled_from(['$kernelopts $tuned_params', 'root=%s ro' % draw(st.sampled_from(ROOTS)),
                                                  '${kernelopts}', 'root="a b"', ''])),
             'id rhel-20230101-%s' % version, 'grub_users $grub_users', 'grub_arg --unrestricted',
             'grub_class kernel']
    return '\n'.join(draw(st.permutations(lines)))


@given(st.lists(st.tuples(bls_entry(), st.sampled_from(['mutate', 'keep', 'soup'])), max_size=4), st.data())
def test_bls_entries_parse_or_refuse_and_sort_and_merge(items, data):
    env = {'kernelopts': data.draw(st.sampled_from(['root=/dev/sda1 ro', 'root="x y"', '', '\u00b2'])),
           'saved_entry': data.draw(st.sampled_from(HOSTILE_NUMBERS + ['rhel-20230101-6.1.0-50-amd64']))}
    entries = []
    for number, (text, how) in enumerate(items):
        if how == 'mutate':
            text = data.draw(mutated(text))
        elif how == 'soup':
            text = data.draw(text_soup)
        path = '/boot/loader/entries/e%d.conf' % number
        status, entry = parses_or_refuses(grub_bls.parse_bls_entry, text, path, env)
        event(status)
        if status == 'ok':
            entries.append(entry)
        else:
            assert path in entry
    grub_bls.sort_bls_entries(entries)
    cfg = grub2_cfg.parse_grub2_cfg("set default=\"${saved_entry}\"\nmenuentry 'x' {\n linux /v\n}\nblscfg\n", CFG)
    menu = grub_menu.menu_entries(cfg, entries, env)
    assert len(menu) == 1 + len(entries)
    grub_menu.default_entry(cfg, env, bls_entries=entries)


# ---------------------------------------------------------------- /etc/default/grub

KEYS = ['GRUB_DEFAULT', 'GRUB_TIMEOUT', 'GRUB_CMDLINE_LINUX', 'GRUB_DISABLE_LINUX_UUID', 'GRUB_TERMINAL']
VALUES = ['0', 'saved', 'true', 'quiet splash', 'root=/dev/sda1 console=ttyS0,115200', '5\u00b2', '9' * 60, '',
          'a"b', "it's", '$GRUB_TIMEOUT', 'x\\y', '`uname -r`']


@st.composite
def default_grub_text(draw):
    lines = ['# If you change this file, run update-grub', '']
    for _item in range(draw(st.integers(0, 6))):
        key = draw(st.sampled_from(KEYS))
        value = draw(st.sampled_from(VALUES))
        lines.append(draw(st.sampled_from([
            '%s=%s' % (key, value.replace(' ', '_').replace('"', '').replace("'", '').replace('`', '') or '""'),
            '%s="%s"' % (key, value.replace('\\', '\\\\').replace('"', '\\"').replace('`', '\\`')),
            "%s='%s'" % (key, value.replace("'", '')),
            'export %s="%s"' % (key, value.replace('"', '').replace('\\', '').replace('`', '')),
            'GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`',
            'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX \\\n  rd.lvm.lv=rhel/root"',
            'if [ -x /usr/bin/foo ]; then\n  %s=1\nfi' % key,
            'GRUB_X=$(echo "a(b)")',
            '#%s=commented' % key])))
    return '\n'.join(lines) + '\n'


@given(default_grub_text(), st.sampled_from(KEYS), st.sampled_from(VALUES))
def test_well_formed_default_grub_parses_and_a_set_value_reads_back(text, key, value):
    status, parsed = parses_or_refuses(default_grub.parse_default_grub, text, DEFAULT)
    assert status == 'ok', parsed
    new = default_grub.set_default_grub_value(text, key, value, DEFAULT)
    assert default_grub.parse_default_grub(new, DEFAULT)['settings'][key] == value


@given(st.data())
def test_mutated_default_grub_parses_or_refuses(data):
    text = data.draw(st.one_of(default_grub_text().flatmap(mutated), text_soup, st.text(max_size=200),
                               st.binary(max_size=200).map(undecodable)))
    status, answer = parses_or_refuses(default_grub.effective_default_grub, [(DEFAULT, text), ('/etc/default/grub.d/x.cfg', text)])
    event(status)
    if status == 'refused':
        assert DEFAULT in answer
    parses_or_refuses(default_grub.set_default_grub_value, text, 'GRUB_TIMEOUT', '5\u00b2', DEFAULT)


# ---------------------------------------------------------------- grubenv

@st.composite
def grubenv_block(draw):
    pairs = draw(st.lists(st.tuples(st.sampled_from(['saved_entry', 'next_entry', 'kernelopts', 'boot_success']),
                                    st.sampled_from(HOSTILE_NUMBERS + TITLES + ['a\\\\b', 'line1\\\nline2'])),
                          max_size=4))
    body = '# GRUB Environment Block\n' + ''.join('%s=%s\n' % pair for pair in pairs)
    return body + '#' * max(0, 1024 - len(body.encode('utf-8')))


@given(st.data())
def test_grubenv_parses_or_refuses(data):
    text = data.draw(st.one_of(grubenv_block(), grubenv_block().flatmap(mutated), text_soup,
                               st.binary(max_size=1024).map(undecodable)))
    status, answer = parses_or_refuses(grubenv.parse_grubenv, text, ENV)
    event(status)
    if status == 'refused':
        assert ENV in answer
    elif text.startswith('# GRUB Environment Block\n'):
        assert all(isinstance(value, type(u'')) for value in answer.values())


@given(grubenv_block())
def test_a_real_grubenv_block_parses(text):
    assert parses_or_refuses(grubenv.parse_grubenv, text, ENV)[0] == 'ok'


# ---------------------------------------------------------------- kernel command lines

CMDLINE_PIECES = list(kernel_cmdline.KERNEL_SPACE) + ['"', '=', '-', '--', 'root', 'ro', 'a', '\u00b2', '\u2028', '\x1c', '\x00']
cmdline_text = st.lists(st.sampled_from(CMDLINE_PIECES), max_size=40).map(''.join)


@given(cmdline_text)
def test_kernel_cmdline_spans_are_what_is_written(text):
    spans = kernel_cmdline.arg_spans(text)
    assert spans == list(kernel_cmdline.iter_arg_spans(text))
    for key, _value, start, end in spans:
        assert text[start:end].strip(kernel_cmdline.KERNEL_SPACE) == text[start:end] or '"' in text[start:end]
        assert key is not None
    kernel_cmdline.get_arg(text, 'root')
    kernel_cmdline.has_arg(text, 'root')
    root = kernel_cmdline.get_arg(text, 'root')
    if root is not None and '"' not in text:
        replaced = grub_legacy.replace_root_args(text, 'UUID=' + UUID)
        assert kernel_cmdline.get_arg(replaced, 'root') == 'UUID=' + UUID


# ---------------------------------------------------------------- the reader grub_facts runs, on fake roots

_ROOTS = {}


def _fresh_root():
    if 'dir' in _ROOTS:
        shutil.rmtree(_ROOTS['dir'], ignore_errors=True)
    _ROOTS['dir'] = tempfile.mkdtemp(prefix='fleetfix-props-grub-')
    return _ROOTS['dir']


def teardown_module(module):
    if 'dir' in _ROOTS:
        shutil.rmtree(_ROOTS.pop('dir'), ignore_errors=True)


def _write(root, path, data):
    full = os.path.join(root, path.lstrip('/'))
    if not os.path.isdir(os.path.dirname(full)):
        os.makedirs(os.path.dirname(full))
    with open(full, 'wb') as handle:
        handle.write(data)


@given(st.data())
def test_collect_on_a_fake_root_parses_or_refuses(data):
    root = _fresh_root()
    config = data.draw(st.sampled_from(['/boot/grub2/grub.cfg', '/boot/grub/grub.conf', '/boot/efi/EFI/rocky/grub.cfg']))
    if config.endswith('.conf'):
        text = data.draw(grub_conf().flatmap(mutated))
    else:
        text = data.draw(grub_cfg().map(lambda case: case[0]).flatmap(mutated))
    _write(root, config, text.encode('utf-8') + data.draw(st.sampled_from([b'', b'\xff\xfe', b'\x00'])))
    _write(root, '/boot/grub2/grubenv', data.draw(grubenv_block().flatmap(mutated)).encode('utf-8')[:1024])
    _write(root, '/boot/loader/entries/a.conf', data.draw(bls_entry().flatmap(mutated)).encode('utf-8'))
    _write(root, DEFAULT, data.draw(default_grub_text().flatmap(mutated)).encode('utf-8'))
    _write(root, '/proc/cmdline', data.draw(cmdline_text).encode('utf-8'))
    status, answer = parses_or_refuses(bootloader.collect, root)
    event(status if status == 'ok' else answer.split(':')[0].split(',')[0])
    if status == 'refused':
        assert '/boot/' in answer or DEFAULT in answer, answer


def test_the_contract_rejects_other_exceptions():
    """The contract itself: a parser that raises anything but HostReadError fails the test."""
    def broken(text):
        raise ValueError(text)
    with pytest.raises(ValueError):
        parses_or_refuses(broken, 'x')
    assert parses_or_refuses(grub2_cfg.parse_grub2_cfg, '}', CFG)[0] == 'refused'
    assert issubclass(GrubParseError, Exception)
