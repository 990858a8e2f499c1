# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: vm_watermarks_plan
short_description: Decide vm.min_free_kbytes from memory_watermark_facts and the sizing policy
version_added: 0.3.0
description:
  - The "decide" step of the P(fleetfix.kernel.vm_watermarks#role) role, as data.
  - "Policy: O(percent) of MemTotal, at most O(ceiling_kb), never below the kernel's own
    default, or O(explicit_kb); never lower than the current value unless O(allow_lower);
    refused above O(safety_percent) of MemTotal, with the numbers."
  - Checks every value first, naming the variable and the value - O(dropin) only
    C(/etc/sysctl.d/<name>.conf); numbers finite and within the kernel's limits (vm.min_free_kbytes
    an int, vm.watermark_scale_factor 1..3000, percents 0..100); booleans never taken as numbers.
  - Lists the sysctl files that would override the drop-in at boot; fails when O(overrides=fail),
    or when O(overrides=fix) and such a file is not under /etc (package or runtime files are not edited).
author:
  - fleetfix.kernel contributors (@fleetfix)
positional: _input, dropin
options:
  _input:
    description: The C(fleetfix_memory) facts of the host.
    type: dict
    required: true
  dropin:
    description: The sysctl drop-in the role writes.
    type: path
    required: true
  explicit_kb:
    description: An explicit vm.min_free_kbytes; overrides the policy.
    type: int
  percent:
    description: Share of MemTotal for the policy target.
    type: float
    default: 1.0
  ceiling_kb:
    description: Largest policy target in kB.
    type: int
    default: 4194304
  safety_percent:
    description: Refuse any target above this share of MemTotal.
    type: float
    default: 5.0
  allow_lower:
    description: Allow lowering a higher current value.
    type: bool
    default: false
  scale_factor:
    description: Wanted vm.watermark_scale_factor (kernel 4.6+); null leaves it alone.
    type: int
  overrides:
    description: What to do about later files that set the same sysctls - V(report), V(fix) or V(fail).
    type: str
    default: report
'''

EXAMPLES = r'''
- name: Plan
  ansible.builtin.set_fact:
    plan: "{{ ansible_facts.fleetfix_memory | fleetfix.kernel.vm_watermarks_plan('/etc/sysctl.d/90-fleetfix-vm.conf') }}"
'''

RETURN = r'''
_value:
  description: The plan.
  type: dict
  contains:
    target_kb:
      description: The vm.min_free_kbytes the host gets.
      type: int
    source:
      description: How the target was reached (policy and numbers, or explicit).
      type: str
    sysctls:
      description: Each managed sysctl with C(name), C(current), C(value) and C(change).
      type: list
      elements: dict
    changes:
      description: Names of the sysctls whose running value changes.
      type: list
      elements: str
    dropin:
      description:
        - The whole content of the role's drop-in - a header naming the role, then C(key = value) per sysctl -
          which the role writes with M(ansible.builtin.copy), so C(--diff) shows the file as it ends up.
      type: str
    overrides:
      description: Assignments in files applied after the drop-in at boot (C(file), C(real_file), C(line), C(key), C(value)).
      type: list
      elements: dict
    notes:
      description: Things the role decided not to do, and why.
      type: list
      elements: str
