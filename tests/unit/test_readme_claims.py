"""README.md says what the code does (issue 17): the audit's variables and their defaults, the
toggles, roles and tags of remediate.yml, the findings, the modules and the filters. Each table or
list in the README is read and compared with the code it describes, so neither can drift alone.
(The roles' own READMEs are checked by test_role_readmes.py.)"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ast
import os
import re

import yaml

from ansible_collections.fleetfix.kernel.plugins.filter.audit_settings import AUDIT_DEFAULTS
from ansible_collections.fleetfix.kernel.plugins.module_utils.audit import STORIES

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def _read(*parts):
    with open(os.path.join(REPO, *parts)) as handle:
        return handle.read()


README = _read('README.md')


def _table(header):
    """The rows of the Markdown table whose header row starts with ``header``: lists of cells."""
    lines = README.splitlines()
    start = [i for i, line in enumerate(lines) if line.startswith(header)]
    assert len(start) == 1, 'README.md has %d tables starting %r' % (len(start), header)
    rows = []
    for line in lines[start[0] + 2:]:
        if not line.startswith('|'):
            break
        rows.append([cell.strip() for cell in line.strip().strip('|').split('|')])
    return rows


def _code(cell):
    """The backticked words of a cell."""
    return re.findall(r'`([^`]+)`', cell)


def test_audit_variables_and_defaults_are_the_playbooks():
    rows = _table('| variable | default | meaning |')
    stated = dict((_code(row[0])[0], _code(row[1])[0]) for row in rows)
    assert sorted(stated) == sorted(name for name, _default in AUDIT_DEFAULTS)
    playbook = _read('playbooks', 'audit.yml')
    for name, default in AUDIT_DEFAULTS:
        if name == 'fleetfix_report_dir':  # None in the filter: the playbook falls back to a literal
            fallback = re.search(r"fleetfix_report_dir or '([^']+)'", playbook).group(1)
            assert stated[name] == fallback, (name, stated[name], fallback)
        else:
            assert yaml.safe_load(stated[name]) == default, (name, stated[name], default)


def _remediate_plays():
    return yaml.safe_load(_read('playbooks', 'remediate.yml'))


def test_every_role_has_a_toggle_and_a_tag_in_remediate_and_the_readme_says_which():
    wired = {}
    for play in _remediate_plays():
        for task in play['tasks']:
            role = task['ansible.builtin.import_role']['name'].split('.')[-1]
            toggle = re.match(r'(fleetfix_\w+_enabled) \| default\(false\) \| bool$', task['when']).group(1)
            wired[role] = (toggle, task['tags'])
    roles = sorted(os.listdir(os.path.join(REPO, 'roles')))
    assert sorted(wired) == roles, 'remediate.yml wires in %s of %s' % (sorted(wired), roles)
    rows = _table('| toggle | role | tag |')
    stated = dict((_code(row[1])[0].split('.')[-1], (_code(row[0])[0], [_code(row[2])[0]])) for row in rows)
    assert stated == wired


def test_the_findings_table_names_every_story_and_real_toggles():
    rows = _table('| finding (seed story) | when it is not `ok` | what to do | `remediate.yml` toggle |')
    assert sorted(_code(row[0])[0] for row in rows) == sorted(STORIES)
    toggles = set()
    for play in _remediate_plays():
        for task in play['tasks']:
            toggles.add(re.match(r'(fleetfix_\w+_enabled)', task['when']).group(1))
    for row in rows:
        for word in _code(row[3]):
            if word.endswith('_enabled'):
                assert word in toggles, (row[0], word)


def _listed(label):
    """The backticked names of the README paragraph that starts with ``label``."""
    start = README.index(label)
    end = README.index('\n\n', start)
    return set(_code(README[start:end]))


def test_every_module_is_listed():
    modules = set(name[:-3] for name in os.listdir(os.path.join(REPO, 'plugins', 'modules'))
                  if name.endswith('.py') and not name.startswith('_'))
    listed = _listed('Modules (`ansible-doc fleetfix.kernel.<module>`)')
    assert modules <= listed, 'not in the README: %s' % sorted(modules - listed)


def _filters():
    """Every filter name a FilterModule of plugins/filter returns (read from the source)."""
    names = set()
    folder = os.path.join(REPO, 'plugins', 'filter')
    for name in os.listdir(folder):
        if not name.endswith('.py'):
            continue
        tree = ast.parse(_read('plugins', 'filter', name))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == 'filters':
                for ret in ast.walk(node):
                    if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Dict):
                        names.update(key.value for key in ret.value.keys)
    return names


def test_every_filter_is_listed_and_no_other():
    filters = _filters()
    assert 'persistent_net_plan' in filters and 'audit_report_html' in filters  # the reader works
    listed = _listed('Filters (`ansible-doc -t filter fleetfix.kernel.<filter>`)') - set(['fleetfix.kernel.<filter>'])
    listed = set(name for name in listed if not name.startswith('ansible-doc'))
    assert listed == filters, 'README lists %s; plugins/filter has %s' % (sorted(listed), sorted(filters))


def test_the_report_directory_is_the_one_the_user_runs_from():
    assert '**`reports/` under the directory you run `ansible-playbook` from**' in README
    assert "playbook_dir" not in _read('playbooks', 'audit.yml').split('_fleetfix_report_dir:')[1].split('\n')[0]


def test_the_dependencies_in_galaxy_yml_are_the_ones_used_and_the_readme_names():
    galaxy = yaml.safe_load(_read('galaxy.yml'))
    assert sorted(galaxy['dependencies']) == ['ansible.posix']
    used = set()
    for base, _dirs, files in os.walk(os.path.join(REPO, 'roles')):
        if '/molecule' in base:
            continue
        for name in files:
            if name.endswith('.yml'):
                used.update(re.findall(r'^\s*-?\s*(\w+\.\w+)\.\w+:\s*$', _read(base, name), re.M))
    assert used - set(['ansible.builtin', 'fleetfix.kernel']) == set(['ansible.posix'])
    assert 'name: ansible.posix' in README and 'community.general' not in README
    for key in ('repository', 'documentation', 'issues', 'homepage'):
        assert 'example.invalid' not in str(galaxy.get(key, ''))


def test_the_report_commands_name_the_toggles_and_tags_remediate_has():
    """A group's command (fleet_triage) turns a role on by toggle() and selects it by its name as
    tag: both must be what remediate.yml wires; and findings may only name those roles."""
    from ansible_collections.fleetfix.kernel.plugins.module_utils.findings import FIX_ROLES as HOST_ROLES
    from ansible_collections.fleetfix.kernel.plugins.plugin_utils.fleet_triage import FIX_ROLES, toggle
    wired = {}
    for play in _remediate_plays():
        for task in play['tasks']:
            role = task['ansible.builtin.import_role']['name'].split('.')[-1]
            wired[role] = (re.match(r'(fleetfix_\w+_enabled) ', task['when']).group(1), task['tags'])
    assert sorted(FIX_ROLES) == sorted(HOST_ROLES) == sorted(wired)
    for role in FIX_ROLES:
        assert wired[role] == (toggle(role), [role]), role


def test_every_lookup_is_listed_and_no_other():
    lookups = set(name[:-3] for name in os.listdir(os.path.join(REPO, 'plugins', 'lookup'))
                  if name.endswith('.py') and not name.startswith('_'))
    listed = _listed('Lookup (`ansible-doc -t lookup fleetfix.kernel.<lookup>`)')
    listed = set(name for name in listed if not name.startswith('ansible-doc') and name.islower() and '_' in name
                 and not name.startswith('fleetfix_'))
    assert listed == lookups == set(['previous_report'])
