# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: audit_throttle
short_description: How many hosts the audit's collector task runs on at once
version_added: 0.3.0
description:
  - Turns a checked C(fleetfix_audit_serial) (see P(fleetfix.kernel.audit_settings#filter)) into the
    C(throttle) of the audit's collector task in C(playbooks/audit.yml) - V(0) (as many as C(--forks)),
    a number of hosts, a percentage of the targeted hosts (rounded up, at least 1), or a list of those
    (the largest; V(0) in it wins).
  - The audit applies it as a task C(throttle), not as the play's C(serial), because Ansible ends a
    whole run when every host of a serial batch is unreachable - an audit must reach its report with
    any number of hosts down.
author:
  - fleetfix.kernel contributors (@fleetfix)
positional: _input, hosts
options:
  _input:
    description: The checked C(fleetfix_audit_serial).
    type: raw
    required: true
  hosts:
    description: How many hosts the audit targets.
    type: int
    required: true
'''

EXAMPLES = r'''
- name: Ten per cent of 45 hosts at a time (5)
  ansible.builtin.debug:
    msg: "{{ '10%' | fleetfix.kernel.audit_throttle(45) }}"
'''

RETURN = r'''
_value:
  description: The throttle, 0 for none.
  type: int
'''

import math

from ansible.errors import AnsibleFilterError


def _one(value, hosts):
    if isinstance(value, bool):
        raise AnsibleFilterError('audit_throttle: %r is not a number of hosts or a percentage' % (value,))
    if isinstance(value, int) and value >= 0:
        return value
    text = str(value)
    if text.endswith('%'):
        try:
            share = float(text[:-1])
        except ValueError:
            share = None
        if share is not None and 0 < share <= 100:
            return max(1, int(math.ceil(share * hosts / 100.0)))
    elif text.isdigit() and text.isascii():
        return int(text)
    raise AnsibleFilterError('audit_throttle: %r is not a number of hosts or a percentage (check it with '
                             'fleetfix.kernel.audit_settings first)' % (value,))


def audit_throttle(serial, hosts):
    if isinstance(hosts, bool) or not isinstance(hosts, int) or hosts < 0:
        raise AnsibleFilterError('audit_throttle: hosts must be a count of hosts, got %r' % (hosts,))
    items = serial if isinstance(serial, list) else [serial]
    if not items:
        raise AnsibleFilterError('audit_throttle: an empty list')
    values = [_one(item, hosts) for item in items]
    return 0 if 0 in values else max(values)


class FilterModule(object):
    """fleetfix.kernel audit helpers."""

    def filters(self):
        return {'audit_throttle': audit_throttle}
