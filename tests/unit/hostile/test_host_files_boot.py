"""Malformed host files on fake roots, through the boot readers' facts modules (host_files_boot.CASES).

Every case runs through hostfs.exit_with_facts as the modules do (fake_root.outcome): facts, or
a fail_json message naming the file - never the catch-all, never a traceback. Further tests
here pin what the cases cannot say: the caps that keep memory bounded, with the caps turned down.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
import tracemalloc

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import bootchain, docker_check, initramfs, kconfig
from ansible_collections.fleetfix.kernel.plugins.modules import initramfs_facts, initramfs_rebuild

from hostile import fake_root
from hostile.host_files_boot import BASE, CASES, IMAGE, KVER, GOOD_CPIO, gz, host

PARAMS = {'kernels': None, 'required_drivers': None, 'extra_drivers': [], 'contents': True, 'on_error': 'fail'}


class PlanModule(object):
    """What initramfs_rebuild.plan_rebuilds asks of its module: where the generator is."""

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return '/usr/sbin/' + name


COLLECTORS = {
    'initramfs_facts': lambda root: initramfs_facts.collect(root, PARAMS),
    'initramfs_facts_report': lambda root: initramfs_facts.collect(root, dict(PARAMS, on_error='report')),
    'kernel_config_facts': lambda root: kconfig.collect(root, kernels='all'),
    'docker_kernel_check': lambda root: docker_check.collect(root, ['current', 'legacy'], 'all', lambda name: None),
    'initramfs_rebuild_plan': lambda root: initramfs_rebuild.plan_rebuilds(PlanModule(), root, [KVER], ['ext4'], 'initramfs-tools'),
}

# A failure names a host file: a path under one of these directories.
_HOST_PATH = re.compile(r'/(?:proc|sys|boot|lib|etc|usr)/')


def _case_id(case):
    collector, files = case[:2]
    changed = sorted(path for path in files if files[path] != BASE.get(path, object()))
    removed = sorted(path for path in BASE if path not in files)
    return '%s:%s%s' % (collector, ','.join(changed) or 'base', (' -' + ','.join(removed)) if removed else '')


def test_at_least_30_cases_each_once():
    assert len(CASES) >= 30
    keys = [repr((collector, sorted(files.items()))) for collector, files, dummy in CASES]
    assert len(keys) == len(set(keys))
    assert set(collector for collector, dummy, dummy2 in CASES) == set(COLLECTORS)


@pytest.mark.parametrize('case', CASES, ids=[_case_id(case) for case in CASES])
def test_malformed_host_file(case, tmp_path):
    collector, files, fragment = case
    root = fake_root.plant(tmp_path, files)
    result = fake_root.outcome(lambda: COLLECTORS[collector](root))
    fake_root.check(result, fragment)
    if result[0] == 'failed':
        assert _HOST_PATH.search(result[1]), result[1]  # the message names the file


def test_odd_kernel_names_are_no_kernels(tmp_path):
    root = fake_root.plant(tmp_path, host(odd=(u'/boot/vmlinuz-5\u00b2', b'k'), odd2=(u'/boot/config-5\u00b2', b'CONFIG_A=y\n'),
                                          odd3=(u'/lib/modules/\u0665.1', None)))
    assert bootchain.installed_kernels(root) == [KVER]
    assert kconfig.installed_kernels(root) == [KVER]


def _image_root(tmp_path, data):
    return fake_root.plant(tmp_path, host(image=(IMAGE, data)))


def test_a_decompression_bomb_stops_at_the_cap(tmp_path, monkeypatch):
    """4 GiB in production; 1 MiB here. Zeros after the trailer inside the stream count too."""
    monkeypatch.setattr(initramfs, 'MAX_UNPACKED', 1 << 20)
    root = _image_root(tmp_path, gz(GOOD_CPIO + b'\x00' * (2 << 20)))
    status, message = fake_root.outcome(lambda: COLLECTORS['initramfs_facts'](root))
    assert status == 'failed' and IMAGE in message and 'unpack to more than 1048576 bytes' in message


def test_the_number_of_entries_and_the_bytes_of_names_are_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(initramfs, 'MAX_ENTRIES', 2)
    root = _image_root(tmp_path, GOOD_CPIO)
    status, message = fake_root.outcome(lambda: COLLECTORS['initramfs_facts'](root))
    assert status == 'failed' and IMAGE in message and 'more than 2 entries' in message
    monkeypatch.setattr(initramfs, 'MAX_ENTRIES', 1 << 20)
    monkeypatch.setattr(initramfs, 'MAX_NAME_BYTES', 40)
    status, message = fake_root.outcome(lambda: COLLECTORS['initramfs_facts'](root))
    assert status == 'failed' and '40 bytes of names' in message


def _peak(collect):
    tracemalloc.start()
    try:
        result = fake_root.outcome(collect)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_bounded_on_bombs(tmp_path):
    """A 64 MiB zero stream in an initramfs is skipped in chunks; a /proc/config.gz bomb stops
    at 16 MiB (its decompressed text is kept until the cap, then dropped)."""
    image_root = fake_root.plant(tmp_path / 'image', host(image=(IMAGE, gz(GOOD_CPIO + b'\x00' * (64 << 20)))))
    (status, facts), peak = _peak(lambda: COLLECTORS['initramfs_facts'](image_root))
    assert status == 'ok' and facts['kernels'][0]['entries'] == 3
    assert peak < 8 << 20, peak
    config_root = fake_root.plant(tmp_path / 'config', host(bomb=('/proc/config.gz', gz(b'\x00' * (256 << 20)))))
    (status, message), peak = _peak(lambda: COLLECTORS['kernel_config_facts'](config_root))
    assert status == 'failed' and 'more than 16777216 bytes' in message
    assert peak < 40 << 20, peak
