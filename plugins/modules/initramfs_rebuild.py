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
version_added: 0.3.0
description:
  - Seed story 4. Rebuilds B(only) the images of O(kernels) that lack one of O(drivers) (or
    cannot be read, or do not exist), with the host's generator (dracut or initramfs-tools).
  - "Each rebuild is a transaction: the generator writes the new image into a hidden aside file
    next to the old one (created first with O_EXCL), which is read back with the collection's cpio
    reader and checked to hold every driver under C(lib/modules/KERNEL/) of B(that) kernel; then
    the old image is copied to C(IMAGE.fleetfix.orig) (the first known-good image, made once and
    never overwritten) and C(IMAGE.fleetfix.bak) (the previous one), and the new one replaces it
    with an atomic rename - owner, mode and extended attributes (the SELinux label) kept, a
    symlinked image replaced at its target. Any failure - the generator exits non-zero, is
    killed, builds an image without a driver, the disk is full - leaves the old image byte for
    byte and no file behind; a failure after the rename restores the backup."
  - With O(write_config=true) it first puts O(drivers) into the generator's configuration - the
    dracut drop-in O(dracut_dropin) (C(add_drivers+=" ... ")), or a managed block in
    initramfs-tools' O(initramfs_tools_modules) file - through the same safe writer (with
    C(.fleetfix.orig) and C(.fleetfix.bak)), generated from checked names only and read back.
  - "Input contract, checked before anything is read or run: O(drivers) are kernel module names
    (ASCII letters, digits, C(_) and C(-), at most 55 characters; C(-) and C(_) are one);
    O(kernels) look like kernel releases and are installed (C(/boot/vmlinuz-KERNEL) or
    C(/lib/modules/KERNEL/vmlinuz)); O(timeout) is from 1 to 86400. A release reaches the
    generator as C(--kver KERNEL) (dracut) or after C(--) (mkinitramfs), never where it could be
    read as an option. Every refusal names the option and the value."
  - The plan (which kernels, which drivers, which commands, which configuration bytes) is computed
    first and returned; in check mode nothing else happens, so C(--check) reports exactly what a
    real run changes, and C(--diff) shows the configuration file byte for byte as it is written.
  - Usually called by the role C(fleetfix.kernel.initramfs_drivers).
author:
  - fleetfix.kernel contributors (@fleetfix)
requirements:
  - Python 2.7 or 3.6+ on the managed host (standard library only)
  - C(dracut) (EL, and Debian hosts that use dracut such as the bookworm test image) or initramfs-tools'
    C(mkinitramfs) (Debian/Ubuntu) to rebuild an image - the one O(generator) names or the host has; also under
    C(--check) whenever an image is to be rebuilt (the plan holds the command with its full path)
  - C(timeout) (coreutils) - optional - to kill a build after O(timeout) seconds; without it O(timeout) is not enforced
  - C(zstd) to read an image compressed with zstd - the current one (does it lack a driver?) and the new one before it
    replaces it (gzip and uncompressed images need no program); without it such an image counts as unreadable
  - C(lz4) to read an image compressed with lz4 (legacy format), as for C(zstd)
  - C(xz), on Python 2 only, to read an image compressed with xz or lzma (Python 3 decodes both itself)
  - C(bzip2) to read an image compressed with bzip2 - only where Python was built without its bz2 module
  - C(getfattr) and C(setfattr) (attr), else C(cp --attributes-only) and C(chcon) (coreutils) - optional, on Python 2
    only - to keep the extended attributes and SELinux label of an image or configuration file it replaces (Python 3
    copies them itself; without these programs they are not copied)
