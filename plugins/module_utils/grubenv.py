# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The GRUB environment block (grubenv): ``saved_entry``, ``next_entry``, ``kernelopts``...

Python 2.7 and 3.6+, stdlib only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import GrubParseError, shown


SIGNATURE = '# GRUB Environment Block'


def parse_grubenv(text, path='grubenv'):
    """The variables of a GRUB environment block (grubenv) as a dict.

    The block starts with ``# GRUB Environment Block``, holds ``KEY=VALUE`` lines and is
    padded with '#' to 1024 bytes. grub-editenv escapes a backslash as ``\\\\`` and a newline
    inside a value as a backslash before the newline; both are undone here. No text (None or
    empty) is no variables; text that does not start with the signature is not a block GRUB
    reads (a binary file, a file someone wrote by hand): GrubParseError naming ``path``.
    """
    env = {}
    if not text:
        return env
    lines = text.replace('\r\n', '\n').split('\n')
    if lines[0] != SIGNATURE:
        raise GrubParseError(path, 1, "expected the GRUB environment block signature '%s' (what grub-editenv "
                                      "writes), found %r" % (SIGNATURE, shown(lines[0], 40)))
    i = 1
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line or line.startswith('#') or '=' not in line:
            continue
        key, _sep, value = line.partition('=')
        while _ends_with_odd_backslashes(value) and i < len(lines):
            value = value[:-1] + '\n' + lines[i]
            i += 1
        env[key] = value.replace('\\\\', '\\')
    return env


def _ends_with_odd_backslashes(value):
    count = len(value) - len(value.rstrip('\\'))
    return count % 2 == 1
