# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The names this module once held, kept for code that still imports them from here.

The boot-loader parsers live in one file per format; new code imports them from there:

- grub_common: GrubParseError, classify_root (what kind of name a ``root=`` is)
- kernel_cmdline: parse_cmdline, get_arg, has_arg
- grub2_cfg: parse_grub2_cfg (GRUB 2 grub.cfg: lexer, parser, entries, settings)
- grub_menu: menu_entries, default_entry (grub.cfg + BLS entries as GRUB shows them)
- grubenv: parse_grubenv
- grub_bls: parse_bls_entry, resolve_bls_options, sort_bls_entries
- grub_legacy: parse_grub_legacy, plan_root_legacy, set_root_legacy (GRUB 0.97 grub.conf)
- default_grub: parse_default_grub, effective_default_grub, set_default_grub_value
- bootloader: read_boot_files, collect (a host's files, read under a root directory)
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.fleetfix.kernel.plugins.module_utils.bootloader import read_boot_files  # noqa: F401
from ansible_collections.fleetfix.kernel.plugins.module_utils.default_grub import (  # noqa: F401
    effective_default_grub,
    parse_default_grub,
    set_default_grub_value,
)
from ansible_collections.fleetfix.kernel.plugins.module_utils.grub2_cfg import parse_grub2_cfg  # noqa: F401
from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_bls import (  # noqa: F401
    parse_bls_entry,
    resolve_bls_options,
    sort_bls_entries,
)
from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import GrubParseError, classify_root  # noqa: F401
from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_legacy import (  # noqa: F401
    parse_grub_legacy,
    set_root_legacy,
)
from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_menu import default_entry, menu_entries  # noqa: F401
from ansible_collections.fleetfix.kernel.plugins.module_utils.grubenv import parse_grubenv  # noqa: F401
from ansible_collections.fleetfix.kernel.plugins.module_utils.kernel_cmdline import get_arg, has_arg, parse_cmdline  # noqa: F401