options:
  kernels:
    description:
      - Kernel releases to consider. Those whose image already holds every driver are left alone.
      - Each must be installed; an empty list rebuilds nothing (with O(write_config), only the
        configuration is written).
    type: list
    elements: str
    required: true
  drivers:
    description:
      - Module names every image must hold after the rebuild (drivers built into a kernel count as held).
      - Kernel module names only - ASCII letters, digits, C(_) and C(-), at most 55 characters.
    type: list
    elements: str
    required: true
  generator:
    description: The initramfs generator; V(auto) uses the host's.
    type: str
    choices: [auto, dracut, initramfs-tools]
    default: auto
  backup:
    description:
      - Keep C(FILE.fleetfix.bak), the version before the latest replacement, of every image and
        configuration file replaced. C(FILE.fleetfix.orig), the first version ever replaced, is kept
        whatever this says (created once, never overwritten) - the known-good copy a host is
        rescued with.
    type: bool
    default: true
  timeout:
    description: Seconds one build may take before it is killed (and counted as failed), from 1 to 86400.
    type: int
    default: 1200
  write_config:
    description:
      - Put O(drivers) into the generator's configuration before rebuilding (see O(dracut_dropin)
        and O(initramfs_tools_modules)). An empty O(drivers) writes nothing.
    type: bool
    default: false
  dracut_dropin:
    description:
      - The dracut drop-in the module owns, holding C(add_drivers+=" DRIVERS ") (with O(write_config), under dracut).
      - Must be C(/etc/dracut.conf.d/<name>.conf) (dracut reads only C(*.conf) there); with O(write_config),
        anything else is refused before anything is read.
    type: path
    default: /etc/dracut.conf.d/50-fleetfix-initramfs-drivers.conf
  initramfs_tools_modules:
    description:
      - initramfs-tools' modules file, where the module keeps a managed block of one driver per
        line (with O(write_config), under initramfs-tools). Every byte outside the block stays.
      - Only C(/etc/initramfs-tools/modules) is taken (the one such file initramfs-tools reads).
    type: path
    default: /etc/initramfs-tools/modules
attributes:
  check_mode:
    description: Returns the plan and changes nothing.
    support: full
  diff_mode:
    description: The configuration file before and after, byte for byte; for each image to rebuild, the drivers it lacks before and holds after.
    support: full
extends_documentation_fragment:
  - fleetfix.kernel.linux_host
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

- name: Only put the drivers into dracut's or initramfs-tools' configuration
  fleetfix.kernel.initramfs_rebuild:
    kernels: []
    drivers: [mpt3sas]
    write_config: true
'''

RETURN = r'''
plan:
  description:
    - One entry per kernel to rebuild, with the image, the drivers it lacks (or why it is rebuilt), and the command.
    - In the command the aside file is shown as C(.IMAGE.fleetfix-new.XXXXXXXX); the real run
      draws the random part when it creates the file.
  returned: always
  type: list
  elements: dict
  sample:
    - kernel: 6.1.0-50-amd64
      image: /boot/initrd.img-6.1.0-50-amd64
      reason: lacks megaraid_sas
      missing: [megaraid_sas]
      command: [/usr/bin/dracut, --force, --kver, 6.1.0-50-amd64, --, /boot/.initrd.img-6.1.0-50-amd64.fleetfix-new.XXXXXXXX]
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
  description: Per kernel, the C(.fleetfix.bak) path of the replaced image.
  returned: always
  type: dict
origs:
  description: Per kernel replaced, the C(.fleetfix.orig) path (the first known-good image, kept forever).
  returned: always
  type: dict
config:
  description: With O(write_config), the configuration file written (or that would be written in check mode).
  returned: when write_config is true and drivers is not empty
  type: dict
  contains:
    path:
      description: The file.
      type: str
    real_path:
      description: The file written, symlinks resolved.
      type: str
    changed:
      description: Whether its bytes change.
      type: bool
    backup:
      description: Its C(.fleetfix.bak), when it was replaced.
      type: str
    orig:
      description: Its C(.fleetfix.orig), when there is one.
      type: str
generator:
  description: The generator used.
  returned: always
  type: str
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetfix.kernel.plugins.module_utils import arguments, bootchain, initramfs, safefile
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError, host_path, read_bytes

PLACEHOLDER = 'XXXXXXXX'


class RebuildError(Exception):
    pass


