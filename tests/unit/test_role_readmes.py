"""Every role has a README (galaxy-importer refuses a role without one), and it tells the truth.

The README of each role under roles/ is checked against the role itself:

- `## Variables`: one table row per option of meta/argument_specs.yml (entry point main), a
  suboption as `parent[].sub` right after its parent, in the spec's order; the type as the spec
  gives it (`list of str` for a list with elements); the default, read back with yaml.safe_load
  from its backticks, equal to defaults/main.yml (suboptions: the spec's default, `null` without
  one), and `required` (no backticks) for a required option. A variable added, removed, retyped or
  given another default without the README following fails here.
- `## Variables the role sets`: every variable in its table is set by a set_fact or a register of
  the role's tasks (tasks/ and handlers/), and every `*_reboot_required` or `*_plan` fact the role
  sets is in the table - the caller's contract.
- `## Tags`: the tags in its table are exactly the tags of tasks/*.yml.
- The sections galaxy-importer users and SREs look for are there, in order, and the example is a
  playbook that runs the role by its FQCN with become.

Python 3, stdlib + PyYAML + pytest.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import re

import pytest
import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
ROLES_DIR = os.path.join(REPO, 'roles')
ROLES = sorted(name for name in os.listdir(ROLES_DIR) if os.path.isdir(os.path.join(ROLES_DIR, name)))

# In this order; other sections (purpose, seed story, Requirements, ...) may come before them.
ORDERED_SECTIONS = ('Variables', 'Variables the role sets', 'Example playbook', 'Tags', 'Check mode and reboots')
REQUIRED_MARK = 'required'
SET_FACT_ACTIONS = ('set_fact', 'ansible.builtin.set_fact', 'ansible.legacy.set_fact')
SET_FACT_KEYWORDS = ('cacheable',)
CALLER_CONTRACT = re.compile(r'_(reboot_required|plan)$')
TASK_LISTS = ('block', 'rescue', 'always')


# --------------------------------------------------------------------------- reading

def _path(role, *parts):
    return os.path.join(ROLES_DIR, role, *parts)


def _load_yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def readme_text(role):
    with open(_path(role, 'README.md')) as handle:
        return handle.read()


def main_options(role):
    """The options of the main entry point, in the spec's order."""
    spec = _load_yaml(_path(role, 'meta', 'argument_specs.yml'))
    return spec['argument_specs']['main'].get('options') or {}


def role_defaults(role):
    path = _path(role, 'defaults', 'main.yml')
    return (_load_yaml(path) or {}) if os.path.exists(path) else {}


def _task_files(role, *dirs):
    for directory in dirs:
        base = _path(role, directory)
        if not os.path.isdir(base):
            continue
        for name in sorted(os.listdir(base)):
            if name.endswith(('.yml', '.yaml')):
                yield os.path.join(base, name)


def _walk_tasks(tasks):
    """Every task of a task list, blocks opened (the block itself included: it may carry tags)."""
    found = []
    for task in tasks or []:
        if isinstance(task, dict):
            found.append(task)
            for key in TASK_LISTS:
                found.extend(_walk_tasks(task.get(key)))
    return found


def _tasks(role, *dirs):
    found = []
    for path in _task_files(role, *dirs):
        found.extend(_walk_tasks(_load_yaml(path)))
    return found


def tags_in_tasks(role):
    tags = set()
    for task in _tasks(role, 'tasks'):
        value = task.get('tags')
        if isinstance(value, str):
            value = [part.strip() for part in value.split(',')]
        tags.update(value or [])
    return tags


def variables_set_by_tasks(role):
    """Names set by set_fact (keys other than its own keywords) or register, in tasks and handlers."""
    names = set()
    for task in _tasks(role, 'tasks', 'handlers'):
        if task.get('register'):
            names.add(task['register'])
        for action in SET_FACT_ACTIONS:
            if isinstance(task.get(action), dict):
                names.update(key for key in task[action] if key not in SET_FACT_KEYWORDS)
    return names


# --------------------------------------------------------------------------- the README

def sections(text):
    """{'Heading': [lines]} of the level-2 sections (### subsections stay inside); headings in
    fenced code blocks are not headings. Also the order of the headings."""
    out, order, current, fenced = {}, [], None, False
    for line in text.splitlines():
        if line.lstrip().startswith('```'):
            fenced = not fenced
        if not fenced and line.startswith('## '):
            current = line[3:].strip()
            order.append(current)
            out[current] = []
        elif current is not None:
            out[current].append(line)
    return out, order


