#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: initramfs_rebuild
short_description: Rebuild the initramfs of the kernels whose image lacks a boot driver - safely
version_added: 0.2.0
description:
  - Seed story 4. Rebuilds B(only) the images of O(kernels) that lack one of O(drivers) (or
    cannot be read, or do not exist), with the host's generator (dracut or initramfs-tools).
  - "Each rebuild is a transaction: the new image is built into a temporary file next to the old
    one, read back with the collection's cpio reader and checked to hold every driver, the old
    image is copied to C(IMAGE.fleetfix.bak), and the new one replaces it with an atomic rename.
    Any failure - the generator exits non-zero, is killed, or builds an image without a driver -
    leaves the old image as it was; a failure after the rename restores the backup."
  - The plan (which kernels, which drivers, which commands) is computed first and returned; in
    check mode nothing else happens, so C(--check) reports exactly what a real run changes.
  - Usually called by the M(fleetfix.kernel.initramfs_facts) based role C(fleetfix.kernel.initramfs_drivers),
    which also puts the drivers in the generator's configuration first.
author:
  - fleetfix.kernel contributors (@fleetfix)
options:
  kernels:
    description: Kernel releases to consider. Those whose image already holds every driver are left alone.
    type: list
    elements: str
    required: true
  drivers:
    description: Module names every image must hold after the rebuild (drivers built into a kernel count as held).
    type: list
    elements: str
    required: true
  generator:
    description: The initramfs generator; V(auto) uses the host's.
    type: str
    choices: [auto, dracut, initramfs-tools]
    default: auto
  backup:
    description: Keep the previous image as C(IMAGE.fleetfix.bak).
    type: bool
    default: true
  timeout:
    description: Seconds one build may take before it is killed (and counted as failed).
    type: int
    default: 1200
attributes:
  check_mode:
    description: Returns the plan and changes nothing.
    support: full
  diff_mode:
    description: For each image to rebuild, the drivers it lacks before and holds after.
    support: full
  platform:
    description: Target operating systems.
    platforms: linux
    support: full
'''

EXAMPLES = r'''
- name: Rebuild the images that lack the controller driver
  fleetfix.kernel.initramfs_rebuild:
    kernels: "{{ fleetfix_initramfs.kernels | map(attribute='version') | list }}"
    drivers: [mpt2sas, sd_mod, xfs]
  register: rebuild

- name: Which images were rebuilt
  ansible.builtin.debug:
    var: rebuild.rebuilt
'''

RETURN = r'''
plan:
  description: One entry per kernel to rebuild, with the image, the drivers it lacks (or why it is rebuilt), and the command.
  returned: always
  type: list
  elements: dict
  sample:
    - kernel: 6.1.0-50-amd64
      image: /boot/initrd.img-6.1.0-50-amd64
      reason: lacks megaraid_sas
      missing: [megaraid_sas]
      command: [dracut, --force, /boot/.initrd.img-6.1.0-50-amd64.fleetfix-new, 6.1.0-50-amd64]
rebuilt:
  description: The kernels whose image was replaced (empty in check mode).
  returned: always
  type: list
  elements: str
unfixable:
  description: Per kernel, the drivers it does not ship at all (neither built in nor a module) - no rebuild can add them.
  returned: always
  type: dict
backups:
  description: Backup path of each replaced image.
  returned: always
  type: dict
generator:
  description: The generator used.
  returned: always
  type: str
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetfix.kernel.plugins.module_utils import bootchain, initramfs
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError, host_path
from ansible_collections.fleetfix.kernel.plugins.module_utils.safefile import aside_path, remove_quietly, restore, swap_in


class RebuildError(Exception):
    pass


def build_command(module, generator, tmp, kver):
    if generator == 'dracut':
        return [module.get_bin_path('dracut', required=True), '--force', tmp, kver]
    if generator == 'initramfs-tools':
        return [module.get_bin_path('mkinitramfs', required=True, opt_dirs=['/usr/sbin', '/sbin']), '-o', tmp, kver]
    raise RebuildError('no supported initramfs generator on this host (found %s); '
                       'dracut and initramfs-tools are supported' % (generator or 'none'))


def temp_path(image):
    return aside_path(image)


