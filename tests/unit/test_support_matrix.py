"""The support matrix is told the same way everywhere: Python 2.7 and 3.6+ on targets.

ansible-core 2.16 is the last release that drives Python 2.7 (and 3.6) targets and no release
drives 2.6, so CentOS 6 is supported only with a Python 2.7 beside its system 2.6. The README,
the modules' shared note, the roles' platforms and the vermin target must agree on that.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import re

import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def _read(*parts):
    with open(os.path.join(REPO, *parts)) as handle:
        return handle.read()


def test_vermin_targets_python_2_7_and_3_6():
    line = [x for x in _read('Makefile').splitlines() if '/vermin ' in x][0]
    assert '-t=2.7-' in line and '-t=3.6-' in line and '2.6' not in line


def test_no_module_claims_python_2_6():
    claims = []
    for base, _dirs, files in os.walk(os.path.join(REPO, 'plugins')):
        for name in files:
            if name.endswith('.py'):
                text = _read(base, name)
                for match in re.finditer(r'Python 2\.6|2\.6\+|\b2\.6 and\b', text):
                    claims.append('%s: %s' % (os.path.relpath(os.path.join(base, name), REPO), match.group(0)))
    assert not claims


def test_modules_note_names_the_condition_for_centos_6():
    # the one fragment every module that runs on a host uses (fleet_reports runs on the controller)
    for name in os.listdir(os.path.join(REPO, 'plugins', 'modules')):
        if name.endswith('.py') and name != 'fleet_reports.py':
            assert 'fleetfix.kernel.linux_host' in _read('plugins', 'modules', name), name
    note = _read('plugins', 'doc_fragments', 'linux_host.py')
    assert 'Python 2.7 or 3.6+' in note
    assert 'CentOS 6 only with a Python 2.7 installed beside its system 2.6' in note
    assert 'ansible-core 2.16' in note


def test_readme_matrix():
    readme = _read('README.md')
    row = [x for x in readme.splitlines() if x.startswith('| target Python |')][0]
    assert '2.7 and 3.6+' in row and '2.6 (syntax)' not in row
    hosts = [x for x in readme.splitlines() if x.startswith('| target hosts |')][0]
    assert 'CentOS 6 only with a Python 2.7' in hosts and 'ansible-core 2.16' in hosts


def test_roles_listing_el_6_say_how():
    runtime = yaml.safe_load(_read('meta', 'runtime.yml'))
    assert runtime['requires_ansible'] == '>=2.16.0'
    for role in sorted(os.listdir(os.path.join(REPO, 'roles'))):
        text = _read('roles', role, 'meta', 'main.yml')
        platforms = yaml.safe_load(text)['galaxy_info']['platforms']
        el = [p for p in platforms if p['name'] == 'EL']
        if el and '6' in el[0]['versions']:
            assert 'EL 6 needs a Python 2.7 beside its system 2.6' in text, role
