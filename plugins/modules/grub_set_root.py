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
version_added: 0.3.0
description:
  - Seed story 4. Device names (C(/dev/sda2)) move when controllers or drivers change; a GRUB
    entry whose C(root=) is one may not find its root filesystem after a kernel upgrade.
  - "GRUB legacy (CentOS 6): the new C(grub.conf) is computed once, in bytes - on the C(kernel) line
    of every entry to change, each C(root=) before C(--) becomes C(root=UUID=...); every other byte
    stays (titles in any encoding, comments, tabs, CRLF, entries whose kind is in O(keep_kinds)).
    C(--check) and C(--diff) show exactly those bytes, the real run writes exactly them and reads
    them back; RV(checksum) gives their SHA-256 in both."
  - "GRUB 2: C(grub-mkconfig) (C(grub2-mkconfig)) regenerates the configuration into a private
    temporary directory, C(grub-script-check) checks it, every entry is read back and must carry the
    UUID, then exactly those bytes replace the old file atomically (and are read back). Under
    C(--check) the generator is not run: the diff shows each entry's C(root=) before and after.
    BLS (RHEL 8/9): C(grubby --update-kernel=ALL)."
  - GRUB legacy and GRUB 2 - the first configuration ever replaced is kept for good as
    C(CONFIG.fleetfix.orig) and the previous one as C(CONFIG.fleetfix.bak) (O(backup)); on any failure the
    old file stays (or is restored) and the message says what went wrong. BLS - C(grubby) edits the
    entries itself, and no copy is kept by this module.
  - Refuses, before reading anything, a O(uuid) that is not one a filesystem has and
    O(keep_kinds) that are not C(root=) kinds; the message names the option and the value.
  - Fix the generator's inputs first (C(GRUB_DISABLE_LINUX_UUID) in C(/etc/default/grub)); the
    role C(fleetfix.kernel.grub_root_uuid) does both.
author:
  - fleetfix.kernel contributors (@fleetfix)
requirements:
  - Python 2.7 or 3.6+ on the managed host (standard library only)
  - C(grub2-mkconfig) or C(grub-mkconfig) (GRUB 2) to regenerate the configuration into a private directory - real
    runs only, not under C(--check); GRUB legacy needs no program (its C(grub.conf) is edited in Python)
  - C(grub2-script-check) or C(grub-script-check) (GRUB 2) to check the regenerated configuration before it replaces
    the old one - real runs only; both GRUB 2 programs must be there before either is run
  - C(grubby) (BLS entries, RHEL 8/9) to update every entry - real runs only
  - C(getfattr) and C(setfattr) (attr), else C(cp --attributes-only) and C(chcon) (coreutils) - optional, on Python 2
    only - to keep the extended attributes and SELinux label of the C(grub.conf) or C(grub.cfg) it replaces (Python 3
    copies them itself; without these programs they are not copied)
options:
  uuid:
    description:
      - UUID of the root filesystem, as C(blkid) prints it. Every entry must end up with C(root=UUID=<uuid>).
      - "Accepted forms: 8-4-4-4-12 hex digits (ext2/3/4, xfs, btrfs, ...), C(XXXX-XXXX) (vfat, exfat),
        16 hex digits (NTFS, HFS+), C(YYYY-MM-DD-hh-mm-ss-cc) (ISO 9660). Anything else - whitespace,
        quotes, C(=), control characters, a leading C(UUID=), an empty value - is refused."
    type: str
    required: true
  keep_kinds:
    description:
      - C(root=) kinds left alone (stable names such as LVM paths). The writer itself leaves these
        entries byte for byte, not only the report.
      - Lower case, exactly as listed; anything else (C(LVM), C(lvm )) is refused.
    type: list
    elements: str
    default: [lvm]
    choices: [uuid, label, partuuid, partlabel, lvm, uuid_path, label_path, partuuid_path, partlabel_path, device, other]
  backup:
    description: Keep the previous configuration as C(CONFIG.fleetfix.bak).
    type: bool
    default: true
