# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: timeval
short_description: Turn a duration into a valid struct timeval (tv_sec, tv_usec)
version_added: 0.3.0
description:
  - Seed story 1. The kernel rejects C(SO_RCVTIMEO)/C(SO_SNDTIMEO) with C(EDOM) when C(tv_usec) is not
    in 0..999999. This filter normalises a duration into C(tv_sec) and C(0 <= tv_usec < 1000000),
    rounded to the nearest microsecond.
  - Accepts seconds as an int, a float or a numeric string, or a string with a unit -
    C(s), C(ms), C(us), C(ns), C(min) (for example C("1500ms")). Negative durations are an error.
author:
  - fleetfix.kernel contributors (@fleetfix)
positional: _input
options:
  _input:
    description: The duration.
    type: raw
    required: true
'''

EXAMPLES = r'''
- name: 1500 ms -> {tv_sec 1, tv_usec 500000}
  ansible.builtin.debug:
    msg: "{{ '1500ms' | fleetfix.kernel.timeval }}"
'''

RETURN = r'''
_value:
  description: The timeval.
  type: dict
  contains:
    tv_sec:
      description: Whole seconds.
      type: int
    tv_usec:
      description: Microseconds, 0 to 999999.
      type: int
'''

from ansible.errors import AnsibleFilterError
from ansible_collections.fleetfix.kernel.plugins.module_utils.timeval import TimevalError, to_timeval


def timeval(value):
    try:
        return to_timeval(value)
    except TimevalError as exc:
        raise AnsibleFilterError('timeval: %s' % exc)


class FilterModule(object):
    """fleetfix.kernel timeval filter."""

    def filters(self):
        return {'timeval': timeval}
