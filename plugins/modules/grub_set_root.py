#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: grub_set_root
short_description: Make every boot entry boot root=UUID=<uuid>, with a backup, a verified result, and a restore on failure
version_added: 0.2.0
description:
  - Seed story 4. Device names (C(/dev/sda2)) move when controllers or drivers change; a GRUB
    entry whose C(root=) is one may not find its root filesystem after a kernel upgrade.
  - "GRUB legacy (CentOS 6): the C(kernel) lines of C(grub.conf) get C(root=UUID=...), every other
    byte kept. GRUB 2: C(grub-mkconfig) (C(grub2-mkconfig)) regenerates the configuration into a
    temporary file, C(grub-script-check) checks it, every entry is read back and must carry the
    UUID, then it replaces the old one atomically. BLS (RHEL 8/9): C(grubby --update-kernel=ALL)."
  - The previous configuration is kept as C(CONFIG.fleetfix.bak); on any failure the old file
    stays (or is restored) and the message says what went wrong.
  - Fix the generator's inputs first (C(GRUB_DISABLE_LINUX_UUID) in C(/etc/default/grub)); the
    role C(fleetfix.kernel.grub_root_uuid) does both.
author:
  - fleetfix.kernel contributors (@fleetfix)
options:
  uuid:
    description: UUID of the root filesystem. Every entry must end up with C(root=UUID=<uuid>).
    type: str
    required: true
  keep_kinds:
    description: C(root=) kinds left alone (stable names such as LVM paths).
    type: list
    elements: str
    default: [lvm]
  backup:
    description: Keep the previous configuration as C(CONFIG.fleetfix.bak).
    type: bool
    default: true
attributes:
  check_mode:
    description: Reports which entries would change and changes nothing.
    support: full
  diff_mode:
    description: The entries' C(root=) before and after.
    support: full
  platform:
    description: Target operating systems.
    platforms: linux
    support: full
'''

EXAMPLES = r'''
- name: Read the boot loader
  fleetfix.kernel.grub_facts:

- name: Every entry boots the root filesystem by UUID
  fleetfix.kernel.grub_set_root:
    uuid: "{{ fleetfix_grub.root_filesystem.uuid }}"
'''

RETURN = r'''
flavour:
  description: C(legacy), C(grub2) or C(bls).
  returned: always
  type: str
config:
  description: The configuration file changed (or that would be).
  returned: always
  type: str
entries:
  description: The entries to change - title, kernel, C(root=) before.
  returned: always
  type: list
  elements: dict
backup:
  description: The backup path when a configuration was replaced.
  returned: when changed and not in check mode
  type: str
commands:
  description: The commands run (or that would be, in check mode).
  returned: always
  type: list
  elements: list
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetfix.kernel.plugins.module_utils import bootloader, grub
from ansible_collections.fleetfix.kernel.plugins.module_utils.safefile import aside_path, remove_quietly, restore, swap_in
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError, read_text


class ApplyError(Exception):
    pass


def needs_fix(entry, wanted, keep_kinds):
    if entry.get('root_kind') in keep_kinds:
        return False
    if not entry.get('kernel') or not entry.get('root'):
        return entry.get('root') is not None  # memtest and chainloaders carry no root=
    return entry['root'] != wanted


def _bad_entries(entries, wanted, keep_kinds):
    return ['%s (root=%s)' % (entry.get('title'), entry.get('root')) for entry in entries if needs_fix(entry, wanted, keep_kinds)]


def apply_legacy(module, facts, wanted, keep_kinds, backup):
    path = facts['config']
    text = read_text('/', path)
    new_text, lines = grub.set_root_legacy(text, wanted)
    if not lines:
        return None
    new_path = aside_path(path)
    handle = open(new_path, 'w')
    try:
        handle.write(new_text)
    finally:
        handle.close()
    try:
        entries = grub.parse_grub_legacy(new_text, path)['entries']
    except grub.GrubParseError as exc:
        remove_quietly(new_path)
        raise ApplyError('the edited %s does not parse (%s); it is unchanged' % (path, exc))
    bad = _bad_entries(entries, wanted, keep_kinds)
    if bad:
        remove_quietly(new_path)
        raise ApplyError('the edited %s would still boot %s; it is unchanged' % (path, ', '.join(bad)))
    return swap_in(path, new_path, backup, 0o644)


def _program(module, names):
    for name in names:
        found = module.get_bin_path(name, opt_dirs=['/usr/sbin', '/sbin'])
        if found:
            return found
    raise ApplyError('none of %s is installed' % ', '.join(names))


