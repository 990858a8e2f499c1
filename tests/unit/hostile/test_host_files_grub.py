# -*- coding: utf-8 -*-
"""Malformed boot-loader files on fake roots (host_files_grub.CASES) through grub_facts' own exit
path (fake_root), and the memory a file at each cap costs, measured in a subprocess."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import bootchain, bootloader
from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import (
    BLS_ENTRY_MAX_BYTES,
    BLS_TOTAL_MAX_BYTES,
    DEFAULT_GRUB_MAX_BYTES,
    DEFAULT_GRUB_TOTAL_MAX_BYTES,
    GRUB_CFG_MAX_BYTES,
    GRUB_LEGACY_MAX_BYTES,
    GRUBENV_MAX_BYTES,
)

from hostile import fake_root
from hostile.host_files_grub import CASES, CFG, CONF, TWO, LEGACY

COLLECTORS = {'grub_facts': bootloader.collect, 'boot_files': bootloader.read_boot_files}
IS_ROOT = hasattr(os, 'geteuid') and os.geteuid() == 0


def _full(root, path):
    return os.path.join(root, path.lstrip('/'))


def _run(tmp_path, collector, files):
    """Plant ``files``, apply the collector's /SETUP:PATH, run it through exit_with_facts."""
    name, _sep, setup = collector.partition('/')
    root = fake_root.plant(tmp_path / 'host', files)
    how, _sep, path = setup.partition(':')
    restore = None
    if how == 'symlink-loop':
        os.symlink(_full(root, path), _full(root, path))
    elif how == 'fifo':
        os.mkfifo(_full(root, path))
    elif how == 'chmod-000':
        os.chmod(_full(root, path), 0)
        restore = _full(root, path)
    try:
        return fake_root.outcome(lambda: COLLECTORS[name](root))
    finally:
        if restore:
            os.chmod(restore, 0o755)


def _names_a_file(message, collector, files):
    """The message names a planted file, or the directory it is in (a count or total cap)."""
    paths = [path for path in list(files) + [collector.partition(':')[2]] if path]
    return any(path in message or os.path.dirname(path) in message for path in paths)


@pytest.fixture(autouse=True)
def _no_block_devices(monkeypatch):
    # a fake root has no /dev/disk/by-*: root= resolution is not what these cases are about
    monkeypatch.setattr(bootchain, 'block_ids', lambda root: {'uuid': {}, 'label': {}, 'partuuid': {}, 'partlabel': {}})


@pytest.mark.parametrize('collector, files, fragment', CASES,
                         ids=['%d-%s-%s' % (n, case[0], (case[2] or 'ok')[:30]) for n, case in enumerate(CASES)])
def test_malformed_boot_files_are_refused_naming_the_file(tmp_path, collector, files, fragment):
    if 'chmod-000' in collector and IS_ROOT:
        pytest.skip('root reads a directory of mode 000 anyway')
    result = _run(tmp_path, collector, files)
    fake_root.check(result, fragment)
    if fragment is not None:
        assert _names_a_file(result[1], collector, files), result[1]


def test_at_least_30_host_file_cases():
    assert len(CASES) >= 30
    keys = [repr((case[0], sorted(case[1].items())[:3], case[2])) for case in CASES]
    assert len(keys) == len(set(keys))


# ---------------------------------------------------------------- what some accepted cases answer

def _facts(tmp_path, files):
    status, facts = _run(tmp_path, 'grub_facts', files)
    assert status == 'ok', facts
    return facts


def test_a_default_past_the_entries_names_no_entry(tmp_path):
    facts = _facts(tmp_path, {CFG: b'set default=99\n' + TWO})
    assert len(facts['entries']) == 2 and facts['default_entry'] is None and facts['default_setting'] == '99'


def test_unicode_digits_are_a_title_never_a_number(tmp_path):
    facts = _facts(tmp_path, {CFG: b'set default="\xd9\xa1"\n' + TWO})  # Arabic-Indic one
    assert facts['default_entry'] is None


def test_a_kernel_named_with_a_superscript_is_reported_as_named(tmp_path):
    facts = _facts(tmp_path, {CFG: TWO.replace(b'6.1.0-50-amd64', b'5\xc2\xb2'), '/boot/vmlinuz-5\u00b2': b''})
    assert facts['entries'][0]['version'] == '5\u00b2' and facts['default_entry']['version'] == '5\u00b2'


def test_submenu_path_default(tmp_path):
    entry = TWO[:TWO.index(b'}\n') + 2]
    facts = _facts(tmp_path, {CFG: b'set default="1>1"\n' + entry + b"submenu 'Advanced' {\n" + TWO + b'}\n'})
    assert facts['default_entry']['index'] == '1>1'


def test_legacy_default_past_the_entries_boots_the_first_as_grub_does(tmp_path):
    facts = _facts(tmp_path, {CONF: LEGACY.replace(b'default=0', b'default=99')})
    assert facts['default_entry']['index'] == '0' and facts['default_setting'] == '99'


def test_every_cap_is_named_in_the_refusal(tmp_path):
    """A file one byte over its cap: the error names the file and the cap."""
    caps = [(CFG, GRUB_CFG_MAX_BYTES), (CONF, GRUB_LEGACY_MAX_BYTES), ('/boot/grub2/grubenv', GRUBENV_MAX_BYTES),
            ('/boot/loader/entries/a.conf', BLS_ENTRY_MAX_BYTES), ('/etc/default/grub', DEFAULT_GRUB_MAX_BYTES)]
    for number, (path, cap) in enumerate(caps):
        files = {path: b'#' * (cap + 1)}
        if path.startswith('/boot/loader'):
            files[CFG] = b'blscfg\n'
        status, message = _run(tmp_path / str(number), 'grub_facts', files)
        assert status == 'failed' and path in message and 'larger than %d bytes' % cap in message, message


