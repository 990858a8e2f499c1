# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: pipe_size_plan
short_description: Decide which pipe sysctls to change, from pipe_facts and the wanted values
version_added: 0.3.0
description:
  - The "decide" step of the P(fleetfix.kernel.pipe_size#role) role, as data. Takes
    C(ansible_facts.fleetfix_pipe) from M(fleetfix.kernel.pipe_facts) and returns the sysctls
    to set with their current and target values.
  - Fails with a message naming the value when it is invalid (not an integer, below a page,
    not a power of two, above the cap) or when the running kernel lacks the sysctl.
author:
  - fleetfix.kernel contributors (@fleetfix)
positional: _input, max_size
options:
  _input:
    description: The C(fleetfix_pipe) facts of the host.
    type: dict
    required: true
  max_size:
    description: Wanted C(fs.pipe-max-size) in bytes, a power of two of at least one page.
    type: int
    required: true
  user_pages_soft:
    description: Wanted C(fs.pipe-user-pages-soft) in pages; omitted or null leaves it alone.
    type: int
  cap:
    description: The largest O(max_size) accepted (the kernel's own limit, 2 GiB, applies on top).
    type: int
    default: 268435456
  sysctl_file:
    description:
      - The drop-in the role persists the values in; checked to be C(/etc/sysctl.d/<name>.conf).
      - Omitted or null skips the check.
    type: path
'''

EXAMPLES = r'''
- name: Plan a 16 MiB pipe-max-size
  ansible.builtin.set_fact:
    pipe_plan: "{{ ansible_facts.fleetfix_pipe | fleetfix.kernel.pipe_size_plan(16777216) }}"
'''

RETURN = r'''
_value:
  description: The plan.
  type: dict
  contains:
    sysctls:
      description: One entry per sysctl the role manages, changed or not.
      type: list
      elements: dict
      contains:
        name:
          description: The sysctl, for example C(fs.pipe-max-size).
          type: str
        current:
          description: Its value in the running kernel.
          type: int
        value:
          description: The wanted value.
          type: int
        change:
          description: Whether the running value differs from the wanted one.
          type: bool
    changes:
      description: Names of the sysctls whose running value will change.
      type: list
      elements: str
    dropin:
      description:
        - The whole content of the role's drop-in - a header naming the role, then C(key = value) per sysctl -
          which the role writes with M(ansible.builtin.copy), so C(--diff) shows the file as it ends up.
      type: str
'''

from ansible.errors import AnsibleFilterError
# One rule for both sysctl roles' drop-ins, kept beside the vm_watermarks filter that uses sysctl_d.
from ansible_collections.fleetfix.kernel.plugins.module_utils import sysctl_d
from ansible_collections.fleetfix.kernel.plugins.module_utils.pipe import (
    DEFAULT_MAX_SIZE_CAP,
    PipeSettingError,
    plan_settings,
)


def pipe_size_plan(facts, max_size, user_pages_soft=None, cap=DEFAULT_MAX_SIZE_CAP, sysctl_file=None):
    """Return the plan, or fail with the reason."""
    if sysctl_file is not None:
        error = sysctl_d.dropin_path_error(sysctl_file, 'fleetfix_pipe_sysctl_file')
        if error:
            raise AnsibleFilterError(error)
    if not isinstance(facts, dict) or 'pipe_max_size' not in facts:
        raise AnsibleFilterError('pipe_size_plan expects the fleetfix_pipe facts of fleetfix.kernel.pipe_facts, '
                                 'got %r' % (type(facts).__name__,))
    try:
        plan = plan_settings(facts, max_size, user_pages_soft=user_pages_soft, cap=cap)
    except PipeSettingError as exc:
        raise AnsibleFilterError(str(exc))
    plan['dropin'] = sysctl_d.render_dropin('pipe_size', plan['sysctls'])
    return plan


class FilterModule(object):
    """fleetfix.kernel pipe filters."""

    def filters(self):
        return {'pipe_size_plan': pipe_size_plan}