attributes:
  check_mode:
    description: Reports which entries would change and changes nothing.
    support: full
  diff_mode:
    description:
      - GRUB legacy, and GRUB 2 in a real run - the whole configuration before and after, exactly the
        bytes written (bytes that are not UTF-8 shown as C(\xNN)).
      - GRUB 2 under C(--check), BLS - each entry's C(root=) before and after.
    support: full
extends_documentation_fragment:
  - fleetfix.kernel.linux_host
'''

EXAMPLES = r'''
- name: Read the boot loader
  fleetfix.kernel.grub_facts:

- name: Every entry boots the root filesystem by UUID
  fleetfix.kernel.grub_set_root:
    uuid: "{{ fleetfix_grub.root_filesystem.uuid }}"

- name: Also leave entries that boot by label alone
  fleetfix.kernel.grub_set_root:
    uuid: "{{ fleetfix_grub.root_filesystem.uuid }}"
    keep_kinds: [lvm, label]
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
  description: The entries to change - title, kernel, C(root=) before (bytes that are not UTF-8 shown as C(\xNN)).
  returned: always
  type: list
  elements: dict
  contains:
    title:
      description: Menu title.
      type: str
    kernel:
      description: Kernel path.
      type: str
    root:
      description: The C(root=) value before the change.
      type: str
checksum:
  description: SHA-256 of the configuration read (C(before)) and of the one written or to be written (C(after)).
  returned: always
  type: dict
  contains:
    before:
      description: Of the bytes read (GRUB legacy, GRUB 2); null for BLS.
      type: str
    after:
      description: Of the bytes planned (GRUB legacy, also under C(--check)) or written (GRUB 2); null otherwise.
      type: str
backup:
  description: The backup path when a configuration was replaced.
  returned: when changed and not in check mode
  type: str
commands:
  description: The commands run (empty under C(--check), which runs none).
  returned: always
  type: list
  elements: list
