# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: record which tasks reported `changed`, per playbook run.

Molecule runs converge.yml three times in our sequence (check, converge, idempotence).
This appends one JSON line per playbook run to $FLEETFIX_CHANGES_FILE (default:
$MOLECULE_EPHEMERAL_DIRECTORY/fleetfix-changes.jsonl) with the playbook, whether it ran
under --check, and every (host, task, changed items). The shared verify test compares the
check run with the converge run: --check must predict exactly what the real run changes.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: fleetfix_changes
type: aggregate
short_description: Record changed tasks per playbook run (fleetfix.kernel tests)
description:
  - Appends one JSON line per playbook run to E(FLEETFIX_CHANGES_FILE).
requirements:
  - enable in callbacks_enabled
'''

import json
import os

from ansible import context
from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'fleetfix_changes'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.playbook = None
        self.tasks = []

    def v2_playbook_on_start(self, playbook):
        self.playbook = os.path.basename(playbook._file_name)  # pylint: disable=protected-access
        self.tasks = []

    def _record(self, result, status):
        res = result._result  # pylint: disable=protected-access
        task = result._task  # pylint: disable=protected-access
        items = []
        for item in res.get('results', []) or []:
            if isinstance(item, dict) and item.get('changed'):
                label = item.get('_ansible_item_label', item.get('item'))
                items.append(json.dumps(label, sort_keys=True, default=str))
        self.tasks.append({
            'host': result._host.get_name(),  # pylint: disable=protected-access
            'task': task.get_name(),
            'status': status,
            'changed': bool(res.get('changed')),
            'changed_items': sorted(items),
        })

    def v2_runner_on_ok(self, result):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('FLEETFIX_CHANGES_FILE')
        if not path and os.environ.get('MOLECULE_EPHEMERAL_DIRECTORY'):
            path = os.path.join(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'], 'fleetfix-changes.jsonl')
        if not path:
            return
        line = {
            'playbook': self.playbook,
            'check': bool(context.CLIARGS.get('check')),
            'tasks': self.tasks,
        }
        with open(path, 'a') as handle:
            handle.write(json.dumps(line, sort_keys=True) + '\n')
