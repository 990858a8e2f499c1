# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: previous_report
short_description: Read a previous fleet-report.json to compare the audit with
version_added: 0.4.0
description:
  - Reads a C(fleet-report.json) an earlier audit wrote, on the controller, and checks that this
    version can compare with it (schema C(fleetfix.kernel/fleet-report), version 2, every host entry
    well formed). Anything else - a missing or unreadable file, a file that is not JSON, another
    schema or schema version, a file over 512 MiB - fails with a message naming the file and the
    problem, so C(playbooks/audit.yml) stops before any host is touched and any report is written.
  - A relative path is taken from the directory C(ansible-playbook) runs from (like the report
    directory), not from the playbook's directory.
author:
  - fleetfix.kernel contributors (@fleetfix)
options:
  _terms:
    description: The path of the previous report (one).
    type: list
    elements: str
    required: true
'''

EXAMPLES = r'''
- name: Compare with last week's audit
  ansible.builtin.set_fact:
    previous: "{{ lookup('fleetfix.kernel.previous_report', 'reports/fleet-report.json') }}"
'''

RETURN = r'''
_raw:
  description: The previous report, parsed (one element).
  type: list
  elements: dict
'''

import json
import os

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible_collections.fleetfix.kernel.plugins.plugin_utils.fleet_triage import PreviousReportError, check_previous

MAX_BYTES = 512 * 1024 * 1024


def read_previous(path):
    """The previous report at ``path`` (relative to the current directory), checked."""
    if not isinstance(path, str) or not path.strip():
        raise AnsibleLookupError('fleetfix_report_previous must be the path of a fleet-report.json, got %r' % (path,))
    full = os.path.abspath(os.path.expanduser(path))
    try:
        with open(full, 'rb') as handle:
            data = handle.read(MAX_BYTES + 1)
    except (IOError, OSError) as exc:
        raise AnsibleLookupError('cannot read the previous report %s: %s' % (full, exc.strerror or exc))
    if len(data) > MAX_BYTES:
        raise AnsibleLookupError('the previous report %s is over %d MiB: not a fleet report' % (full, MAX_BYTES // 1048576))
    try:
        parsed = json.loads(data.decode('utf-8'))
    except (ValueError, UnicodeDecodeError) as exc:
        raise AnsibleLookupError('the previous report %s is not JSON (%s)' % (full, exc))
    try:
        return check_previous(parsed, 'the previous report %s' % full)
    except PreviousReportError as exc:
        raise AnsibleLookupError('%s' % exc)


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        if len(terms) != 1:
            raise AnsibleLookupError('previous_report takes one path, got %d' % len(terms))
        return [read_previous(terms[0])]