# ---------------------------------------------------------------- memory at the caps

_MEASURE = r'''
import json, os, resource, sys
from ansible_collections.fleetfix.kernel.plugins.module_utils import bootchain, bootloader, grub_legacy
bootchain.block_ids = lambda root: {'uuid': {}, 'label': {}, 'partuuid': {}, 'partlabel': {}}
root, what = sys.argv[1], sys.argv[2]


def peak_kb():
    # VmHWM: this process's own peak (ru_maxrss keeps the parent's across fork and exec)
    with open('/proc/self/status') as handle:
        for line in handle:
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


before = peak_kb()
if what == 'plan':
    data = open(os.path.join(root, 'boot/grub/grub.conf'), 'rb').read()
    plan = grub_legacy.plan_root_legacy(data, 'UUID=f6a6efc5-919c-4393-8e76-c84e475cd609', [], '/boot/grub/grub.conf')
    grub_legacy.edit_problems(data, plan['data'], 'UUID=f6a6efc5-919c-4393-8e76-c84e475cd609', [], '/boot/grub/grub.conf')
else:
    json.dumps(bootloader.collect(root))  # what the module returns, serialised as Ansible does
print(json.dumps({'before_kb': before, 'peak_kb': peak_kb()}))
'''


def _write(root, path, data):
    full = _full(root, path)
    if not os.path.isdir(os.path.dirname(full)):
        os.makedirs(os.path.dirname(full))
    with open(full, 'wb') as handle:
        handle.write(data)


def _at_caps(root, shape):
    """The costliest files at their caps (measured: the parsers' cost per byte is highest for
    these shapes)."""
    _write(root, '/proc/self/mountinfo', b'1 0 8:1 / / rw - ext4 /dev/sda1 rw\n')
    if shape == 'grub.cfg: variables':
        body = b''.join(b'v%d=1\n' % n for n in range(GRUB_CFG_MAX_BYTES // 7))
        _write(root, CFG, (b"menuentry 'a' {\n}\n" + body)[:GRUB_CFG_MAX_BYTES])
    elif shape == 'grub.cfg: initrd words':
        _write(root, CFG, (b"menuentry 'a' {\ninitrd " + b'ab ' * (GRUB_CFG_MAX_BYTES // 3))[:GRUB_CFG_MAX_BYTES - 3] + b'\n}\n')
    elif shape == 'grub.conf: plan of the edit':
        text = b'title a\n\tkernel /v root=/dev/sda1\n'
        _write(root, CONF, text + b'\n' * (GRUB_LEGACY_MAX_BYTES - len(text)))
    else:  # every file at its cap at once
        per = GRUB_CFG_MAX_BYTES // 1024
        entry = b"menuentry 'a' {\nlinux /v root=/dev/sda1 " + b'ab ' * (per // 6 - 10) + b'\ninitrd ' + b'cd ' * (per // 6 - 10) + b'\n}\n'
        _write(root, CFG, entry * min(1023, (GRUB_CFG_MAX_BYTES - 8) // len(entry)) + b'blscfg\n')
        env = b'# GRUB Environment Block\nsaved_entry=0\n'
        _write(root, '/boot/grub2/grubenv', env + b'#' * (GRUBENV_MAX_BYTES - len(env)))
        bls = b'title x\nversion 1\nlinux /v\ninitrd ' + b'ab ' * (BLS_ENTRY_MAX_BYTES // 7) + b'\noptions '
        bls += b'cd ' * ((BLS_ENTRY_MAX_BYTES - len(bls) - 1) // 3) + b'\n'
        for number in range(BLS_TOTAL_MAX_BYTES // BLS_ENTRY_MAX_BYTES):
            _write(root, '/boot/loader/entries/e%03d.conf' % number, bls)
        half = DEFAULT_GRUB_TOTAL_MAX_BYTES // 2
        _write(root, '/etc/default/grub', b'x\n' * (half // 2))
        _write(root, '/etc/default/grub.d/50.cfg', b'x\n' * (half // 2 - 1))


@pytest.mark.parametrize('shape', ['grub.cfg: variables', 'grub.cfg: initrd words', 'grub.conf: plan of the edit',
                                   'every file at its cap'])
def test_memory_at_the_caps_stays_well_under_100_mb(tmp_path, shape):
    root = str(tmp_path)
    _at_caps(root, shape)
    parent = bootloader.__file__
    for _level in range(6):  # .../ansible_collections/fleetfix/kernel/plugins/module_utils/bootloader.py
        parent = os.path.dirname(parent)
    env = dict(os.environ, PYTHONPATH=parent)
    what = 'plan' if shape.startswith('grub.conf') else 'collect'
    out = subprocess.check_output([sys.executable, '-c', _MEASURE, root, what], env=env)
    figures = json.loads(out.decode('ascii').strip().splitlines()[-1])
    peak = figures['peak_kb'] / 1024.0
    print('\n%s: peak RSS %.1f MB (%.1f MB before parsing)' % (shape, peak, figures['before_kb'] / 1024.0))
    assert peak < 80, '%s: %.1f MB' % (shape, peak)