def _cells(line):
    line = line.strip()
    if line.startswith('|'):
        line = line[1:]
    if line.endswith('|') and not line.endswith('\\|'):
        line = line[:-1]
    return [cell.strip().replace('\\|', '|') for cell in re.split(r'(?<!\\)\|', line)]


def first_table(lines):
    """The first Markdown table of ``lines`` as (header, [row dicts]); (None, []) without one."""
    table = []
    for line in lines:
        if line.strip().startswith('|'):
            table.append(line)
        elif table:
            break
    if len(table) < 2:
        return None, []
    header = [cell.lower() for cell in _cells(table[0])]
    rows = []
    for line in table[2:]:
        cells = _cells(line)
        rows.append(dict(zip(header, cells + [''] * (len(header) - len(cells)))))
    return header, rows


def code_span(cell):
    """The text of a cell that is exactly one backticked span, else None."""
    match = re.match(r'^`([^`]+)`$', cell.strip())
    return match.group(1) if match else None


def _same(a, b):
    """Equal as YAML/JSON values: 1 is not 1.0 nor true, [current] is ['current']."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


# --------------------------------------------------------------------------- expectations

def expected_variables(role):
    """[(row name, type, required, default)] in the spec's order, suboptions after their parent."""
    defaults = role_defaults(role)
    rows = []

    def add(name, option, top_level):
        kind = option.get('type', 'str')
        if option.get('elements'):
            kind = '%s of %s' % (kind, option['elements'])
        required = bool(option.get('required'))
        if top_level and name in defaults:
            default = defaults[name]
        else:
            default = option.get('default')
        rows.append((name, kind, required, default))
        children = option.get('options') or option.get('suboptions') or {}
        for sub, sub_option in children.items():
            add('%s%s.%s' % (name, '[]' if option.get('type') == 'list' else '', sub), sub_option, False)

    for name, option in main_options(role).items():
        add(name, option, True)
    return rows


def variables_problems(role, text):
    """What the `## Variables` table of ``text`` gets wrong about the role (empty: nothing)."""
    found, _order = sections(text)
    if 'Variables' not in found:
        return ['no "## Variables" section']
    header, rows = first_table(found['Variables'])
    if header != ['variable', 'type', 'default', 'description']:
        return ['the Variables table must have the columns variable | type | default | description, got %s' % header]
    problems = []
    listed = []
    for row in rows:
        name = code_span(row['variable'])
        if name is None:
            problems.append('variable cell %r is not one `backticked` name' % row['variable'])
            continue
        listed.append((name, row))
    expected = expected_variables(role)
    expected_names = [name for name, _kind, _required, _default in expected]
    listed_names = [name for name, _row in listed]
    if sorted(listed_names) != sorted(expected_names):
        problems.append('the Variables table lacks %s and lists %s, which meta/argument_specs.yml does not have' % (
            sorted(set(expected_names) - set(listed_names)), sorted(set(listed_names) - set(expected_names))))
    elif listed_names != expected_names:
        problems.append('rows must follow meta/argument_specs.yml (suboptions right after their parent): %s, got %s'
                        % (expected_names, listed_names))
    rows_by_name = dict(listed)
    for name, kind, required, default in expected:
        row = rows_by_name.get(name)
        if row is None:
            continue
        if row['type'].replace('`', '').strip() != kind:
            problems.append('%s: type %r, meta/argument_specs.yml says %r' % (name, row['type'], kind))
        if not row['description'].strip():
            problems.append('%s: no description' % name)
        cell = row['default'].strip()
        if required:
            if cell != REQUIRED_MARK:
                problems.append('%s is required: its default cell must say %s, got %r' % (name, REQUIRED_MARK, cell))
            continue
        shown = code_span(cell)
        if shown is None:
            problems.append('%s: default %r is not one `backticked` YAML value' % (name, cell))
            continue
        try:
            value = yaml.safe_load(shown)
        except yaml.YAMLError as exc:
            problems.append('%s: default `%s` is not YAML (%s)' % (name, shown, exc))
            continue
        if not _same(value, default):
            problems.append('%s: the README says default `%s` (%s), the role has %s' % (
                name, shown, json.dumps(value), json.dumps(default)))
    return problems


# --------------------------------------------------------------------------- tests

@pytest.mark.parametrize('role', ROLES)
def test_role_has_a_readme_with_its_title(role):
    assert os.path.isfile(_path(role, 'README.md')), 'galaxy-importer: no role readme found for %s' % role
    first = readme_text(role).lstrip().splitlines()[0]
    assert first == '# fleetfix.kernel.%s' % role


