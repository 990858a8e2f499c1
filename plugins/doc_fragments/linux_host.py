# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """Where a module of the collection runs on the host: every module that runs there uses it
    (the read-only ones beside fleetfix.kernel.read_only, which gives their check and diff
    attributes)."""

    DOCUMENTATION = r'''
options: {}
attributes:
  platform:
    description: Target operating systems.
    platforms: linux
    support: full
notes:
  - Runs on the managed host with Python 2.7 or 3.6+ and the standard library only. CentOS 7 with its system
    Python 2.7; CentOS 6 only with a Python 2.7 installed beside its system 2.6 (set C(ansible_python_interpreter)
    to it) and ansible-core 2.16, the last release that drives Python 2.7 targets.
'''
