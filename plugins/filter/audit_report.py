# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: audit_report
short_description: Assemble the fleet report from every host's kernel_audit result
version_added: 0.3.0
description:
  - Runs on the controller after M(fleetfix.kernel.kernel_audit) ran on the fleet. Takes the
    audited host names and C(hostvars), and returns the fleet report (schema in
    C(docs/fleet-report-schema.md)) - per host its findings, or why there are none
    (C(unreachable), C(failed)), and counts per story and status.
author:
  - fleetfix.kernel contributors (@fleetfix)
positional: _input, hostvars
options:
  _input:
    description: The names of the hosts the audit targeted.
    type: list
    elements: str
    required: true
  hostvars:
    description: C(hostvars), where each host's registered result is found.
    type: dict
    required: true
  result_var:
    description: The name the audit result was registered under.
    type: str
    default: fleetfix_audit
  generated_at:
    description: The time to record in the report (ISO 8601); the caller passes it so the filter stays pure.
    type: str
    default: ''
  previous:
    description:
      - A previous fleet report (schema version 2, as the C(fleetfix.kernel.previous_report) lookup
        reads it). The report then holds the drift since it; another schema version is refused.
    type: dict
  report_dir:
    description: The report directory as the user gave it, for the commands in the report (C(--limit @DIR/limit/...)).
    type: str
    default: reports
'''

EXAMPLES = r'''
- name: Assemble the report
  ansible.builtin.set_fact:
    report: "{{ audited_hosts | fleetfix.kernel.audit_report(hostvars, generated_at=now(utc=true).isoformat()) }}"
'''

RETURN = r'''
_value:
  description: The fleet report; see C(docs/fleet-report-schema.md).
  type: dict
'''

from ansible.errors import AnsibleFilterError
from ansible_collections.fleetfix.kernel.plugins.module_utils.findings import STATUSES, worst
from ansible_collections.fleetfix.kernel.plugins.plugin_utils import fleet_triage
from ansible_collections.fleetfix.kernel.plugins.plugin_utils.fleet_triage import SCHEMA, SCHEMA_VERSION

HOST_STATES = ('audited', 'failed', 'unreachable')


def _finding(found):
    """A host's finding as the report keeps it: its cause, and its remedy structured."""
    entry = dict(found)
    entry['cause'] = found.get('cause') or found.get('status')
    entry['remedy'] = fleet_triage.remedy(found)
    entry.pop('fixes', None)
    return entry


def _host_entry(result):
    if not result:
        return {'state': 'unreachable', 'message': 'no result (host unreachable or not run)', 'findings': []}
    if result.get('unreachable'):
        return {'state': 'unreachable', 'message': result.get('msg', 'unreachable'), 'findings': []}
    if result.get('failed') or 'findings' not in result:
        return {'state': 'failed', 'message': result.get('msg', 'kernel_audit failed'), 'findings': []}
    findings = sorted((_finding(f) for f in result['findings']), key=lambda f: f['story'])
    return {
        'state': 'audited',
        'message': None,
        'worst': worst([f['status'] for f in findings]),
        'findings': findings,
        'timings_ms': result.get('timings_ms', {}),
    }


def audit_report(hosts, hostvars, result_var='fleetfix_audit', generated_at='', previous=None, report_dir='reports'):
    """Return the fleet report for ``hosts``; with ``previous`` (a fleet report of this schema
    version, as the fleetfix.kernel.previous_report lookup reads it) the drift since it."""
    if not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError('audit_report expects a list of host names, got %s' % type(hosts).__name__)
    report_hosts = {}
    stories = set()
    for host in sorted(hosts):
        try:
            result = hostvars[host].get(result_var)
        except KeyError:
            result = None
        entry = _host_entry(result)
        stories.update(f['story'] for f in entry['findings'])
        report_hosts[host] = entry
    stories = sorted(stories)
    counts = {}
    for story in stories:
        counts[story] = dict((status, 0) for status in STATUSES)
    for entry in report_hosts.values():
        for found in entry['findings']:
            counts[found['story']][found['status']] += 1
    states = dict((state, 0) for state in HOST_STATES)
    for entry in report_hosts.values():
        states[entry['state']] += 1
    drift = None
    if previous:
        try:
            fleet_triage.check_previous(previous)
        except fleet_triage.PreviousReportError as exc:
            raise AnsibleFilterError('%s' % exc)
        drift, per_host = fleet_triage.drift(report_hosts, previous)
        for host, kinds in per_host.items():
            report_hosts[host]['drift'] = kinds
    report_dir = report_dir or 'reports'
    return {
        'schema': SCHEMA,
        'schema_version': SCHEMA_VERSION,
        'generated_at': generated_at,
        'stories': stories,
        'statuses': list(STATUSES),
        'host_states': states,
        'counts': counts,
        'groups': fleet_triage.groups(report_hosts, report_dir),
        'host_lists': fleet_triage.story_lists(report_hosts, report_dir),
        'inventory_file': fleet_triage.INVENTORY_FILE,
        'drift': drift,
        'hosts': report_hosts,
    }


class FilterModule(object):
    """fleetfix.kernel report filters."""

    def filters(self):
        return {'audit_report': audit_report}
