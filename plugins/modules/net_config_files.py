#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: net_config_files
short_description: Write network naming and configuration files, and move old configuration out of the way
version_added: 0.3.0
description:
  - The Apply step of the P(fleetfix.kernel.persistent_net#role) role; it writes what the
    C(fleetfix.kernel.persistent_net_plan) filter planned. It decides nothing itself.
  - "Writes each file of O(files) through the collection's safe writer: a new file beside the old
    one, renamed over it (atomic), read back; a symlink is followed and stays a symlink; the old
    file's owner, group and extended attributes (the SELinux label among them) are kept; the mode
    is set to O(files[].mode) - NetworkManager ignores a keyfile that anyone but root can read, and
    netplan warns about such a YAML file."
  - The copies of a file it replaces - the first one for good (C(NAME.fleetfix.orig)) and the
    latest (C(NAME.fleetfix.bak)) - are kept under C(/var/lib/fleetfix/persistent_net/kept/), named
    after the path (C(etc_netplan_60-fleetfix-usbnet0.yaml.fleetfix.orig)), not beside the file.
    NetworkManager reads every file in C(/etc/NetworkManager/system-connections) whatever its suffix,
    and ifupdown's C(source /etc/network/interfaces.d/*) every file there, so a copy beside the file would be read as one more configuration.
  - Moves each file of O(removals) to its O(removals[].to) under
    C(/var/lib/fleetfix/persistent_net/disabled/), outside every directory a configuration system
    reads (a rename in place would not disable a NetworkManager profile or an ifupdown stanza). A
    symlink is moved as the symlink. The move is refused when O(removals[].to) holds something else.
  - Before writing anything, when a file under C(/etc/netplan) is written or moved and netplan is
    installed, C(netplan generate --root-dir) runs on a private copy of every netplan directory with
    the change made, and a configuration it rejects is refused - a netplan file that does not parse
    leaves every interface netplan configures without configuration at the next boot. It writes only
    in that private directory, so it runs under C(--check) too. C(netplan apply) is never run.
  - Refuses, before touching anything, a path outside the directories the configuration systems
    read (written files) or outside C(/var/lib/fleetfix/persistent_net/disabled/) (O(removals[].to)),
    a path that is not clean (relative, C(.), C(..), control characters), a mode that lets group or
    others write, and a path given twice.
  - Does not tell any daemon about the change; M(fleetfix.kernel.net_activate) does (C(netplan generate),
    C(networkctl reload), C(nmcli connection reload)).
author:
  - fleetfix.kernel contributors (@fleetfix)
requirements:
  - C(netplan) - optional - for the C(netplan generate --root-dir) check, when a file under C(/etc/netplan) is written
    or moved and O(check_netplan) is true; without it the check is skipped (RV(netplan_check.skipped))
  - C(getfattr) and C(setfattr) (attr), else C(cp --attributes-only) and C(chcon) (coreutils) - optional, on Python 2
    only - to keep the extended attributes and SELinux label of a file it replaces, or moves to another filesystem
    (Python 3 copies them itself; without these programs they are not copied)
options:
  files:
    description:
      - The files to write, each exactly as given.
      - "O(files[].path) must be directly in one of C(/etc/network/interfaces.d),
        C(/etc/sysconfig/network-scripts), C(/etc/netplan), C(/etc/NetworkManager/system-connections),
        C(/etc/systemd/network) or C(/etc/udev/rules.d), and its name letters, digits, C(.), C(_), C(@),
        C(+) and C(-). A directory of these that does not exist is created (mode 0755)."
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: The absolute path.
        type: str
        required: true
      content:
        description: The whole content (UTF-8).
        type: str
        required: true
      mode:
        description: The file's mode, as an octal string (C(0644), C(0600)); group and others may not write.
        type: str
        default: '0644'
  removals:
    description:
      - The files to take out of the way.
      - O(removals[].path) must be directly in one of the directories of O(files) other than
        C(/etc/udev/rules.d).
      - A file already gone is no change (already moved when O(removals[].to) is there).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: The file to move.
        type: str
        required: true
      to:
        description:
          - Where it goes, directly in C(/var/lib/fleetfix/persistent_net/disabled/) (created, mode 0700).
          - When something is there already, the move is refused unless it holds the same bytes (then
            O(removals[].path) is only removed).
        type: str
        required: true
  check_netplan:
    description: Run the C(netplan generate --root-dir) check described above (when netplan is installed).
    type: bool
    default: true
attributes:
  check_mode:
    description: Every refusal, the netplan check and the predicted C(changed) are the same as in a real run; nothing is written or moved.
    support: full
  diff_mode:
    description:
      - One diff per file written - its content before (empty for a new file) and after, the mode in the
        headers when it changes - and per file moved away - its content before, nothing after, the header
        naming where it went.
      - Bytes that are not UTF-8 are shown as C(\xNN); a file past 1 MiB is described, not shown.
    support: full
extends_documentation_fragment:
  - fleetfix.kernel.linux_host
seealso:
  - module: fleetfix.kernel.net_iface_facts
  - plugin: fleetfix.kernel.persistent_net_plan
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Write what the plan says, move the old configuration away
  fleetfix.kernel.net_config_files:
    files: "{{ fleetfix_net_plan.files }}"
    removals: "{{ fleetfix_net_plan.removals }}"
  register: applied

- name: One NetworkManager keyfile
  fleetfix.kernel.net_config_files:
    files:
      - path: /etc/NetworkManager/system-connections/fleetfix-usbnet0.nmconnection
        mode: "0600"
        content: |
          [connection]
          id=fleetfix-usbnet0
          type=ethernet
          interface-name=usbnet0

          [ipv4]
          method=auto

- name: Take cloud-init's netplan file out of the way
  fleetfix.kernel.net_config_files:
    removals:
      - path: /etc/netplan/50-cloud-init.yaml
        to: /var/lib/fleetfix/persistent_net/disabled/etc_netplan_50-cloud-init.yaml
'''

RETURN = r'''
files:
  description: One entry per file of O(files), in order.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The path given.
      type: str
    real_path:
      description: The file written (symlinks followed).
      type: str
    changed:
      description: Whether the content or the mode changed (or would).
      type: bool
    created:
      description: Whether the file did not exist before.
      type: bool
    mode:
      description: The mode it has (or will have).
      type: str
    mode_before:
      description: The mode it had; null for a new file.
      type: str
    orig:
      description: Where the first copy of the file, from the first time this module replaced it, is kept (null when it never did).
      type: str
    backup:
      description: Where the file as it was before this change is kept (null when it was not replaced).
      type: str
  sample:
    - path: /etc/netplan/60-fleetfix-usbnet0.yaml
      real_path: /etc/netplan/60-fleetfix-usbnet0.yaml
      changed: true
      created: true
      mode: "0600"
      mode_before: null
      orig: null
      backup: null
removals:
  description: One entry per file of O(removals), in order.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The path given.
      type: str
    to:
      description: Where it goes.
      type: str
    changed:
      description: Whether it was (or would be) moved.
      type: bool
    state:
      description:
        - C(moved) (or to be, under C(--check)), C(already_moved) (only O(removals[].to) is there),
          C(absent) (neither is), or C(removed_duplicate) (O(removals[].to) held the same bytes, the file was removed).
      type: str
  sample:
    - path: /etc/netplan/50-cloud-init.yaml
      to: /var/lib/fleetfix/persistent_net/disabled/etc_netplan_50-cloud-init.yaml
      changed: true
      state: moved
netplan_check:
  description: The C(netplan generate --root-dir) check; null when no netplan file changes or O(check_netplan) is false.
  returned: always
  type: dict
  contains:
    command:
      description: The command run (null when netplan is not installed).
      type: list
      elements: str
    rc:
      description: Its exit status.
      type: int
    stderr:
      description: Its messages (warnings included).
      type: str
    skipped:
      description: Why it did not run, if it did not.
      type: str
programs:
  description: Where C(netplan), C(networkctl) and C(nmcli) are on the host (null when not installed).
  returned: always
  type: dict
  sample: {"netplan": "/usr/sbin/netplan", "networkctl": "/usr/bin/networkctl", "nmcli": null}
'''

import errno
import os
import re
import shutil
import stat
import tempfile
import unicodedata

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible_collections.fleetfix.kernel.plugins.module_utils import safefile
from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import display_bytes
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import host_path

# The host's root directory. Unit tests point it at a fake tree; nothing else changes it.
HOST_ROOT = '/'
# Where each configuration system reads (the planner, plugin_utils/net_plan.py, holds the same list).
CONFIG_DIRS = ('/etc/network/interfaces.d', '/etc/sysconfig/network-scripts', '/etc/netplan',
               '/etc/NetworkManager/system-connections', '/etc/systemd/network')
WRITE_DIRS = CONFIG_DIRS + ('/etc/udev/rules.d',)
NETPLAN_DIRS = ('/lib/netplan', '/etc/netplan', '/run/netplan')
STATE_DIR = '/var/lib/fleetfix/persistent_net'
DISABLED_DIR = STATE_DIR + '/disabled'
KEPT_DIR = STATE_DIR + '/kept'
WRITE_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._@+-]{0,200}\Z')
MODE = re.compile(r'^0?[0-7]{3}\Z')
SHOW_BYTES = 1024 * 1024
NETPLAN_FILE_BYTES = 4 * 1024 * 1024
WRITE_ERRORS = (IOError, OSError, safefile.SafeFileError)
PROGRAMS = ('netplan', 'networkctl', 'nmcli')


class ApplyError(Exception):
    pass


# --------------------------------------------------------------------------- arguments

def clean_path(value, what):
    """``value`` when it is an absolute path without '.', '..' or empty components and without
    control characters (a newline would end a diff header, a NUL the path)."""
    text = to_text(value, errors='surrogate_or_strict') if value is not None else u''
    bad = not text.startswith(u'/') or text.endswith(u'/') or len(text) > 1024
    if not bad:
        bad = any(part in (u'', u'.', u'..') for part in text.split(u'/')[1:]) or any(
            unicodedata.category(char)[0] == 'C' for char in text)
    if bad:
        raise ApplyError('%s: %r is not a clean absolute path' % (what, value))
    return text


def check_mode_text(value, what):
    text = to_text(value)
    if not MODE.match(text):
        raise ApplyError('%s: %r is not an octal file mode like 0644 or 0600' % (what, value))
    mode = int(text, 8)
    if mode & 0o022:
        raise ApplyError('%s: %r lets group or others write the file' % (what, value))
    return mode


def check_arguments(files, removals):
    """Every path and mode, before anything is read: [(file, mode)], [removal]."""
    seen = {}
    checked_files = []
    for number, item in enumerate(files, 1):
        what = 'files[%d].path' % number
        path = clean_path(item['path'], what)
        directory, name = path.rsplit(u'/', 1)
        if directory not in WRITE_DIRS or not WRITE_NAME.match(name):
            raise ApplyError('%s: %r is not a file this module writes: it must be directly in %s, named with letters, '
                             'digits, ".", "_", "@", "+" and "-"' % (what, item['path'], ', '.join(WRITE_DIRS)))
        if path in seen:
            raise ApplyError('%s: %s is already given as %s' % (what, path, seen[path]))
        seen[path] = what
        mode = check_mode_text(item['mode'], 'files[%d].mode' % number)
        checked_files.append({'path': path, 'content': to_bytes(item['content'], errors='surrogate_or_strict'),
                              'mode': mode})
    checked_removals = []
    targets = {}
    for number, item in enumerate(removals, 1):
        what = 'removals[%d].path' % number
        path = clean_path(item['path'], what)
        if path.rsplit(u'/', 1)[0] not in CONFIG_DIRS:
            raise ApplyError('%s: %r is not in a directory a configuration system reads (%s)'
                             % (what, item['path'], ', '.join(CONFIG_DIRS)))
        if path in seen:
            raise ApplyError('%s: %s is already given as %s' % (what, path, seen[path]))
        seen[path] = what
        to = clean_path(item['to'], 'removals[%d].to' % number)
        if to.rsplit(u'/', 1)[0] != DISABLED_DIR or to.rsplit(u'/', 1)[1].startswith(u'.'):
            raise ApplyError('removals[%d].to: %r is not a file directly in %s (not hidden)' % (number, item['to'], DISABLED_DIR))
        if to in targets:
            raise ApplyError('removals[%d].to: %s is already the place of %s' % (number, to, targets[to]))
        targets[to] = path
        checked_removals.append({'path': path, 'to': to})
    return checked_files, checked_removals


# --------------------------------------------------------------------------- reading

def _host(path):
    return host_path(HOST_ROOT, path)


def _read(path, limit=SHOW_BYTES):
    """At most ``limit`` + 1 bytes of the file ``path`` (symlinks followed)."""
    with open(path, 'rb') as handle:
        return handle.read(limit + 1)


def _shown(data, limit=SHOW_BYTES):
    if data is None:
        return u''
    if len(data) > limit:
        return u'(more than %d bytes, not shown)\n' % limit
    return display_bytes(data)


def _mode_text(mode):
    return None if mode is None else '%04o' % mode


def state_of_file(item):
    """What is there now for one file to write: its real path, bytes, mode, and what changes."""
    host = _host(item['path'])
    directory = os.path.dirname(host)
    state = {'path': item['path'], 'host': host, 'real': host, 'before': None, 'mode_before': None,
             'missing_dir': None}
    if not os.path.isdir(directory):
        if os.path.lexists(directory):
            raise ApplyError('%s: %s is not a directory' % (item['path'], os.path.dirname(item['path'])))
        state['missing_dir'] = directory
    else:
        state['real'] = safefile.resolve(host)
        if os.path.exists(state['real']):
            state['before'] = _read(state['real'])
            state['mode_before'] = stat.S_IMODE(os.stat(state['real']).st_mode)
    state['content_changed'] = state['before'] != item['content']
    state['changed'] = state['content_changed'] or state['mode_before'] != item['mode']
    return state


def state_of_removal(item):
    host, to = _host(item['path']), _host(item['to'])
    state = {'path': item['path'], 'to': item['to'], 'host': host, 'host_to': to, 'before': None}
    exists = os.path.lexists(host)
    if exists:
        info = os.lstat(host)
        if stat.S_ISLNK(info.st_mode):
            if not os.path.isfile(host):
                raise ApplyError('%s is a symlink to something that is not a regular file (%s)' % (item['path'], os.readlink(host)))
        elif not stat.S_ISREG(info.st_mode):
            raise ApplyError('%s is not a regular file; it is not moved' % item['path'])
        state['before'] = _read(host)
    target = None
    if os.path.lexists(to):
        if not stat.S_ISREG(os.lstat(to).st_mode):
            raise ApplyError('%s: %s is there and is not a regular file; nothing is moved' % (item['path'], item['to']))
        target = _read(to)
    if not exists:
        state['state'] = 'already_moved' if target is not None else 'absent'
    elif target is None:
        state['state'] = 'moved'
    elif target == state['before'] and len(target) <= SHOW_BYTES:
        state['state'] = 'removed_duplicate'
    else:
        raise ApplyError('%s is to be moved to %s, which holds something else (an earlier move of another file?); '
                         'nothing is moved - look at both, then remove one' % (item['path'], item['to']))
    state['changed'] = exists
    return state


# --------------------------------------------------------------------------- the netplan check

def _netplan_paths(items):
    return [i for i in items if i['path'].rsplit(u'/', 1)[0] == '/etc/netplan']


def netplan_check(module, files, removals):
    """``netplan generate --root-dir TMP`` on a copy of the netplan directories with the change made."""
    written, moved = _netplan_paths(files), _netplan_paths(removals)
    if not written and not moved:
        return None
    netplan = module.get_bin_path('netplan', opt_dirs=['/usr/sbin', '/sbin'])
    if not netplan:
        return {'command': None, 'rc': None, 'stderr': '', 'skipped': 'netplan is not installed'}
    tmp = tempfile.mkdtemp(prefix='fleetfix-netplan-')
    try:
        for directory in NETPLAN_DIRS:
            source, copy = _host(directory), os.path.join(tmp, directory.lstrip('/'))
            os.makedirs(copy)
            if not os.path.isdir(source):
                continue
            for name in sorted(os.listdir(source)):
                path = os.path.join(source, name)
                if name.endswith('.yaml') and os.path.isfile(path):
                    data = _read(path, NETPLAN_FILE_BYTES)
                    if len(data) > NETPLAN_FILE_BYTES:
                        raise ApplyError('%s/%s is larger than %d bytes; not checked, nothing written'
                                         % (directory, name, NETPLAN_FILE_BYTES))
                    _write_private(os.path.join(copy, name), data)
        etc = os.path.join(tmp, 'etc', 'netplan')
        for item in moved:
            path = os.path.join(etc, item['path'].rsplit(u'/', 1)[1])
            if os.path.lexists(path):
                os.unlink(path)
        for item in written:
            _write_private(os.path.join(etc, item['path'].rsplit(u'/', 1)[1]), item['content'])
        command = [netplan, 'generate', '--root-dir', tmp]
        rc, out, err = module.run_command(command)
        result = {'command': [netplan, 'generate', '--root-dir', '<private copy>'], 'rc': rc,
                  'stderr': to_text((err or '') + (out or '')).strip(), 'skipped': None}
        if rc != 0:
            raise ApplyError('netplan generate rejects the configuration with the new files (exit %d): %s; nothing was '
                             'written or moved' % (rc, result['stderr'][-2000:] or 'no message'))
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        safefile._write_all(fd, data)  # pylint: disable=protected-access
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- writing

def _state_dir(path):
    """A directory of ours under /var/lib/fleetfix (created 0700 where missing)."""
    host = _host(path)
    if not os.path.isdir(host):
        os.makedirs(host, 0o700)
        os.chmod(host, 0o700)
    return host


def _keep_copy(copy_path, kept_name, replace):
    """Move a copy safefile made beside the file to KEPT_DIR: the first ``.fleetfix.orig`` stays
    (a newer one is dropped), ``.fleetfix.bak`` is replaced. Returns where it is kept."""
    if not copy_path or not os.path.lexists(copy_path):
        return None
    kept = os.path.join(_state_dir(KEPT_DIR), kept_name)
    if os.path.lexists(kept) and not replace:
        os.unlink(copy_path)
    else:
        _move(copy_path, kept)
    return kept


def _move(src, dst):
    """rename(2), or across filesystems a copy (bytes, owner, mode, xattrs, times) renamed into
    place and then the source removed; a symlink is moved as the symlink."""
    try:
        os.rename(src, dst)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        directory = os.path.dirname(dst)
        if os.path.islink(src):
            aside = os.path.join(directory, '.%s.fleetfix-new' % os.path.basename(dst))
            safefile.remove_quietly(aside)
            os.symlink(os.readlink(src), aside)
        else:
            aside = safefile._copy_aside(dst, src)  # pylint: disable=protected-access
        try:
            os.rename(aside, dst)
        except BaseException:
            safefile.remove_quietly(aside)
            raise
        safefile.fsync_dir(directory)
        os.unlink(src)
    safefile.fsync_dir(os.path.dirname(src))
    safefile.fsync_dir(os.path.dirname(dst))


def _flat(path):
    return path.lstrip('/').replace('/', '_')


def write_file(item, state):
    """Write one file (content through safefile, then the mode); the copies safefile keeps beside
    it go to KEPT_DIR. Returns (orig, backup)."""
    if state['missing_dir']:
        os.makedirs(state['missing_dir'], 0o755)
        os.chmod(state['missing_dir'], 0o755)
        state['real'] = safefile.resolve(state['host'])
    orig = backup = None
    if state['content_changed']:
        result = safefile.replace_bytes(state['real'], item['content'], new_mode=item['mode'], backup=True)
        name = _flat(item['path'])
        if result['orig_created']:
            orig = _keep_copy(result['orig'], name + safefile.ORIG_SUFFIX, replace=False)
        backup = _keep_copy(result['backup'], name + safefile.BACKUP_SUFFIX, replace=True)
    if stat.S_IMODE(os.stat(state['real']).st_mode) != item['mode']:
        os.chmod(state['real'], item['mode'])
    return orig or _kept_orig(item['path'], host=True), backup


def _kept_orig(path, host=False):
    """Where the first copy of ``path`` is kept, if one was ever made (a host path unless ``host``)."""
    kept = os.path.join(_host(KEPT_DIR), _flat(path) + safefile.ORIG_SUFFIX)
    if not os.path.lexists(kept):
        return None
    return kept if host else _unhost(kept)


def move_away(state):
    _state_dir(DISABLED_DIR)
    if state['state'] == 'removed_duplicate':
        os.unlink(state['host'])
        safefile.fsync_dir(os.path.dirname(state['host']))
    elif state['state'] == 'moved':
        _move(state['host'], state['host_to'])


# --------------------------------------------------------------------------- main

def _diffs(files, file_states, removal_states):
    diffs = []
    for item, state in zip(files, file_states):
        if not state['changed']:
            continue
        before_mode, after_mode = _mode_text(state['mode_before']), _mode_text(item['mode'])
        modes = before_mode != after_mode and state['mode_before'] is not None
        diffs.append({'before_header': item['path'] + (' (mode %s)' % before_mode if modes else ''),
                      'after_header': item['path'] + (' (mode %s)' % after_mode if modes else ''),
                      'before': _shown(state['before']), 'after': _shown(item['content'])})
    for state in removal_states:
        if state['changed']:
            diffs.append({'before_header': state['path'], 'after_header': '%s (moved to %s)' % (state['path'], state['to']),
                          'before': _shown(state['before']), 'after': u''})
    return diffs


def main():
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(type='list', elements='dict', default=[], options=dict(
                path=dict(type='str', required=True),
                content=dict(type='str', required=True),
                mode=dict(type='str', default='0644'),
            )),
            removals=dict(type='list', elements='dict', default=[], options=dict(
                path=dict(type='str', required=True),
                to=dict(type='str', required=True),
            )),
            check_netplan=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    result = dict(changed=False, files=[], removals=[], netplan_check=None,
                  programs=dict((name, module.get_bin_path(name, opt_dirs=['/usr/sbin', '/sbin'])) for name in PROGRAMS))
    try:
        files, removals = check_arguments(module.params['files'], module.params['removals'])
    except ApplyError as exc:
        module.fail_json(msg='net_config_files: %s' % exc, **result)
    try:
        file_states = [state_of_file(item) for item in files]
        removal_states = [state_of_removal(item) for item in removals]
        if module.params['check_netplan'] and (any(s['changed'] for s in file_states if s['path'].startswith('/etc/netplan/'))
                                               or any(s['changed'] for s in removal_states if s['path'].startswith('/etc/netplan/'))):
            result['netplan_check'] = netplan_check(module, files, [r for r, s in zip(removals, removal_states) if s['changed']])
    except ApplyError as exc:
        module.fail_json(msg='net_config_files: %s' % exc, **result)
    except WRITE_ERRORS as exc:
        module.fail_json(msg='net_config_files: %s; nothing was written' % exc, **result)
    result['files'] = [{'path': s['path'], 'real_path': _unhost(s['real']),
                        'changed': s['changed'], 'created': s['before'] is None, 'mode': _mode_text(item['mode']),
                        'mode_before': _mode_text(s['mode_before']), 'orig': _kept_orig(item['path']), 'backup': None}
                       for item, s in zip(files, file_states)]
    result['removals'] = [{'path': s['path'], 'to': s['to'], 'changed': s['changed'], 'state': s['state']}
                          for s in removal_states]
    result['changed'] = any(s['changed'] for s in file_states + removal_states)
    if module._diff and result['changed']:
        result['diff'] = _diffs(files, file_states, removal_states)
    if module.check_mode or not result['changed']:
        module.exit_json(**result)
    done = []
    try:
        for item, state, entry in zip(files, file_states, result['files']):
            if state['changed']:
                orig, backup = write_file(item, state)
                entry['orig'], entry['backup'] = _unhost(orig), _unhost(backup)
                done.append('wrote %s' % item['path'])
        for state in removal_states:
            if state['changed']:
                move_away(state)
                done.append('moved %s to %s' % (state['path'], state['to']))
    except WRITE_ERRORS as exc:
        module.fail_json(msg='net_config_files: %s (done before it: %s)' % (exc, '; '.join(done) or 'nothing'), **result)
    module.exit_json(**result)


def _unhost(path):
    """A host path as the host sees it (unit tests run under a fake HOST_ROOT)."""
    if path is None or HOST_ROOT in ('/', ''):
        return path
    root = HOST_ROOT.rstrip('/')
    return path[len(root):] if path.startswith(root + '/') else path


if __name__ == '__main__':
    main()
