#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: socket_timeout_probe
short_description: Ask the running kernel whether it accepts a struct timeval for SO_RCVTIMEO / SO_SNDTIMEO
version_added: 0.3.0
description:
  - Seed story 1. C(setsockopt(SO_RCVTIMEO)) with C(tv_usec >= 1000000) fails with C(EDOM) because the
    kernel's C(sock_set_timeout) rejects it. This module sets the given O(tv_sec) and O(tv_usec) on a
    fresh TCP socket that is never bound or connected (no traffic), and returns the kernel's answer -
    accepted, or the errno - and the value read back.
  - Use the P(fleetfix.kernel.timeval#filter) filter to build a valid timeval from seconds.
  - Only creates and closes a socket. Safe under C(--check).
author:
  - fleetfix.kernel contributors (@fleetfix)
requirements:
  - Python 2.7 or 3.6+ on the managed host (standard library only)
options:
  tv_sec:
    description: Seconds, an integer a C long holds (a boolean is refused).
    type: int
    required: true
  tv_usec:
    description:
      - Microseconds - deliberately not limited to 0..999999, so invalid values can be probed.
      - It must still be an integer a C long holds (a boolean is refused).
    type: int
    required: true
  option:
    description: Which timeout to set.
    type: str
    choices: [SO_RCVTIMEO, SO_SNDTIMEO]
    default: SO_RCVTIMEO
extends_documentation_fragment:
  - fleetfix.kernel.read_only
  - fleetfix.kernel.linux_host
'''

EXAMPLES = r'''
- name: The seed's mistake - 3 seconds written as 3000000 microseconds
  fleetfix.kernel.socket_timeout_probe:
    tv_sec: 0
    tv_usec: 3000000
  register: probe
  failed_when: probe.accepted or probe.error != 'EDOM'

- name: The fix, normalised by the timeval filter
  fleetfix.kernel.socket_timeout_probe:
    tv_sec: "{{ (3 | fleetfix.kernel.timeval).tv_sec }}"
    tv_usec: "{{ (3 | fleetfix.kernel.timeval).tv_usec }}"
'''

RETURN = r'''
option:
  description: The option set.
  returned: always
  type: str
  sample: SO_RCVTIMEO
accepted:
  description: Whether the kernel took the value.
  returned: always
  type: bool
  sample: false
errno:
  description: The error number when refused.
  returned: always
  type: int
  sample: 33
error:
  description: Its symbolic name, C(EDOM) for C(tv_usec) out of range.
  returned: always
  type: str
  sample: EDOM
read_back:
  description: C(tv_sec) and C(tv_usec) as the kernel reports them back (it rounds to its clock tick), when accepted.
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetfix.kernel.plugins.module_utils import timeval


def main():
    module = AnsibleModule(
        argument_spec=dict(
            tv_sec=dict(type='int', required=True),
            tv_usec=dict(type='int', required=True),
            option=dict(type='str', choices=['SO_RCVTIMEO', 'SO_SNDTIMEO'], default='SO_RCVTIMEO'),
        ),
        supports_check_mode=True,
    )
    try:
        # a C long each (struct.pack would refuse more); a YAML true is not 1 second
        timeval.check_field(module.params['tv_sec'], 'tv_sec')
        timeval.check_field(module.params['tv_usec'], 'tv_usec')
        result = timeval.probe(module.params['tv_sec'], module.params['tv_usec'], module.params['option'])
    except timeval.TimevalError as exc:
        module.fail_json(msg='socket_timeout_probe: %s' % exc)
    except Exception as exc:  # pylint: disable=broad-except  # a socket error the probe did not expect
        module.fail_json(msg='socket_timeout_probe: cannot probe (%s, %s): %s'
                         % (module.params['tv_sec'], module.params['tv_usec'], exc))
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
