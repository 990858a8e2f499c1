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
version_added: 0.3.0
description:
  - Seed story 6. Evaluates the build configuration of the running kernel - and of any installed
    kernel you name, before you reboot into it - against the option lists of Docker's own
    C(contrib/check-config.sh) (moby/moby), option for option, with the checks that are not config
    options (cgroup hierarchy, AppArmor tools, C(kernel.keys.root_maxkeys), forwarding, ZFS devices and
    commands).
  - "Profiles: V(legacy) - the script as tagged for Docker v1.7.0 (commit
    0baf60984522744eed290348f33f396c046b2f3a, 2015-06-17), when CentOS 6 was supported: MACVLAN,
    BRIDGE_NETFILTER and CPUSETS among the necessary options, seven optional ones (MEMCG_SWAP,
    MEMCG_SWAP_ENABLED, RESOURCE_COUNTERS, BLK_CGROUP, IOSCHED_CFQ, CGROUP_PERF, CFS_BANDWIDTH), the
    storage drivers aufs, btrfs, devicemapper, overlay (each with the ext4 options the script lists under
    it) and zfs; plus, not in the script, the EL kernel minimum of the time (2.6.32-431 on EL6, 3.10
    elsewhere) and EL7's C(user_namespace.enable=1)."
  - "V(current) - the script on moby master at commit b985e2313a8676e18072b442911fc8f64f17d440
    (2026-08-23; the script last changed in a4c5b2be6f69f86fe7b13eb4822676f8d273cf8b, 2026-06-07), every
    kernel-version condition as the script writes it (for example MEMCG_SWAP and MEMCG_SWAP_ENABLED only
    below 5.8, NF_NAT_IPV4 up to 5.1, NF_NAT_NEEDED up to 5.2, CGROUP_BPF from 4.15, RESOURCE_COUNTERS up
    to 3.18), the nftables options (NF_TABLES, NFT_*), IP_SCTP and the LEGACY_VSYSCALL report."
  - The one deliberate difference from the script - the script tests the running kernel's C(uname -r);
    this module tests each config's own kernel release (the kernel the config belongs to), so an installed
    kernel is checked as itself before you boot it. Only major.minor counts, as in the script.
  - "cgroup v2 as the script handles it: the V(current) profile asks for CGROUP_CPUACCT, CGROUP_DEVICE,
    CGROUP_FREEZER, CPUSETS, MEMCG, CGROUP_PIDS and CGROUP_HUGETLB whatever the host's cgroup version; the
    hierarchy itself is a host check (cgroup2 and its controllers, which are reported, not failed on, or a
    cgroup v1 mount). The v1.7.0 script knew only cgroup v1, so under V(legacy) a cgroup2-only host fails
    its cgroup hierarchy check."
  - Every option is C(enabled), C(module) or C(missing), as check-config.sh prints it, and C(ok) when the
    script shows it as good (every option but a missing one; of the LEGACY_VSYSCALL report only EMULATE).
    Each category gets a verdict - generally necessary C(fail) when one is missing (the script's exit
    status), optional and network drivers C(warn), storage C(fail) only when no storage driver is usable
    (the script's stated rule, which its own pipeline never enforces).
  - Only reads; never fails on findings (the P(fleetfix.kernel.docker_kernel_check#role) role does, per
    C(fleetfix_docker_fail_on)). Safe under C(--check).
author:
  - fleetfix.kernel contributors (@fleetfix)
requirements:
  - Python 2.7 or 3.6+ on the managed host (standard library only)
options:
  profiles:
    description: Profiles to evaluate.
    type: list
    elements: str
    choices: [legacy, current]
    default: [current]
  kernels:
    description:
      - Installed kernels to evaluate besides the running one; V(all) for every installed kernel.
      - A value that is not a kernel release (letters, digits and C(._+~-)) is refused.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - fleetfix.kernel.read_only
  - fleetfix.kernel.linux_host
seealso:
  - name: check-config.sh (current)
    description: Docker's own script at the commit the V(current) profile follows.
    link: https://github.com/moby/moby/blob/b985e2313a8676e18072b442911fc8f64f17d440/contrib/check-config.sh
  - name: check-config.sh (legacy)
    description: The script as tagged for Docker v1.7.0, which the V(legacy) profile follows.
    link: https://github.com/moby/moby/blob/v1.7.0/contrib/check-config.sh
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
      description: The kernel release; the profile's kernel-version conditions are tested against it.
      type: str
    reference:
      description: The check-config.sh the profile follows, as C(moby/moby@<commit> (<what>):contrib/check-config.sh).
      type: str
    config_source:
      description: The config file read.
      type: str
    verdict:
      description: C(ok), C(warn) or C(fail), the worst of the categories.
      type: str
    categories:
      description:
        - C(generally_necessary) and C(optional), each with a C(verdict), C(missing) (option names) and
          C(options); C(network_drivers) with a C(verdict) and C(drivers); C(storage_drivers) with a
          C(verdict), C(usable) (driver names) and C(drivers); C(host) with a C(verdict) and C(checks).
        - An option is a dict of C(option) (C(CONFIG_...); under the zfs storage driver C(/dev/zfs),
          C(zfs command), C(zpool command)), C(status) (C(enabled), C(module), C(missing); C(present),
          C(available)), C(required) and C(ok); the LEGACY_VSYSCALL report line (under C(optional), V(current)
          only) also has a C(note). A driver is C(driver), C(usable) and C(options).
        - A host check is C(check), C(status), C(ok), C(required) and C(detail).
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
  description: The host facts the checks used (cgroup version and controllers, AppArmor, limits, IPv4 and IPv6
    forwarding, ZFS).
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetfix.kernel.plugins.module_utils import arguments, docker_check
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError


def main():
    module = AnsibleModule(
        argument_spec=dict(
            profiles=dict(type='list', elements='str', choices=['legacy', 'current'], default=['current']),
            kernels=dict(type='list', elements='str', default=[]),
        ),
        supports_check_mode=True,
    )
    arguments.fail_on_input_error(module, [
        lambda: arguments.check_kernels(module.params['kernels'], 'kernels', keywords=('all',))])
    kernels = module.params['kernels']
    try:
        result = docker_check.collect('/', module.params['profiles'], 'all' if 'all' in kernels else kernels,
                                      module.get_bin_path)
    except HostReadError as exc:  # (kconfig.KernelConfigError too): the message names the file
        module.fail_json(msg='docker_kernel_check: %s' % exc)
    except (IOError, OSError) as exc:
        module.fail_json(msg='docker_kernel_check: cannot read %s: %s' % (getattr(exc, 'filename', None) or 'a host file',
                                                                          getattr(exc, 'strerror', None) or exc))
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
