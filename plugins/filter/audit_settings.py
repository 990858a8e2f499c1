# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: audit_settings
short_description: Check the audit's variables on the controller before any host is touched
version_added: 0.3.0
description:
  - Takes the audit variables that are set (a dict of name and value - C(playbooks/audit.yml) passes
    every C(fleetfix_audit_*) variable, C(fleetfix_report_dir), C(fleetfix_report_previous) and
    C(fleetfix_become)) and returns all
    of them with their defaults filled in and values normalised (C(serial) digit strings to integers,
    C(fleetfix_become) and C(fleetfix_audit_fail_on_new) strings to booleans).
  - A bad value raises an error naming the variable and the value - C(fleetfix_audit_fail_on) is one of
    C(never), C(warn), C(fail); C(fleetfix_audit_serial) a number of hosts (0 = all), a percentage above
    0 and at most 100, or a non-empty list of those (the audit turns it into its collector task's
    C(throttle) with P(fleetfix.kernel.audit_throttle#filter)); C(fleetfix_audit_subset) stories or C(all), each may
    start with C(!); C(fleetfix_audit_pipe_write_size) 1 to 2^31 bytes; C(fleetfix_audit_boot_extra_drivers)
    kernel module names. A C(fleetfix_audit_*) name the playbook does not know is refused as a typo.
author:
  - fleetfix.kernel contributors (@fleetfix)
positional: _input
options:
  _input:
    description: The variables set, name to value.
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Check the audit's variables
  ansible.builtin.set_fact:
    settings: "{{ {'fleetfix_audit_fail_on': 'warn', 'fleetfix_audit_serial': '30%'} | fleetfix.kernel.audit_settings }}"
'''

RETURN = r'''
_value:
  description: Every audit variable, name to checked value, defaults filled in.
  type: dict
'''

import re

from ansible.errors import AnsibleFilterError
from ansible_collections.fleetfix.kernel.plugins.module_utils import bootchain
from ansible_collections.fleetfix.kernel.plugins.module_utils.audit import STORIES

# --- the audit's own variables, checked on the controller before any host is touched -------

FAIL_ON = ('never', 'warn', 'fail')
# The variables playbooks/audit.yml reads, with their defaults; the playbook's own facts after them.
AUDIT_DEFAULTS = (
    ('fleetfix_audit_hosts', 'all'),
    ('fleetfix_audit_subset', ['all']),
    ('fleetfix_audit_pipe_write_size', 1048576),
    ('fleetfix_audit_boot_extra_drivers', []),
    ('fleetfix_audit_fail_on', 'never'),
    ('fleetfix_audit_serial', 0),
    ('fleetfix_report_dir', None),
    ('fleetfix_become', True),
    ('fleetfix_report_previous', None),
    ('fleetfix_audit_fail_on_new', False),
)
AUDIT_INTERNAL = ('fleetfix_audit', 'fleetfix_audit_targets', 'fleetfix_audit_settings')
# The kernel's own limit for a pipe's size (fs.pipe-max-size is an unsigned int, capped at 2^31).
PIPE_WRITE_MAX = 2 ** 31
_SERIAL_ITEM = re.compile(r'^(?:[0-9]{1,9}|[0-9]{1,3}(?:\.[0-9]+)?%)\Z')
_BOOL_WORDS = {'true': True, 'yes': True, 'on': True, '1': True, 'false': False, 'no': False, 'off': False, '0': False}


def _bad(name, value, expected):
    text = repr(value)
    if len(text) > 120:
        text = text[:117] + '...'
    return AnsibleFilterError('%s=%s is not valid: expected %s' % (name, text, expected))


def _is_text(value):
    return isinstance(value, str)


def _serial_item(name, value):
    expected = 'a number of hosts per batch (0 = all at once), a percentage such as "30%", or a list of those'
    if isinstance(value, bool) or not (isinstance(value, int) or _is_text(value)):
        raise _bad(name, value, expected)
    if isinstance(value, int):
        if value < 0 or value > 10 ** 9:
            raise _bad(name, value, expected)
        return value
    if not _SERIAL_ITEM.match(value):
        raise _bad(name, value, expected)
    if value.endswith('%'):
        if not 0 < float(value[:-1]) <= 100:
            raise _bad(name, value, 'a percentage above 0 and at most 100')
        return value
    return int(value)


def _check_setting(name, value):
    """The value playbooks/audit.yml will use for ``name``, or AnsibleFilterError naming it."""
    if name == 'fleetfix_audit_hosts':
        if not _is_text(value) or not value.strip() or '\x00' in value or '\n' in value:
            raise _bad(name, value, 'a host pattern such as "all" or "web:&prod"')
        return value
    if name == 'fleetfix_audit_subset':
        if _is_text(value):
            value = [value]
        if not isinstance(value, (list, tuple)) or not value or not all(_is_text(item) for item in value):
            raise _bad(name, value, 'a list of stories: all, %s (each may start with "!")' % ', '.join(STORIES))
        for item in value:
            if (item[1:] if item.startswith('!') else item) not in ('all',) + STORIES:
                raise _bad(name, item, 'one of all, %s (each may start with "!")' % ', '.join(STORIES))
        return list(value)
    if name == 'fleetfix_audit_pipe_write_size':
        expected = 'a number of bytes from 1 to %d (2^31, the kernel\'s limit for a pipe)' % PIPE_WRITE_MAX
        if _is_text(value) and re.match(r'^[0-9]{1,10}\Z', value.strip()):
            number = int(value.strip())
        elif isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            raise _bad(name, value, expected)
        if not 1 <= number <= PIPE_WRITE_MAX:
            raise _bad(name, value, expected)
        return number
    if name == 'fleetfix_audit_boot_extra_drivers':
        if value is None:
            return []
        if not isinstance(value, (list, tuple)):
            raise _bad(name, value, 'a list of kernel module names')
        for item in value:
            try:
                bootchain.check_module_name(item, name)  # the one rule for module names (modprobe's)
            except bootchain.InputError:
                raise _bad(name, item, 'a kernel module name (letters, digits, "_" and "-")')
        return list(value)
    if name == 'fleetfix_audit_fail_on':
        if not _is_text(value) or value not in FAIL_ON:
            raise _bad(name, value, 'one of %s' % ', '.join(FAIL_ON))
        return value
    if name == 'fleetfix_audit_serial':
        if isinstance(value, (list, tuple)):
            if not value:
                raise _bad(name, value, 'a non-empty list of batch sizes')
            return [_serial_item(name, item) for item in value]
        return _serial_item(name, value)
    if name in ('fleetfix_report_dir', 'fleetfix_report_previous'):
        if value is None or (name == 'fleetfix_report_previous' and value == ''):
            return None
        if not _is_text(value) or not value.strip() or any(c in value for c in '\x00\n\r'):
            raise _bad(name, value, 'a directory path' if name == 'fleetfix_report_dir' else 'the path of a previous fleet-report.json')
        return value
    if name in ('fleetfix_become', 'fleetfix_audit_fail_on_new'):
        if isinstance(value, bool):
            return value
        if _is_text(value) and value.strip().lower() in _BOOL_WORDS:
            return _BOOL_WORDS[value.strip().lower()]
        raise _bad(name, value, 'true or false')
    raise AnsibleFilterError('%s is not a variable of playbooks/audit.yml (a typo?); known: %s'
                             % (name, ', '.join(n for n, _default in AUDIT_DEFAULTS)))


def audit_settings(given):
    """Check the audit's variables (a dict of those set: name -> value) and return every one,
    defaults filled in. Raises AnsibleFilterError naming the variable and the value."""
    if not isinstance(given, dict):
        raise AnsibleFilterError('audit_settings expects a dict of variable names and values, got %s' % type(given).__name__)
    out = {}
    for name in sorted(given):
        if name in AUDIT_INTERNAL:
            continue
        out[name] = _check_setting(name, given[name])
    for name, default in AUDIT_DEFAULTS:
        out.setdefault(name, default)
    if out['fleetfix_audit_fail_on_new'] and not out['fleetfix_report_previous']:
        raise AnsibleFilterError('fleetfix_audit_fail_on_new=true fails the play on changes since a previous audit: '
                                 'set fleetfix_report_previous to that audit\'s fleet-report.json')
    return out


class FilterModule(object):
    """fleetfix.kernel: the audit's variables."""

    def filters(self):
        return {'audit_settings': audit_settings}