def check_params(params):
    """The input contract, before anything is read or run; bootchain.InputError names the option."""
    drivers = bootchain.check_module_names(params['drivers'], 'drivers')
    kernels = bootchain.check_kernel_releases(params['kernels'], 'kernels')
    timeout = bootchain.check_timeout(params['timeout'], 'timeout')
    if params['write_config']:  # where the drivers go: the one kind of file each generator reads
        arguments.check_dracut_dropin(params['dracut_dropin'], 'dracut_dropin')
        arguments.check_initramfs_tools_modules(params['initramfs_tools_modules'], 'initramfs_tools_modules')
    return drivers, kernels, timeout


def aside_template(image):
    """How the plan shows the aside file of ``image`` (the real run draws the random part)."""
    return os.path.join(os.path.dirname(image), '.%s%s.%s' % (os.path.basename(image), safefile.ASIDE_MARK, PLACEHOLDER))


def dracut_takes_kver(program):
    """dracut 009 and later (getopt, --kver); the dracut 004 of EL 6 takes positional
    arguments only, and stops reading options at the first one."""
    try:
        handle = open(program, 'rb')
    except (IOError, OSError):
        return True
    try:
        return b'--kver' in handle.read(4 << 20)
    finally:
        handle.close()


def build_command(module, generator, aside, kver):
    """The generator's argv. ``kver`` has passed bootchain.check_kernel_release (no leading
    '-') and is installed; it goes after --kver or after '--', the aside (an absolute path)
    after '--' or first among the positionals - no value can become an option."""
    bootchain.check_kernel_release(kver, 'kernels')
    if not os.path.isabs(aside):
        raise RebuildError('internal: the aside path %s is not absolute' % aside)
    if generator == 'dracut':
        dracut = module.get_bin_path('dracut', required=True, opt_dirs=['/usr/sbin', '/sbin'])
        if dracut_takes_kver(dracut):
            return [dracut, '--force', '--kver', kver, '--', aside]
        return [dracut, '--force', aside, kver]
    if generator == 'initramfs-tools':
        return [module.get_bin_path('mkinitramfs', required=True, opt_dirs=['/usr/sbin', '/sbin']), '-o', aside, '--', kver]
    raise RebuildError('no supported initramfs generator on this host (found %s); '
                       'dracut and initramfs-tools are supported' % (generator or 'none'))


def plan_rebuilds(module, root, kernels, drivers, generator):
    """One step per kernel of ``kernels`` (checked releases) whose image lacks a driver, cannot
    be read or does not exist."""
    installed = bootchain.installed_kernels(root)
    try:
        bootchain.check_installed(kernels, installed, 'kernels')
    except bootchain.InputError as exc:
        raise RebuildError(str(exc))
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
                listing = initramfs.list_image(host_path(root, image))
            except initramfs.InitramfsError as exc:
                held, reason = [], 'unreadable image (%s)' % exc
            else:
                held, reason = initramfs.modules_for_kernel(listing, kver), None
            missing = bootchain.missing_drivers(shipped, held, builtin, loadable)
            missing = [entry['name'] for entry in missing]
            if reason is None:
                if not missing:
                    continue
                reason = 'lacks %s' % ', '.join(missing)
        placeholder = aside_template(image)
        plan.append({'kernel': kver, 'image': image, 'reason': reason, 'missing': missing, 'drivers': shipped,
                     'module_sets': (builtin, loadable), 'placeholder': placeholder,
                     'command': build_command(module, generator, placeholder, kver)})
    return plan, unfixable


def _with_timeout(module, command, timeout):
    timeout_bin = module.get_bin_path('timeout')
    if timeout_bin:
        return [timeout_bin, '--signal=KILL', str(int(timeout))] + command
    return command


