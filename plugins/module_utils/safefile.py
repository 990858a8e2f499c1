# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replacing boot files without ever leaving a half-written one.

The new file is written next to the old one (same filesystem), synced, and renamed over it:
rename(2) is atomic, so a reader - or the boot loader after a power cut - sees either the old
file or the new one. The old file is copied to ``PATH.fleetfix.bak`` first (itself written
aside and renamed). Python 2.7 and 3.6+, stdlib only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import shutil

BACKUP_SUFFIX = '.fleetfix.bak'


def aside_path(path):
    """Where the new version of ``path`` is built: a hidden file in the same directory."""
    return os.path.join(os.path.dirname(path), '.%s.fleetfix-new' % os.path.basename(path))


def remove_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def fsync_file(path):
    handle = open(path, 'rb')
    try:
        os.fsync(handle.fileno())
    finally:
        handle.close()


def swap_in(path, new_path, backup=True, new_mode=0o600):
    """Back up ``path`` (when it exists and ``backup``), give ``new_path`` its mode (or
    ``new_mode`` for a new file), sync it and rename it over ``path``. Returns the backup path."""
    backup_path = None
    if os.path.exists(path):
        shutil.copymode(path, new_path)
        if backup:
            backup_path = path + BACKUP_SUFFIX
            shutil.copy2(path, backup_path + '.tmp')
            os.rename(backup_path + '.tmp', backup_path)
    else:
        os.chmod(new_path, new_mode)
    fsync_file(new_path)
    os.rename(new_path, path)
    return backup_path


def restore(path, backup_path):
    """Put a backup back over ``path`` the same atomic way."""
    if backup_path:
        shutil.copy2(backup_path, path + '.fleetfix-restore')
        os.rename(path + '.fleetfix-restore', path)