@pytest.mark.parametrize('role', ROLES)
def test_sections_are_there_in_order(role):
    found, order = sections(readme_text(role))
    missing = [name for name in ORDERED_SECTIONS + ('Requirements',) if name not in found]
    assert not missing, '%s/README.md lacks ## %s' % (role, ', ## '.join(missing))
    positions = [order.index(name) for name in ORDERED_SECTIONS]
    assert positions == sorted(positions), '%s/README.md: sections out of order: %s' % (role, order)


@pytest.mark.parametrize('role', ROLES)
def test_variables_table_matches_argument_specs_and_defaults(role):
    problems = variables_problems(role, readme_text(role))
    assert not problems, '%s/README.md:\n  %s' % (role, '\n  '.join(problems))


@pytest.mark.parametrize('role', ROLES)
def test_variables_the_role_sets_are_set_by_its_tasks(role):
    found, _order = sections(readme_text(role))
    header, rows = first_table(found['Variables the role sets'])
    set_by_tasks = variables_set_by_tasks(role)
    listed = []
    if header is not None:
        assert header == ['variable', 'meaning'], header
        for row in rows:
            name = code_span(row['variable'])
            assert name, '%s: variable cell %r is not one `backticked` name' % (role, row['variable'])
            assert row['meaning'].strip(), '%s: %s has no meaning' % (role, name)
            listed.append(name)
    unset = sorted(set(listed) - set_by_tasks)
    assert not unset, '%s/README.md lists %s, which no set_fact or register of the role sets (it sets %s)' % (
        role, unset, sorted(set_by_tasks))
    contract = sorted(name for name in set_by_tasks if CALLER_CONTRACT.search(name))
    undocumented = [name for name in contract if name not in listed]
    assert not undocumented, '%s/README.md does not list %s under "Variables the role sets"' % (role, undocumented)


@pytest.mark.parametrize('role', ROLES)
def test_tags_listed_are_the_tags_of_the_tasks(role):
    found, _order = sections(readme_text(role))
    header, rows = first_table(found['Tags'])
    assert header is not None and header[0] == 'tag', '%s: ## Tags needs a table whose first column is tag' % role
    listed = set()
    for row in rows:
        name = code_span(row['tag'])
        assert name, '%s: tag cell %r is not one `backticked` tag' % (role, row['tag'])
        listed.add(name)
    in_tasks = tags_in_tasks(role)
    assert listed == in_tasks, '%s/README.md tags: not in the tasks %s, not in the README %s' % (
        role, sorted(listed - in_tasks), sorted(in_tasks - listed))


@pytest.mark.parametrize('role', ROLES)
def test_example_playbook_runs_the_role_with_become_and_a_check_run_first(role):
    found, _order = sections(readme_text(role))
    text = '\n'.join(found['Example playbook'])
    blocks = re.findall(r'```ya?ml\n(.*?)```', text, re.S)
    assert blocks, '%s: no ```yaml block under ## Example playbook' % role
    plays = yaml.safe_load(blocks[0])
    assert isinstance(plays, list) and plays and all('hosts' in play for play in plays), plays
    roles = [entry if isinstance(entry, str) else entry.get('role') or entry.get('name')
             for play in plays for entry in play.get('roles') or []]
    assert 'fleetfix.kernel.%s' % role in roles, roles
    assert all(play.get('become') is True for play in plays if 'fleetfix.kernel.%s' % role in str(play.get('roles')))
    assert re.search(r'ansible-playbook .*--check --diff', text), '%s: no `ansible-playbook ... --check --diff` line' % role


@pytest.mark.parametrize('role', ROLES)
def test_a_wrong_default_or_a_missing_row_is_caught(role):
    """The checker itself: a default changed in the README (or in defaults/main.yml without the
    README following) is caught, and so is a row removed."""
    text = readme_text(role)
    name = [row[0] for row in expected_variables(role) if not row[2]][0]
    row = [line for line in text.splitlines() if line.startswith('| `%s` |' % name)][0]
    cells = _cells(row)
    cells[2] = '`%s`' % json.dumps(['not', 'the', 'default'])
    wrong = '| %s |' % ' | '.join(cells)
    assert any('the README says default' in problem for problem in variables_problems(role, text.replace(row, wrong)))
    assert any('lacks' in problem for problem in variables_problems(role, text.replace(row + '\n', '')))