def rebuild_one(module, step, backup, timeout):
    """Build the image of one kernel aside, check it, swap it in (safefile). Returns the
    safefile result. RebuildError (the image unchanged) on any failure."""
    image, kver = step['image'], step['kernel']
    aside = safefile.new_aside(image)  # also removes what a killed run left
    command = [aside if arg == step['placeholder'] else arg for arg in step['command']]
    rc, out, err = module.run_command(_with_timeout(module, command, timeout))
    if rc != 0:
        safefile.remove_quietly(aside)
        tail = '\n'.join((err or out or '').strip().splitlines()[-8:])
        raise RebuildError('building the initramfs of %s failed (%s exited %d); %s is unchanged. Output: %s'
                           % (kver, os.path.basename(command[0]), rc, image, tail))
    builtin, loadable = step.get('module_sets') or bootchain.kernel_module_sets('/', kver)

    def verify(path):
        try:
            listing = initramfs.list_image(path)
        except initramfs.InitramfsError as exc:
            raise RebuildError('the new initramfs of %s cannot be read back (%s); %s is unchanged' % (kver, exc, image))
        held = initramfs.modules_for_kernel(listing, kver)
        still = [entry['name'] for entry in bootchain.missing_drivers(step['drivers'], held, builtin, loadable)]
        if still:
            raise RebuildError('the new initramfs of %s still lacks %s under lib/modules/%s/ - is the generator told '
                               'to add it? %s is unchanged' % (kver, ', '.join(still), kver, image))

    try:
        result = safefile.install_aside(image, aside, verify=verify, new_mode=0o600, backup=backup)
    except safefile.SafeFileError as exc:
        raise RebuildError('%s; %s is unchanged' % (exc, image))
    if result['changed']:
        try:
            initramfs.list_image(result['real_path'])
        except initramfs.InitramfsError as exc:
            safefile.restore(image, result['backup'])
            raise RebuildError('the replaced initramfs of %s does not read back (%s); %s' % (
                kver, exc, 'the backup was restored' if result['backup'] else 'there was no previous image'))
    return result


# ---------------------------------------------------------------------------------------
# The generator's configuration


def _shown_text(data):
    """Bytes as a diff shows them: UTF-8, else Latin-1 (one character per byte)."""
    try:
        return data.decode('utf-8'), None
    except UnicodeDecodeError:
        return data.decode('latin-1'), 'not UTF-8: shown as Latin-1, one character per byte'


def plan_config(generator, drivers, dropin, modules_file, root='/'):
    """What the configuration file is and becomes: {path, before (bytes or None), after}."""
    if generator == 'dracut':
        path = dropin
        after = bootchain.dracut_dropin(drivers)
        before = read_bytes(root, path)
    elif generator == 'initramfs-tools':
        path = modules_file
        before = read_bytes(root, path)
        try:
            after = bootchain.initramfs_tools_modules(before, drivers)
        except bootchain.InputError as exc:
            raise RebuildError('%s: %s' % (path, exc))
    else:
        raise RebuildError('no supported initramfs generator on this host (found %s); '
                           'dracut and initramfs-tools are supported' % (generator or 'none'))
    return {'path': path, 'before': before, 'after': after}


def config_diff(config):
    before, before_note = _shown_text(config['before'] or b'')
    after, after_note = _shown_text(config['after'])
    header = config['path']
    return {'before_header': header + (' (%s)' % before_note if before_note else '') + ('' if config['before'] is not None else ' (absent)'),
            'after_header': header + (' (%s)' % after_note if after_note else ''),
            'before': before, 'after': after}