'''

import hashlib
import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetfix.kernel.plugins.module_utils import bootloader, grub2_cfg, grub_legacy, grub_root_plan, safefile
from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import (
    GRUB_CFG_MAX_BYTES,
    GRUB_LEGACY_MAX_BYTES,
    ROOT_KINDS,
    GrubParseError,
    display_bytes,
    needs_root_fix,
)
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError, host_path, read_bytes, read_capped
from ansible_collections.fleetfix.kernel.plugins.module_utils.safefile import restore

# The host's root directory. Unit tests point it at a fake tree; nothing else changes it.
HOST_ROOT = '/'
# What writing a configuration can raise (the safe writer adds its own error type).
WRITE_ERRORS = (IOError, OSError, safefile.SafeFileError)


class ApplyError(Exception):
    pass


needs_fix = needs_root_fix  # one rule for the report, the plan and the writer (grub_common)


def _bad_entries(entries, wanted, keep_kinds):
    return ['%s (root=%s)' % (entry.get('title'), entry.get('root')) for entry in entries if needs_fix(entry, wanted, keep_kinds)]


def sha256(data):
    return None if data is None else hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- writing

def _write_config(path, data, backup):
    """The one way grub_set_root writes a boot-loader configuration: ``data`` (bytes, exactly
    as planned) replaces the real file behind ``path`` (symlinks followed, the link kept) through
    the collection's safe writer - owner, mode and xattrs kept, PATH.fleetfix.orig kept for good
    and, when ``backup``, the previous version as PATH.fleetfix.bak. Returns the .bak path or None."""
    return safefile.replace_bytes(path, data, backup=backup)['backup']


def _read_file(path, limit, name=None):
    """The bytes of ``path``, at most ``limit`` of them (HostReadError naming ``name`` past it)."""
    handle = open(path, 'rb')
    try:
        return read_capped(handle, name or path, limit)
    finally:
        handle.close()


def _holds(path, data):
    """Whether the file at ``path`` holds exactly ``data`` (reads at most one byte more)."""
    handle = open(path, 'rb')
    try:
        return handle.read(len(data) + 1) == data
    finally:
        handle.close()


def _read_back(path, data, backup_path):
    """The file must now hold exactly ``data``; else the backup goes back."""
    if _holds(path, data):
        return
    if backup_path:
        restore(path, backup_path)
        raise ApplyError('%s does not read back as written; the previous version was restored from %s' % (path, backup_path))
    raise ApplyError('%s does not read back as written' % path)


# --------------------------------------------------------------------------- GRUB legacy

def plan_legacy(config, wanted, keep_kinds):
    """Read the config's bytes once, compute the new bytes once, and check the edit before
    anything is shown or written. Returns plan_root_legacy's plan plus 'before'."""
    before = read_bytes(HOST_ROOT, config, GRUB_LEGACY_MAX_BYTES)
    if before is None:
        raise ApplyError('%s disappeared while it was read' % config)
    try:
        plan = grub_legacy.plan_root_legacy(before, wanted, keep_kinds, config)
    except GrubParseError as exc:
        raise ApplyError('%s does not parse (%s); it is unchanged' % (config, exc))
    problems = grub_legacy.edit_problems(before, plan['data'], wanted, keep_kinds, config)
    if problems:
        raise ApplyError('the planned edit of %s is wrong (%s); it is unchanged' % (config, '; '.join(problems)))
    plan['before'] = before
    return plan


def apply_legacy(config, plan, backup):
    """Write exactly the planned bytes, if the file is still the one planned from."""
    path = host_path(HOST_ROOT, config)
    if not _holds(path, plan['before']):
        raise ApplyError('%s changed while grub_set_root planned its edit; it is unchanged - run again' % config)
    backup_path = _write_config(path, plan['data'], backup)
    _read_back(path, plan['data'], backup_path)
    return backup_path


# --------------------------------------------------------------------------- GRUB 2 and BLS

def _program(module, names):
    for name in names:
        found = module.get_bin_path(name, opt_dirs=['/usr/sbin', '/sbin'])
        if found:
            return found
    raise ApplyError('none of %s is installed' % ', '.join(names))


def apply_grub2(module, config, wanted, keep_kinds, backup, commands):
    """grub-mkconfig writes the new configuration into a private temporary directory,
    grub-script-check checks it, its entries must boot ``wanted``; then exactly those bytes
    replace the configuration. Returns (backup path, bytes before, bytes written)."""
    mkconfig = _program(module, ['grub2-mkconfig', 'grub-mkconfig'])
    check = _program(module, ['grub2-script-check', 'grub-script-check'])
    workdir = tempfile.mkdtemp(prefix='fleetfix-grub-')
    try:
        generated = os.path.join(workdir, os.path.basename(config))
        for command in ([mkconfig, '-o', generated], [check, generated]):
            commands.append(command)
            rc, out, err = module.run_command(command)
            if rc != 0:
                raise ApplyError('%s exited %d; %s is unchanged. Output: %s' % (
                    os.path.basename(command[0]), rc, config, '\n'.join((err or out or '').strip().splitlines()[-8:])))
        try:
            data = _read_file(generated, GRUB_CFG_MAX_BYTES, 'the configuration %s generated' % os.path.basename(mkconfig))
        except (IOError, OSError) as exc:
            raise ApplyError('%s wrote no configuration (%s); %s is unchanged' % (os.path.basename(mkconfig), exc, config))
        except HostReadError as exc:
            raise ApplyError('%s; %s is unchanged' % (exc, config))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    try:
        entries = grub2_cfg.parse_grub2_cfg(data.decode('utf-8', 'replace'), config)['entries']
    except GrubParseError as exc:
        raise ApplyError('the regenerated configuration does not parse (%s); %s is unchanged' % (exc, config))
    bad = _bad_entries(entries, wanted, keep_kinds)
    if bad or not entries:
        raise ApplyError('%s still writes %s - check GRUB_DISABLE_LINUX_UUID and GRUB_CMDLINE_LINUX in /etc/default/grub; '
                         '%s is unchanged' % (os.path.basename(mkconfig), ', '.join(bad) or 'no entries', config))
    path = host_path(HOST_ROOT, config)
    before = _read_file(path, GRUB_CFG_MAX_BYTES, config)
    backup_path = _write_config(path, data, backup)
    _read_back(path, data, backup_path)
    return backup_path, before, data


def apply_bls(module, wanted, keep_kinds, commands):
    """grubby edits the BLS entries itself (no file of ours to write)."""
    grubby = _program(module, ['grubby'])
    command = [grubby, '--update-kernel=ALL', '--args=root=%s' % wanted]
    commands.append(command)
    rc, out, err = module.run_command(command)
    if rc != 0:
        raise ApplyError('grubby exited %d: %s' % (rc, (err or out or '').strip()[-400:]))
    after = bootloader.collect(HOST_ROOT)
    bad = _bad_entries(after['entries'], wanted, keep_kinds)
    if bad:
        raise ApplyError('after grubby, entries still boot %s' % ', '.join(bad))
    return None


# --------------------------------------------------------------------------- main

def _file_diff(config, before, after):
    return {'before_header': config, 'after_header': config,
            'before': display_bytes(before), 'after': display_bytes(after)}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            uuid=dict(type='str', required=True),
            keep_kinds=dict(type='list', elements='str', default=['lvm'], choices=list(ROOT_KINDS)),
            backup=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    problem = (grub_root_plan.uuid_problem(module.params['uuid'], 'uuid')
               or grub_root_plan.keep_kinds_problem(module.params['keep_kinds'], 'keep_kinds'))
    if problem:
        module.fail_json(msg='grub_set_root: %s' % problem)
    wanted = 'UUID=%s' % module.params['uuid']
    keep_kinds = list(module.params['keep_kinds'])
    backup = module.params['backup']
    try:
        facts = bootloader.collect(HOST_ROOT)
    except (HostReadError, GrubParseError) as exc:
        module.fail_json(msg='grub_set_root: %s' % exc)
    if facts['flavour'] is None:
        module.fail_json(msg='grub_set_root: no GRUB configuration found (looked for %s)' % ', '.join(
            bootloader.GRUB2_CONFIGS + bootloader.LEGACY_CONFIGS))
    config = facts['config']
    result = dict(changed=False, flavour=facts['flavour'], config=config, commands=[], entries=[],
                  checksum={'before': None, 'after': None})
    plan = None
    if facts['flavour'] == 'legacy':
        try:
            plan = plan_legacy(config, wanted, keep_kinds)
        except (ApplyError, HostReadError) as exc:
            module.fail_json(msg='grub_set_root: %s' % exc, **result)
        todo = plan['changes']
        result['checksum'] = {'before': sha256(plan['before']), 'after': sha256(plan['data'])}
        if todo and module._diff:
            result['diff'] = _file_diff(config, plan['before'], plan['data'])
    else:
        todo = [entry for entry in facts['entries'] if needs_fix(entry, wanted, keep_kinds)]
        if facts['flavour'] == 'grub2':
            result['checksum']['before'] = sha256(read_bytes(HOST_ROOT, config, GRUB_CFG_MAX_BYTES))
        if todo and module._diff:
            # grub-mkconfig / grubby decide the bytes: until they run, the entries' root= is the plan.
            result['diff'] = {
                'before_header': config, 'after_header': config,
                'before': ''.join('%s: root=%s\n' % (e['title'], e['root']) for e in todo),
                'after': ''.join('%s: root=%s\n' % (e['title'], wanted) for e in todo)}
    result['changed'] = bool(todo)
    result['entries'] = [{'title': e['title'], 'kernel': e['kernel'], 'root': e['root']} for e in todo]
    if not todo or module.check_mode:
        module.exit_json(**result)
    try:
        if plan is not None:
            result['backup'] = apply_legacy(config, plan, backup)
        elif facts['flavour'] == 'grub2':
            result['backup'], before, after = apply_grub2(module, config, wanted, keep_kinds, backup, result['commands'])
            result['checksum'] = {'before': sha256(before), 'after': sha256(after)}
            if module._diff:
                result['diff'] = _file_diff(config, before, after)
        else:
            result['backup'] = apply_bls(module, wanted, keep_kinds, result['commands'])
    except ApplyError as exc:
        module.fail_json(msg='grub_set_root: %s' % exc, **result)
    except (HostReadError, GrubParseError) as exc:
        module.fail_json(msg='grub_set_root: %s; the previous configuration is in place' % exc, **result)
    except WRITE_ERRORS as exc:
        module.fail_json(msg='grub_set_root: %s: %s; the previous configuration is in place' % (config, exc), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
