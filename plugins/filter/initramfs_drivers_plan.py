# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: initramfs_drivers_plan
short_description: The Decide step of the initramfs_drivers role - check its inputs, then plan from initramfs_facts
version_added: 0.3.0
description:
  - The role P(fleetfix.kernel.initramfs_drivers#role)'s Decide step as data, in two uses.
  - "Without an argument it checks the role's variables before anything is read or written:
    C(fleetfix_initramfs_drivers) are kernel module names (ASCII letters, digits, C(_) and C(-),
    at most 55 characters; C(-) and C(_) are one, as modprobe takes them), C(fleetfix_initramfs_kernels)
    look like kernel releases (letters, digits and C(._+~-), starting with a letter or digit),
    C(fleetfix_initramfs_build_timeout) is a whole number of seconds from 1 to 86400. It returns
    them normalised, or fails naming the variable and the value. dracut sources its drop-ins as
    bash: a value is checked against what the kernel accepts, never quoted and hoped for."
  - "With the C(fleetfix_initramfs) facts of M(fleetfix.kernel.initramfs_facts) (gathered for
    every installed kernel) as argument it returns the plan: the generator, the drivers (the
    discovered boot chain's, checked as strictly, plus the given ones), the kernels to look after
    (those given - each must be installed - or all) and those whose image lacks a driver or cannot
    be read."
author:
  - fleetfix.kernel contributors (@fleetfix)
positional: _input, facts
options:
  _input:
    description: The role variables C(fleetfix_initramfs_drivers), C(fleetfix_initramfs_kernels) and C(fleetfix_initramfs_build_timeout), as a dict.
    type: dict
    required: true
  facts:
    description: The C(fleetfix_initramfs) facts; without them only the inputs are checked.
    type: dict
'''

EXAMPLES = r'''
- name: Decide | the inputs are what the generators accept
  ansible.builtin.set_fact:
    checked: "{{ variables | fleetfix.kernel.initramfs_drivers_plan }}"
  vars:
    variables:
      fleetfix_initramfs_drivers: "{{ fleetfix_initramfs_drivers }}"
      fleetfix_initramfs_kernels: "{{ fleetfix_initramfs_kernels }}"
      fleetfix_initramfs_build_timeout: "{{ fleetfix_initramfs_build_timeout }}"

- name: Decide | the plan
  ansible.builtin.set_fact:
    plan: "{{ variables | fleetfix.kernel.initramfs_drivers_plan(ansible_facts.fleetfix_initramfs) }}"
  vars:
    variables:
      fleetfix_initramfs_drivers: "{{ fleetfix_initramfs_drivers }}"
      fleetfix_initramfs_kernels: "{{ fleetfix_initramfs_kernels }}"
      fleetfix_initramfs_build_timeout: "{{ fleetfix_initramfs_build_timeout }}"
'''

RETURN = r'''
_value:
  description: The checked inputs, and with O(facts) the plan.
  type: dict
  contains:
    drivers:
      description: Module names ('-' folded to '_'), without duplicates; in the plan sorted, the discovered ones included.
      type: list
      elements: str
    kernels:
      description: Kernel releases to look after (without O(facts) as given, empty for all; in the plan the installed ones chosen).
      type: list
      elements: str
    timeout:
      description: Seconds one build may take.
      type: int
    generator:
      description: The host's generator (plan only).
      type: str
    unshipped:
      description:
        - Drivers of C(fleetfix_initramfs_drivers) that no chosen kernel lists as a module or built in - a typo,
          a driver of another kernel, or an alias (C(mpt2sas) for C(mpt3sas)) that dracut and modprobe resolve; the
          role warns about them.
      type: list
      elements: str
    lacking:
      description: Kernels whose image lacks a driver or cannot be read (plan only).
      type: list
      elements: str
'''

from ansible.errors import AnsibleFilterError
from ansible_collections.fleetfix.kernel.plugins.module_utils import arguments, bootchain

INPUTS = ('fleetfix_initramfs_drivers', 'fleetfix_initramfs_kernels', 'fleetfix_initramfs_build_timeout')


def check_inputs(variables):
    """The role's variables -> {'drivers', 'kernels', 'timeout'}; bootchain.InputError naming
    the variable and the value."""
    if not isinstance(variables, dict):
        raise bootchain.InputError('initramfs_drivers_plan expects a dict of %s, got %s'
                                   % (', '.join(INPUTS), type(variables).__name__))
    missing = [name for name in INPUTS if name not in variables]
    if missing:
        raise bootchain.InputError('initramfs_drivers_plan: %s not given' % ', '.join(missing))
    drivers = variables['fleetfix_initramfs_drivers']
    kernels = variables['fleetfix_initramfs_kernels']
    # Where the drivers are written (optional here: the plan's callers may not pass them)
    for name, check in (('fleetfix_initramfs_dracut_dropin', arguments.check_dracut_dropin),
                        ('fleetfix_initramfs_tools_modules_file', arguments.check_initramfs_tools_modules)):
        if name in variables:
            check(variables[name], name)
    return {
        'drivers': bootchain.check_module_names([] if drivers is None else drivers, 'fleetfix_initramfs_drivers'),
        'kernels': bootchain.check_kernel_releases([] if kernels is None else kernels, 'fleetfix_initramfs_kernels'),
        'timeout': bootchain.check_timeout(variables['fleetfix_initramfs_build_timeout'], 'fleetfix_initramfs_build_timeout'),
    }


def make_plan(variables, facts):
    """The plan from the role's variables and the fleetfix_initramfs facts (every installed kernel)."""
    inputs = check_inputs(variables)
    if not isinstance(facts, dict) or 'kernels' not in facts or 'required_drivers' not in facts:
        raise bootchain.InputError('initramfs_drivers_plan expects the fleetfix_initramfs facts of '
                                   'fleetfix.kernel.initramfs_facts as its argument, got %s' % type(facts).__name__)
    # The discovered chain comes from sysfs names: checked as strictly as the given ones.
    drivers = bootchain.check_module_names(list(facts['required_drivers'] or []),
                                           'the boot chain discovered from sysfs (or fleetfix_initramfs_drivers)')
    for name in inputs['drivers']:
        if name not in drivers:
            drivers.append(name)
    installed = [kernel['version'] for kernel in facts['kernels'] or []]
    for kver in installed:
        bootchain.check_kernel_release(kver, 'an installed kernel reported by initramfs_facts')
    bootchain.check_installed(inputs['kernels'], installed, 'fleetfix_initramfs_kernels')
    chosen = [kver for kver in installed if not inputs['kernels'] or kver in inputs['kernels']]
    by_version = dict((kernel['version'], kernel) for kernel in facts['kernels'] or [])
    lacking = [kver for kver in chosen if by_version[kver].get('error') or by_version[kver].get('missing_drivers')]
    # A name no chosen kernel lists (neither in modules.dep nor in modules.builtin): a typo, a driver of
    # another kernel - or an alias (mpt2sas for mpt3sas), which dracut and modprobe resolve and these
    # lists do not. So a warning in the plan, not a refusal. A kernel whose image could not be read
    # says nothing either way.
    unshipped = []
    for name in inputs['drivers']:
        kernels = [by_version[kver] for kver in chosen]
        if kernels and all(not kernel.get('error') and any(
                isinstance(m, dict) and m.get('name') == name and m.get('shipped_by_kernel') is False
                for m in kernel.get('missing_drivers') or []) for kernel in kernels):
            unshipped.append(name)
    return {'generator': facts.get('generator'), 'drivers': sorted(drivers), 'kernels': chosen,
            'lacking': lacking, 'unshipped': unshipped, 'timeout': inputs['timeout']}


def initramfs_drivers_plan(variables, facts=None):
    """Check the role's variables; with ``facts``, plan."""
    try:
        if facts is None:
            return check_inputs(variables)
        return make_plan(variables, facts)
    except bootchain.InputError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    """fleetfix.kernel initramfs_drivers filters."""

    def filters(self):
        return {'initramfs_drivers_plan': initramfs_drivers_plan}