def write_config(generator, config, drivers, backup):
    """Write the planned bytes through the safe writer: refused if the file changed since it
    was planned; the aside is parsed back before the swap, the file read back after it."""
    current = read_bytes('/', config['path'])
    if current != config['before']:
        raise RebuildError('%s changed while the run was planning it; nothing was written' % config['path'])

    def verify(path):
        handle = open(path, 'rb')
        try:
            data = handle.read()
        finally:
            handle.close()
        if data != config['after']:
            raise RebuildError('%s: the aside file does not hold the planned bytes; nothing was written' % config['path'])
        text = data.decode('utf-8', 'replace')
        if generator == 'dracut':
            found = [name for op, names in bootchain.parse_dracut_conf(text).get('add_drivers', []) for name in names]
        else:
            found = bootchain.parse_initramfs_tools_modules(text)
        if [name for name in drivers if name not in found]:
            raise RebuildError('%s would not hold %s as planned; nothing was written' % (config['path'], ', '.join(drivers)))

    try:
        return safefile.replace_bytes(config['path'], config['after'], verify=verify, new_mode=0o644, backup=backup)
    except safefile.SafeFileError as exc:
        raise RebuildError(str(exc))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            kernels=dict(type='list', elements='str', required=True),
            drivers=dict(type='list', elements='str', required=True),
            generator=dict(type='str', choices=['auto', 'dracut', 'initramfs-tools'], default='auto'),
            backup=dict(type='bool', default=True),
            timeout=dict(type='int', default=1200),
            write_config=dict(type='bool', default=False),
            dracut_dropin=dict(type='path', default='/etc/dracut.conf.d/50-fleetfix-initramfs-drivers.conf'),
            initramfs_tools_modules=dict(type='path', default='/etc/initramfs-tools/modules'),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        drivers, kernels, timeout = check_params(params)
    except bootchain.InputError as exc:
        module.fail_json(msg='initramfs_rebuild: %s' % exc)
    generator = params['generator']
    if generator == 'auto':
        generator = bootchain.system_generator('/')
    result = dict(changed=False, plan=[], rebuilt=[], backups={}, origs={}, unfixable={}, generator=generator)
    diffs = []
    config = None
    try:
        if params['write_config'] and drivers:
            config = plan_config(generator, drivers, params['dracut_dropin'], params['initramfs_tools_modules'])
            result['config'] = {'path': config['path'], 'real_path': None, 'changed': config['before'] != config['after'],
                                'backup': None, 'orig': None}
            if result['config']['changed']:
                diffs.append(config_diff(config))
        plan, result['unfixable'] = plan_rebuilds(module, '/', kernels, drivers, generator)
    except (RebuildError, HostReadError, safefile.SafeFileError) as exc:
        module.fail_json(msg='initramfs_rebuild: %s' % exc, **result)
    result['plan'] = [dict((k, v) for k, v in step.items() if k not in ('drivers', 'module_sets', 'placeholder'))
                      for step in plan]
    result['changed'] = bool(plan) or bool(config and result['config']['changed'])
    diffs.extend({'before_header': step['image'], 'after_header': step['image'],
                  'before': '%s: %s\n' % (step['kernel'], step['reason']),
                  'after': '%s: holds %s\n' % (step['kernel'], ', '.join(step['drivers']))} for step in plan)
    if module._diff and diffs:
        result['diff'] = diffs
    if module.check_mode or not result['changed']:
        module.exit_json(**result)
    if config is not None and result['config']['changed']:
        try:
            written = write_config(generator, config, drivers, params['backup'])
        except RebuildError as exc:
            module.fail_json(msg='initramfs_rebuild: %s' % exc, **result)
        except (IOError, OSError) as exc:
            module.fail_json(msg='initramfs_rebuild: %s: %s; it is unchanged' % (config['path'], exc), **result)
        result['config'].update(real_path=written['real_path'], changed=written['changed'],
                                backup=written['backup'], orig=written['orig'])
    for step in plan:
        try:
            written = rebuild_one(module, step, params['backup'], timeout)
        except (RebuildError, HostReadError) as exc:
            module.fail_json(msg='initramfs_rebuild: %s' % exc, **result)
        except (IOError, OSError) as exc:
            module.fail_json(msg='initramfs_rebuild: %s: %s; the previous image is in place' % (step['image'], exc), **result)
        result['rebuilt'].append(step['kernel'])
        if written['backup']:
            result['backups'][step['kernel']] = written['backup']
        if written['orig']:
            result['origs'][step['kernel']] = written['orig']
    module.exit_json(**result)


if __name__ == '__main__':
    main()