'''

import math
import re

from ansible.errors import AnsibleFilterError
from ansible_collections.fleetfix.kernel.plugins.module_utils import memory, sysctl_d

OVERRIDE_MODES = ('report', 'fix', 'fail')
# vm.min_free_kbytes is an int handled by proc_dointvec_minmax (mm/page_alloc.c): 0..INT_MAX.
INT_MAX = 2 ** 31 - 1
# vm.watermark_scale_factor: extra1 = 1, extra2 = 3000 (1000 before 5.8; older kernels refuse above).
SCALE_FACTOR_MAX = 3000


def _boolean(value, variable):
    """true/false, or the words Ansible reads as such (-e gives text); never a number: 1 is refused."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ('true', 'yes', 'on', 'false', 'no', 'off'):
        return value.strip().lower() in ('true', 'yes', 'on')
    raise AnsibleFilterError('%s must be true or false, got %r' % (variable, value))


def _finite_number(value, variable, low, high, integer):
    """A number within [low, high]; bool, NaN, inf and text that is not a number are refused, naming
    the variable and the value."""
    kind = 'an integer' if integer else 'a number'
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise AnsibleFilterError('%s must be %s, got %r (%s..%s)' % (variable, kind, value, low, high))
    number = value
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 32 or not re.match(r'^[0-9]+\Z' if integer else r'^([0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|[-+]?(nan|inf|infinity))\Z',
                                          text, re.I):
            raise AnsibleFilterError('%s must be %s, got %r (%s..%s)' % (variable, kind, value, low, high))
        number = int(text) if integer else float(text)  # 'nan', 'inf' and '1e400' are refused below
    if isinstance(number, float):
        if math.isnan(number) or math.isinf(number):
            raise AnsibleFilterError('%s must be a finite number, got %r (%s..%s)' % (variable, value, low, high))
        if integer:
            if number != int(number):
                raise AnsibleFilterError('%s must be an integer, got %r (%s..%s)' % (variable, value, low, high))
            number = int(number)
    if not low <= number <= high:
        raise AnsibleFilterError('%s=%r is outside %s..%s' % (variable, value, low, high))
    return number


def vm_watermarks_plan(facts, dropin, explicit_kb=None, percent=memory.DEFAULT_PERCENT,
                       ceiling_kb=memory.DEFAULT_CEILING_KB, safety_percent=memory.DEFAULT_SAFETY_PERCENT,
                       allow_lower=False, scale_factor=None, overrides='report'):
    if not isinstance(facts, dict) or 'zones' not in facts:
        raise AnsibleFilterError('vm_watermarks_plan expects the fleetfix_memory facts of '
                                 'fleetfix.kernel.memory_watermark_facts')
    error = sysctl_d.dropin_path_error(dropin, 'fleetfix_vm_sysctl_file')
    if error:
        raise AnsibleFilterError(error)
    if explicit_kb is not None:
        # 0 removes the reserve (memory.plan_min_free says so); the kernel's own bound is INT_MAX.
        explicit_kb = _finite_number(explicit_kb, 'fleetfix_vm_min_free_kbytes', 0, INT_MAX, True)
    percent = _finite_number(percent, 'fleetfix_vm_min_free_percent', 0, 100, False)
    ceiling_kb = _finite_number(ceiling_kb, 'fleetfix_vm_min_free_ceiling_kbytes', 1, INT_MAX, True)
    safety_percent = _finite_number(safety_percent, 'fleetfix_vm_min_free_safety_percent', 0, 100, False)
    allow_lower = _boolean(allow_lower, 'fleetfix_vm_min_free_allow_lower')
    if scale_factor is not None:
        scale_factor = _finite_number(scale_factor, 'fleetfix_vm_watermark_scale_factor', 1, SCALE_FACTOR_MAX, True)
    if overrides not in OVERRIDE_MODES:
        raise AnsibleFilterError('fleetfix_vm_overrides must be one of %s, got %r' % (', '.join(OVERRIDE_MODES), overrides))
    try:
        plan = memory.plan_min_free(facts, explicit_kb=explicit_kb, percent=percent, ceiling_kb=ceiling_kb,
                                    safety_percent=safety_percent, allow_lower=allow_lower, scale_factor=scale_factor)
    except memory.WatermarkSettingError as exc:
        raise AnsibleFilterError(str(exc))
    found = []
    for entry in plan['sysctls']:
        boot = facts.get('boot_values', {}).get(entry['name'], {'assignments': []})
        for other in sysctl_d.overriding(boot['assignments'], dropin):
            found.append(dict(other, key=entry['name'], fixable=other['real_file'].startswith('/etc/')))
    plan['overrides'] = found
    plan['dropin'] = sysctl_d.render_dropin('vm_watermarks', plan['sysctls'])
    if found and overrides == 'fail':
        raise AnsibleFilterError('%s would not survive a reboot: %s (fleetfix_vm_overrides=fail)' % (
            dropin, '; '.join('%s:%d sets %s = %s' % (o['file'], o['line'], o['key'], o['value']) for o in found)))
    unfixable = [o for o in found if not o['fixable']]
    if unfixable and overrides == 'fix':
        raise AnsibleFilterError('cannot fix overrides outside /etc (owned by packages or the runtime): %s; '
                                 'use a drop-in that sorts after them' % ', '.join(
                                     '%s:%d' % (o['file'], o['line']) for o in unfixable))
    return plan


class FilterModule(object):
    """fleetfix.kernel watermark filters."""

    def filters(self):
        return {'vm_watermarks_plan': vm_watermarks_plan}