def apply_grub2(module, facts, wanted, keep_kinds, backup, commands):
    path = facts['config']
    mkconfig = _program(module, ['grub2-mkconfig', 'grub-mkconfig'])
    check = _program(module, ['grub2-script-check', 'grub-script-check'])
    new_path = aside_path(path)
    remove_quietly(new_path)
    for command in ([mkconfig, '-o', new_path], [check, new_path]):
        commands.append(command)
        rc, out, err = module.run_command(command)
        if rc != 0:
            remove_quietly(new_path)
            raise ApplyError('%s exited %d; %s is unchanged. Output: %s' % (
                os.path.basename(command[0]), rc, path, '\n'.join((err or out or '').strip().splitlines()[-8:])))
    try:
        entries = grub.parse_grub2_cfg(read_text('/', new_path), new_path)['entries']
    except (grub.GrubParseError, HostReadError) as exc:
        remove_quietly(new_path)
        raise ApplyError('the regenerated configuration does not parse (%s); %s is unchanged' % (exc, path))
    bad = _bad_entries(entries, wanted, keep_kinds)
    if bad or not entries:
        remove_quietly(new_path)
        raise ApplyError('%s still writes %s - check GRUB_DISABLE_LINUX_UUID and GRUB_CMDLINE_LINUX in /etc/default/grub; '
                         '%s is unchanged' % (os.path.basename(mkconfig), ', '.join(bad) or 'no entries', path))
    backup_path = swap_in(path, new_path, backup, 0o644)
    try:
        final = grub.parse_grub2_cfg(read_text('/', path), path)['entries']
        if _bad_entries(final, wanted, keep_kinds):
            raise ApplyError('read back with %s' % ', '.join(_bad_entries(final, wanted, keep_kinds)))
    except (grub.GrubParseError, ApplyError) as exc:
        restore(path, backup_path)
        raise ApplyError('%s did not read back after the swap (%s); the backup was restored' % (path, exc))
    return backup_path


def apply_bls(module, facts, wanted, keep_kinds, commands):
    grubby = _program(module, ['grubby'])
    command = [grubby, '--update-kernel=ALL', '--args=root=%s' % wanted]
    commands.append(command)
    rc, out, err = module.run_command(command)
    if rc != 0:
        raise ApplyError('grubby exited %d: %s' % (rc, (err or out or '').strip()[-400:]))
    after = bootloader.collect('/')
    bad = _bad_entries(after['entries'], wanted, keep_kinds)
    if bad:
        raise ApplyError('after grubby, entries still boot %s' % ', '.join(bad))
    return None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            uuid=dict(type='str', required=True),
            keep_kinds=dict(type='list', elements='str', default=['lvm']),
            backup=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    uuid = module.params['uuid'].strip()
    if not uuid or ' ' in uuid or '=' in uuid:
        module.fail_json(msg='grub_set_root: uuid %r is not a filesystem UUID' % module.params['uuid'])
    wanted = 'UUID=%s' % uuid
    keep_kinds = module.params['keep_kinds']
    try:
        facts = bootloader.collect('/')
    except (HostReadError, grub.GrubParseError) as exc:
        module.fail_json(msg='grub_set_root: %s' % exc)
    if facts['flavour'] is None:
        module.fail_json(msg='grub_set_root: no GRUB configuration found (looked for %s)' % ', '.join(
            bootloader.GRUB2_CONFIGS + bootloader.LEGACY_CONFIGS))
    todo = [entry for entry in facts['entries'] if needs_fix(entry, wanted, keep_kinds)]
    result = dict(changed=bool(todo), flavour=facts['flavour'], config=facts['config'], commands=[],
                  entries=[{'title': e['title'], 'kernel': e['kernel'], 'root': e['root']} for e in todo])
    if todo and module._diff:
        result['diff'] = {
            'before_header': facts['config'], 'after_header': facts['config'],
            'before': ''.join('%s: root=%s\n' % (e['title'], e['root']) for e in todo),
            'after': ''.join('%s: root=%s\n' % (e['title'], wanted) for e in todo)}
    if not todo or module.check_mode:
        module.exit_json(**result)
    try:
        if facts['flavour'] == 'legacy':
            result['backup'] = apply_legacy(module, facts, wanted, keep_kinds, module.params['backup'])
        elif facts['flavour'] == 'grub2':
            result['backup'] = apply_grub2(module, facts, wanted, keep_kinds, module.params['backup'], result['commands'])
        else:
            result['backup'] = apply_bls(module, facts, wanted, keep_kinds, result['commands'])
    except ApplyError as exc:
        module.fail_json(msg='grub_set_root: %s' % exc, **result)
    except (IOError, OSError) as exc:
        module.fail_json(msg='grub_set_root: %s: %s; the previous configuration is in place' % (facts['config'], exc), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
