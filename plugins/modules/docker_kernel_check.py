#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: docker_kernel_check
short_description: Check whether a kernel can run Docker, option by option, like check-config.sh
version_added: 0.1.0
description:
  - Seed story 6. Evaluates the build configuration of the running kernel - and of any installed
    kernel you name, before you reboot into it - against the option lists of Docker's own
    C(contrib/check-config.sh), with the checks that are not config options (cgroup hierarchy,
    AppArmor tools, C(kernel.keys.root_maxkeys), forwarding, ZFS devices and commands).
  - "Profiles: V(legacy) - the lists of mid-2015 (Docker 1.7), when CentOS 6 was supported (MACVLAN
    necessary; aufs, btrfs, devicemapper with BLK_DEV_DM and DM_THIN_PROVISIONING, overlay, zfs), with
    the EL kernel minimum of the time and EL7's C(user_namespace.enable=1); V(current) - today's lists
    with their kernel-version conditions."
  - Every option is C(enabled), C(module) or C(missing), as check-config.sh prints it; each category
    gets a verdict - generally necessary C(fail) when one is missing, optional and network drivers
    C(warn), storage C(fail) only when no storage driver is usable.
  - Only reads; never fails on findings (the P(fleetfix.kernel.docker_kernel_check#role) role does, per
    C(fleetfix_docker_fail_on)). Safe under C(--check).
author:
  - fleetfix.kernel contributors (@fleetfix)
options:
  profiles:
    description: Profiles to evaluate.
    type: list
    elements: str
    choices: [legacy, current]
    default: [current]
  kernels:
    description: Installed kernels to evaluate besides the running one; V(all) for every installed kernel.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - fleetfix.kernel.read_only
seealso:
  - name: check-config.sh
    description: Docker's own script, the reference for the option lists.
    link: https://github.com/moby/moby/blob/master/contrib/check-config.sh
'''

EXAMPLES = r'''
- name: Can the running kernel and the one we are about to boot run Docker?
  fleetfix.kernel.docker_kernel_check:
    profiles: [current]
    kernels: [6.1.0-28-amd64]
  register: docker_check
'''

RETURN = r'''
results:
  description: One result per kernel and profile.
  returned: always
  type: list
  elements: dict
  contains:
    profile:
      description: C(legacy) or C(current).
      type: str
    kernel:
      description: The kernel release.
      type: str
    config_source:
      description: The config file read.
      type: str
    verdict:
      description: C(ok), C(warn) or C(fail), the worst of the categories.
      type: str
    categories:
      description: C(generally_necessary), C(optional), C(network_drivers), C(storage_drivers) and C(host),
        each with a C(verdict) and its options or checks (C(option), C(status), C(required)).
      type: dict
    summary:
      description: Lines for people.
      type: list
      elements: str
    fails:
      description: Whether the result fails a play at C(fleetfix_docker_fail_on) V(required) and V(any).
      type: dict
docker_present:
  description: Whether dockerd, docker or containerd is installed.
  returned: always
  type: bool
host:
  description: The host facts the checks used (cgroup version and controllers, AppArmor, limits, ZFS).
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetfix.kernel.plugins.module_utils import docker_check, kconfig


def main():
    module = AnsibleModule(
        argument_spec=dict(
            profiles=dict(type='list', elements='str', choices=['legacy', 'current'], default=['current']),
            kernels=dict(type='list', elements='str', default=[]),
        ),
        supports_check_mode=True,
    )
    kernels = module.params['kernels']
    try:
        configs = kconfig.collect('/', kernels='all' if 'all' in kernels else kernels)
    except kconfig.KernelConfigError as exc:
        module.fail_json(msg='docker_kernel_check: %s' % exc)
    host = docker_check.read_host('/', module.get_bin_path)
    results = []
    for release, entry in configs['kernels'].items():
        for profile in module.params['profiles']:
            result = docker_check.evaluate(entry['options'], release, profile, host, running=entry['running'])
            result['config_source'] = entry['source']
            results.append(result)
    results.sort(key=lambda r: (not r['kernel'] == configs['running'], r['kernel'], r['profile']))
    module.exit_json(changed=False, results=results, docker_present=host.pop('docker_present'), host=host)


if __name__ == '__main__':
    main()
