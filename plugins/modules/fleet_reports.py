#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: fleet_reports
short_description: Write the fleet reports (HTML, JSON, Markdown, JUnit) and host lists on the controller in one step
version_added: 0.3.0
description:
  - Takes the fleet report made by the C(fleetfix.kernel.audit_report) filter and writes
    C(fleet-report.html) (self-contained), C(fleet-report.json) (stable key order),
    C(fleet-report.md) and C(junit.xml) into O(dest).
  - With them, always, the host lists under C(limit/) (one host per line, for C(--limit @file)) - one
    per group of findings, per story and status, and for unreachable and failed hosts - and
    C(fleet-findings.yml), the same lists as inventory groups (host names only). A host list an
    earlier audit left in C(limit/) that this one did not write is removed (only C(*.txt) regular
    files there), so no stale list is run against.
  - An action plugin - it runs in the controller's process, so four reports cost one task, not
    four module runs.
  - All or none - every report and list is rendered in memory first; when a renderer fails, nothing is
    written. Each changed file is then staged beside its final name (same directory, flushed to
    disk) and only when all are staged are they renamed over the old ones.
  - A report with no hosts gives four valid (empty) reports. In C(junit.xml) every character XML
    cannot hold (control characters other than tab, newline and CR, lone surrogates, U+FFFE,
    U+FFFF) is written as a C(\\xNN) or C(\\uNNNN) escape, so the file stays well-formed.
  - The reports are controller artefacts of a read-only audit; they are written under
    C(--check) too (an audit that leaves no report would be useless).
author:
  - fleetfix.kernel contributors (@fleetfix)
requirements:
  - Nothing on the managed host - an action plugin, it runs in the controller's own ansible-core process and calls no program
options:
  report:
    description: The fleet report.
    type: dict
    required: true
  dest:
    description:
      - Directory to write the reports into (created when missing).
      - A relative path is taken from the directory C(ansible-playbook) runs from (the controller's working
        directory), not from the playbook's directory - so a playbook run from an installed collection
        never writes into it.
    type: path
    required: true
  formats:
    description: Which reports to write.
    type: list
    elements: str
    choices: [json, markdown, html, junit]
    default: [json, markdown, html, junit]
attributes:
  action:
    description: Runs on the controller as an action plugin.
    support: full
  check_mode:
    description: Writes the reports in check mode too - they are the audit's output on the controller.
    support: none
  diff_mode:
    description: No diff is shown.
    support: none
  platform:
    description: The controller.
    platforms: posix
    support: full
'''

EXAMPLES = r'''
- name: Write every report
  fleetfix.kernel.fleet_reports:
    report: "{{ hosts_audited | fleetfix.kernel.audit_report(hostvars) }}"
    dest: reports
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
files:
  description:
    - Path of each report by format, C(inventory) for C(fleet-findings.yml), and C(host_lists) the
      list of host list files (absent when there is none).
  returned: always
  type: dict
  sample: {html: /srv/audit/reports/fleet-report.html, junit: /srv/audit/reports/junit.xml,
           inventory: /srv/audit/reports/fleet-findings.yml, host_lists: [/srv/audit/reports/limit/pipe_capacity-warn.txt]}
written:
  description: The files whose content changed, and the stale host lists removed.
  returned: always
  type: list
  elements: str
dest:
  description: The report directory as an absolute path (O(dest) resolved).
  returned: always
  type: str
  sample: /srv/audit/reports
'''

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(report=dict(type='dict', required=True), dest=dict(type='path', required=True),
                                              formats=dict(type='list', elements='str', default=['json', 'markdown', 'html', 'junit'],
                                                           choices=['json', 'markdown', 'html', 'junit'])))
    module.fail_json(msg='fleetfix.kernel.fleet_reports runs on the controller as an action plugin; it has no module to run on a host')


if __name__ == '__main__':
    main()
