# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The input contract of the ``root=UUID=`` fix, enforced twice with one implementation: in
the grub_root_uuid role's Decide step (filter grub_root_uuid_plan, before any task that
writes) and in grub_set_root's own argument validation.

A UUID is what a filesystem's superblock gives and ``blkid`` prints, nothing else: it ends up
on a kernel command line that GRUB, the initramfs and the kernel split on whitespace and
quotes, so ``abc<TAB>single`` would boot single-user. ``keep_kinds`` takes only the kinds
classify_root gives. Every refusal names the variable and the value.
Python 2.7 and 3.6+, stdlib only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import ROOT_KINDS, needs_root_fix

# The UUID forms blkid prints for the filesystems a Linux root can be on, and the others it
# knows (a root= names a filesystem UUID: never an LVM PV, MD member or LUKS header one).
UUID_FORMS = (
    # ext2/3/4, xfs, btrfs, f2fs, jfs, reiserfs, bcachefs, swap
    ('8-4-4-4-12 hex digits', r'[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}'),
    ('vfat/exfat XXXX-XXXX', r'[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}'),
    ('NTFS/HFS+ 16 hex digits', r'[0-9A-Fa-f]{16}'),
    ('ISO 9660 YYYY-MM-DD-hh-mm-ss-cc', r'[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}'),
)
_UUID_RE = re.compile(r'(?:%s)\Z' % '|'.join('(?:%s)' % pattern for _what, pattern in UUID_FORMS))
_SHOWN = 80
# What a kernel command line, GRUB or a shell would split on or interpret: whitespace (Unicode
# included), quotes, '=', shell metacharacters, control characters.
_UNSAFE_RE = re.compile(u'[\\s\'"`=\\\\$;|&<>(){}\\[\\]*?!#~\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]', re.U)

try:
    _TEXT = (str, unicode)  # noqa: F821 (Python 2)
except NameError:
    _TEXT = (str,)


def show(value):
    """A value as a refusal message quotes it: JSON-escaped (a tab reads ``\\t``, a newline
    ``\\n``, the same under Python 2.7 and 3), cut after 80 characters."""
    if isinstance(value, bytes) and not isinstance(value, str):
        value = value.decode('utf-8', 'replace')
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > _SHOWN + 2:
        text = text[:_SHOWN + 1] + '..." (%d characters)' % len(value)
    return text


def uuid_problem(value, name='uuid'):
    """None for a filesystem UUID, else the reason, naming ``name`` and the value."""
    if not isinstance(value, _TEXT):
        return '%s %s is not a filesystem UUID: it is a %s, not a string' % (name, show(value), type(value).__name__)
    if _UUID_RE.match(value):
        return None
    if not value:
        reason = 'it is empty'
    elif value.upper().startswith('UUID='):
        reason = 'give the UUID alone, without UUID='
    elif _UNSAFE_RE.search(value):
        reason = 'it holds whitespace, a quote, a control character or one a shell would interpret'
    elif len(value) > 36:
        reason = 'it is longer than any filesystem UUID'
    else:
        reason = 'it is none of the forms blkid prints'
    return '%s %s is not a filesystem UUID: %s (blkid prints %s)' % (
        name, show(value), reason, ', '.join(what for what, _pattern in UUID_FORMS))


def keep_kinds_problem(values, name='keep_kinds'):
    """None when every element of ``values`` is a root= kind (ROOT_KINDS), else the reason."""
    if not isinstance(values, (list, tuple)):
        return '%s must be a list of root= kinds, got %s %s' % (name, type(values).__name__, show(values))
    for value in values:
        if not isinstance(value, _TEXT) or value not in ROOT_KINDS:
            return '%s: %s is not a root= kind (one of: %s; written in lower case, no spaces)' % (
                name, show(value), ', '.join(ROOT_KINDS))
    return None


def plan(facts, keep_kinds, uuid_name='the UUID of the filesystem on / (grub_facts root_filesystem.uuid)',
         keep_kinds_name='fleetfix_grub_keep_kinds'):
    """The grub_root_uuid role's Decide step as data, from grub_facts' ``fleetfix_grub``.

    Returns flavour, config, uuid, entries (the ones grub_set_root will change: the same
    needs_root_fix rule it applies) and disable_uuid_file (the /etc/default/grub file whose
    ``GRUB_DISABLE_LINUX_UUID=true`` makes grub-mkconfig write device paths, or '').
    Raises ValueError naming the variable and the value for bad keep_kinds or a root UUID
    that is not one; no boot loader or no UUID at all is reported by the role's own assert.
    """
    problem = keep_kinds_problem(keep_kinds, keep_kinds_name)
    if problem:
        raise ValueError(problem)
    facts = facts or {}
    uuid = (facts.get('root_filesystem') or {}).get('uuid')
    if uuid is not None:
        problem = uuid_problem(uuid, uuid_name)
        if problem:
            raise ValueError(problem)
    wanted = 'UUID=%s' % uuid
    entries = [entry for entry in facts.get('entries') or []
               if isinstance(entry.get('root'), _TEXT) and uuid and needs_root_fix(entry, wanted, keep_kinds)]
    settings = (facts.get('default_grub') or {}).get('settings') or {}
    disable_file = ''
    if facts.get('flavour') == 'grub2' and settings.get('GRUB_DISABLE_LINUX_UUID', 'false') == 'true':
        disable_file = ((facts.get('default_grub') or {}).get('origin') or {}).get('GRUB_DISABLE_LINUX_UUID') or ''
    return {'flavour': facts.get('flavour'), 'config': facts.get('config'), 'uuid': uuid,
            'entries': entries, 'disable_uuid_file': disable_file}