def plan_rebuilds(module, root, kernels, drivers, generator):
    installed = bootchain.installed_kernels(root)
    unknown = [kver for kver in kernels if kver not in installed]
    if unknown:
        raise RebuildError('kernel(s) %s not installed (installed: %s)' % (', '.join(unknown), ', '.join(installed) or 'none'))
    plan = []
    unfixable = {}
    for kver in kernels:
        files = bootchain.kernel_files(root, kver)
        builtin, loadable = bootchain.kernel_module_sets(root, kver)
        image = files['image'] or bootchain.expected_image_path(generator, kver)
        shipped = [name for name in drivers if name in builtin or name in loadable]
        if len(shipped) < len(drivers):
            unfixable[kver] = [name for name in drivers if name not in shipped]
        if files['image'] is None:
            missing, reason = [name for name in shipped if name not in builtin], 'no image'
        else:
            try:
                held = initramfs.list_image(host_path(root, image))['modules']
            except initramfs.InitramfsError as exc:
                held, reason = [], 'unreadable image (%s)' % exc
            else:
                reason = None
            missing = bootchain.missing_drivers(shipped, held, builtin, loadable)
            missing = [entry['name'] for entry in missing]
            if reason is None:
                if not missing:
                    continue
                reason = 'lacks %s' % ', '.join(missing)
        tmp = temp_path(image)
        plan.append({'kernel': kver, 'image': image, 'reason': reason, 'missing': missing, 'drivers': shipped,
                     'module_sets': (builtin, loadable),
                     'command': build_command(module, generator, tmp, kver), 'temp': tmp})
    return plan, unfixable


def rebuild_one(module, step, backup, timeout):
    image, tmp, kver = step['image'], step['temp'], step['kernel']
    remove_quietly(tmp)  # a build killed on an earlier run
    command = list(step['command'])
    if timeout:
        timeout_bin = module.get_bin_path('timeout')
        if timeout_bin:
            command = [timeout_bin, '--signal=KILL', str(timeout)] + command
    rc, out, err = module.run_command(command)
    if rc != 0:
        remove_quietly(tmp)
        tail = '\n'.join((err or out or '').strip().splitlines()[-8:])
        raise RebuildError('building the initramfs of %s failed (%s exited %d); %s is unchanged. Output: %s'
                           % (kver, os.path.basename(step['command'][0]), rc, image, tail))
    try:
        listing = initramfs.list_image(tmp)
    except initramfs.InitramfsError as exc:
        remove_quietly(tmp)
        raise RebuildError('the new initramfs of %s cannot be read back (%s); %s is unchanged' % (kver, exc, image))
    builtin, loadable = step.get('module_sets') or bootchain.kernel_module_sets('/', kver)
    still = [entry['name'] for entry in bootchain.missing_drivers(step['drivers'], listing['modules'], builtin, loadable)]
    if still:
        remove_quietly(tmp)
        raise RebuildError('the new initramfs of %s still lacks %s - is the generator told to add it? %s is unchanged'
                           % (kver, ', '.join(still), image))
    backup_path = swap_in(image, tmp, backup)
    try:
        initramfs.list_image(image)
    except initramfs.InitramfsError as exc:
        restore(image, backup_path)
        raise RebuildError('the replaced initramfs of %s does not read back (%s); %s' % (
            kver, exc, 'the backup was restored' if backup_path else 'there was no previous image'))
    return backup_path


def main():
    module = AnsibleModule(
        argument_spec=dict(
            kernels=dict(type='list', elements='str', required=True),
            drivers=dict(type='list', elements='str', required=True),
            generator=dict(type='str', choices=['auto', 'dracut', 'initramfs-tools'], default='auto'),
            backup=dict(type='bool', default=True),
            timeout=dict(type='int', default=1200),
        ),
        supports_check_mode=True,
    )
    params = module.params
    drivers = []
    for name in params['drivers']:
        if bootchain.module_name(name) not in drivers:
            drivers.append(bootchain.module_name(name))
    generator = params['generator']
    if generator == 'auto':
        generator = bootchain.system_generator('/')
    result = dict(changed=False, plan=[], rebuilt=[], backups={}, unfixable={}, generator=generator)
    try:
        plan, result['unfixable'] = plan_rebuilds(module, '/', params['kernels'], drivers, generator)
    except (RebuildError, HostReadError) as exc:
        module.fail_json(msg='initramfs_rebuild: %s' % exc, **result)
    result['plan'] = [dict((k, v) for k, v in step.items() if k not in ('temp', 'drivers', 'module_sets')) for step in plan]
    result['changed'] = bool(plan)
    if module._diff and plan:
        result['diff'] = [{'before_header': step['image'], 'after_header': step['image'],
                           'before': '%s: %s\n' % (step['kernel'], step['reason']),
                           'after': '%s: holds %s\n' % (step['kernel'], ', '.join(step['drivers']))} for step in plan]
    if module.check_mode or not plan:
        module.exit_json(**result)
    for step in plan:
        try:
            backup_path = rebuild_one(module, step, params['backup'], params['timeout'])
        except (RebuildError, HostReadError) as exc:
            module.fail_json(msg='initramfs_rebuild: %s' % exc, **result)
        except (IOError, OSError) as exc:
            remove_quietly(step['temp'])
            module.fail_json(msg='initramfs_rebuild: %s: %s; the previous image is in place' % (step['image'], exc), **result)
        result['rebuilt'].append(step['kernel'])
        if backup_path:
            result['backups'][step['kernel']] = backup_path
    module.exit_json(**result)


if __name__ == '__main__':
    main()
