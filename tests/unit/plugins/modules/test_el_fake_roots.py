"""EL hosts as the seed's fleets have them, on fake roots: the modules end to end in-process.

A RHEL 8 host with its GA kernel and an update kernel installed (4.18.0-240.el8 and
4.18.0-240.15.1.el8_3) once made kernel_config_facts, docker_kernel_check and the role fail with
"'<' not supported between instances of 'str' and 'int'": the releases were sorted by a key
mixing ints and strings. The same for CentOS 7 pairs and for a Debian host with an elrepo kernel.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import shutil

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.fleetfix.kernel.plugins.module_utils import docker_check, kconfig
from ansible_collections.fleetfix.kernel.plugins.modules import docker_kernel_check, kernel_config_facts

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures')

HOSTS = {
    'rhel8': ('4.18.0-240.15.1.el8_3.x86_64',
              ['4.18.0-240.el8.x86_64', '4.18.0-240.15.1.el8_3.x86_64', '4.18.0-305.el8.x86_64'],
              'centos7-3.10.0-1160.config'),
    'centos7': ('3.10.0-1160.el7.x86_64',
                ['3.10.0-957.el7.x86_64', '3.10.0-957.27.2.el7.x86_64', '3.10.0-1160.el7.x86_64',
                 '3.10.0-1160.119.1.el7.x86_64', '5.4.278-1.el7.elrepo.x86_64'],
                'centos7-3.10.0-1160.config'),
    'centos6': ('2.6.32-754.el6.x86_64',
                ['2.6.32-431.el6.x86_64', '2.6.32-754.el6.x86_64', '2.6.32-754.35.1.el6.x86_64'],
                'centos6-2.6.32-754.config'),
}


def _fake_root(tmp_path, running, kernels, config_fixture):
    root = str(tmp_path)
    for sub in ('boot', 'proc/sys/kernel', 'lib/modules'):
        os.makedirs(os.path.join(root, sub))
    with open(os.path.join(root, 'proc/sys/kernel/osrelease'), 'w') as handle:
        handle.write(running + '\n')
    for kver in kernels:
        shutil.copy(os.path.join(FIXTURES, 'kconfig', config_fixture), os.path.join(root, 'boot', 'config-' + kver))
        os.makedirs(os.path.join(root, 'lib/modules', kver))
        with open(os.path.join(root, 'boot', 'vmlinuz-' + kver), 'w') as handle:
            handle.write('kernel')
    return root


def _run(module, args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            module.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


@pytest.fixture(params=sorted(HOSTS))
def el_host(request, tmp_path, monkeypatch):
    running, kernels, config = HOSTS[request.param]
    root = _fake_root(tmp_path, running, kernels, config)
    # The modules read '/': point their readers at the fake root instead.
    real_collect, real_read_host = kconfig.collect, docker_check.read_host
    monkeypatch.setattr(kconfig, 'collect', lambda _root, **kwargs: real_collect(root, **kwargs))
    monkeypatch.setattr(docker_check, 'read_host', lambda _root, which: real_read_host(root, lambda name: None))
    return running, kernels


def test_kernel_config_facts_lists_every_kernel_in_rpm_order(el_host, capsys):
    running, kernels = el_host
    code, result = _run(kernel_config_facts, {'kernels': ['all'], 'options': ['CONFIG_NAMESPACES']}, capsys)
    assert code == 0, result
    facts = result['ansible_facts']['fleetfix_kernel_config']
    assert facts['running'] == running
    assert facts['installed'] == kernels  # the list above is oldest first, as rpm orders them
    assert sorted(facts['kernels']) == sorted(kernels)
    assert facts['kernels'][running]['running'] is True


def test_docker_kernel_check_with_the_role_defaults(el_host, capsys):
    """The role's defaults: profiles [current], kernels [] (the running one only)."""
    running, _kernels = el_host
    code, result = _run(docker_kernel_check, {'profiles': ['current'], 'kernels': []}, capsys)
    assert code == 0, result
    assert [(r['kernel'], r['profile']) for r in result['results']] == [(running, 'current')]
    assert result['results'][0]['verdict'] in ('ok', 'warn', 'fail')


def test_docker_kernel_check_every_kernel_both_profiles(el_host, capsys):
    running, kernels = el_host
    code, result = _run(docker_kernel_check, {'profiles': ['legacy', 'current'], 'kernels': ['all']}, capsys)
    assert code == 0, result
    assert sorted(set(r['kernel'] for r in result['results'])) == sorted(kernels)
    assert result['results'][0]['kernel'] == running


def test_malformed_host_files_fail_the_modules_naming_the_file(el_host, tmp_path, capsys):
    """Never a traceback: docker_kernel_check fails naming the sysctl, kernel_config_facts the
    config and its line (a '\u00b2' passes str.isdigit() and then int() raises)."""
    running, _kernels = el_host
    maxkeys = os.path.join(str(tmp_path), 'proc/sys/kernel/keys/root_maxkeys')
    os.makedirs(os.path.dirname(maxkeys))
    with open(maxkeys, 'wb') as handle:
        handle.write(u'\u00b2\n'.encode('utf-8'))
    code, result = _run(docker_kernel_check, {'profiles': ['current'], 'kernels': []}, capsys)
    assert code == 1 and result['msg'].startswith(
        'docker_kernel_check: /proc/sys/kernel/keys/root_maxkeys line 1: expected a non-negative integer'), result
    with open(os.path.join(str(tmp_path), 'boot', 'config-' + running), 'ab') as handle:
        handle.write(u'CONFIG_NR_CPUS=\u0664\n'.encode('utf-8'))
    code, result = _run(kernel_config_facts, {'kernels': []}, capsys)
    assert code == 1 and ('/boot/config-%s line ' % running) in result['msg'] and 'CONFIG_NR_CPUS' in result['msg'], result
