# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module arguments that AnsibleModule's types let through, checked once for every module.

``type='int'`` takes a YAML ``true`` as 1 (a bool is an int); ``type='float'`` takes NaN and
infinity; ``type='path'`` takes a relative path or one holding a NUL byte; a list may be empty
where empty means nothing. Each check returns the value (normalised) or raises
bootchain.InputError whose message names the option and shows the value. Runs on the managed
host: Python 2.7 and 3.6+, standard library only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math
import re

from ansible_collections.fleetfix.kernel.plugins.module_utils.bootchain import (
    InputError, check_kernel_release, check_module_names, shown)

# A kernel config option as kconfig names it (CONFIG_ prefix optional: both forms are taken).
CONFIG_OPTION = re.compile(r'^(?:CONFIG_)?[A-Za-z0-9][A-Za-z0-9_]{0,127}\Z')


def _is_number(value):
    return not isinstance(value, bool) and isinstance(value, (int, float)) or type(value).__name__ == 'long'


def check_number(value, what, low, high, low_inclusive=True, integer=False, unit=''):
    """``value`` when it is a finite number (an int if ``integer``) from ``low`` to ``high``;
    InputError naming ``what`` otherwise - booleans, NaN and infinity included."""
    ok = _is_number(value) and not (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))
    if ok and integer and isinstance(value, float):
        ok = value == int(value)
    if ok:
        ok = (value >= low if low_inclusive else value > low) and value <= high
    if not ok:
        kind = 'a whole number' if integer else 'a number'
        bound = 'from %s' % low if low_inclusive else 'above %s' % low
        raise InputError('%s: %s is not %s%s %s to %s%s' % (
            what, shown(value), kind, ' (a boolean is not a number)' if isinstance(value, bool) else '',
            bound, high, unit and ' ' + unit))
    return int(value) if integer else value


def check_nonempty(values, what, meaning):
    """``values`` when the list holds something; InputError ("at least one <meaning>") otherwise."""
    if not values:
        raise InputError('%s: give at least one %s (an empty list means nothing here)' % (what, meaning))
    return values


def check_kernels(values, what, keywords=()):
    """Kernel releases (or one of ``keywords`` such as 'all' or 'running'), checked by the
    input contract's rule before any path is built from them."""
    for value in values or []:
        if value not in keywords:
            check_kernel_release(value, what)
    return values


def check_config_options(values, what):
    """Kernel config option names (``CONFIG_NAMESPACES`` or ``NAMESPACES``)."""
    for value in values or []:
        if not isinstance(value, (str, type(u''))) or not CONFIG_OPTION.match(value):
            raise InputError('%s: %s is not a kernel config option name (CONFIG_ and letters, digits, "_")'
                             % (what, shown(value)))
    return values


def check_absolute_paths(values, what):
    """Absolute paths without NUL or line breaks (a NUL ends a path where the kernel reads it)."""
    for value in values or []:
        if not isinstance(value, (str, type(u''))) or not value.startswith('/'):
            raise InputError('%s: %s is not an absolute path' % (what, shown(value)))
        if '\x00' in value or '\n' in value or '\r' in value:
            raise InputError('%s: %s holds a NUL or a line break' % (what, shown(value)))
    return values


# dracut reads /etc/dracut.conf.d/*.conf (and sources each as bash); initramfs-tools reads
# exactly one modules file of the administrator's, /etc/initramfs-tools/modules.
DRACUT_CONF_DIR = '/etc/dracut.conf.d/'
DRACUT_CONF_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.conf\Z')
INITRAMFS_TOOLS_MODULES = '/etc/initramfs-tools/modules'


def check_dracut_dropin(value, what):
    """``value`` when it is /etc/dracut.conf.d/<name>.conf (no other directory, no '..')."""
    if (isinstance(value, (str, type(u''))) and value.startswith(DRACUT_CONF_DIR) and '..' not in value
            and DRACUT_CONF_NAME.match(value[len(DRACUT_CONF_DIR):])):
        return value
    raise InputError('%s: %s is not a dracut drop-in: it must be %s<name>.conf (letters, digits, ".", "_", "-"; '
                     'dracut reads only *.conf files there)' % (what, shown(value), DRACUT_CONF_DIR))


def check_initramfs_tools_modules(value, what):
    """``value`` when it is initramfs-tools' modules file, the one file of its kind it reads."""
    if value == INITRAMFS_TOOLS_MODULES:
        return value
    raise InputError('%s: %s is not initramfs-tools\' modules file: it must be %s (the one such file '
                     'initramfs-tools reads)' % (what, shown(value), INITRAMFS_TOOLS_MODULES))


def check_drivers(values, what):
    """Kernel module names (the input contract's rule), folded '-' -> '_'."""
    return check_module_names(values or [], what)


def fail_on_input_error(module, checks):
    """Run ``checks`` (callables) in order; the first InputError becomes ``fail_json``."""
    try:
        for check in checks:
            check()
    except InputError as exc:
        module.fail_json(msg=str(exc))
