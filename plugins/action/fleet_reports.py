# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the fleet reports on the controller, in the controller's own process.

Four files through four copy/template tasks cost a module process each (about a second per
file); this writes them all at once. Documentation: plugins/modules/fleet_reports.py.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes
from ansible.plugins.action import ActionBase
from ansible_collections.fleetfix.kernel.plugins.filter.report_render import (
    audit_report_html, audit_report_junit, audit_report_markdown)

RENDERERS = (
    ('json', 'fleet-report.json', lambda report: json.dumps(report, indent=4, sort_keys=True) + '\n'),
    ('markdown', 'fleet-report.md', audit_report_markdown),
    ('html', 'fleet-report.html', audit_report_html),
    ('junit', 'junit.xml', audit_report_junit),
)


def _write(path, data):
    """Write ``data`` beside ``path`` and rename it over: never a half-written report."""
    try:
        with open(path, 'rb') as handle:
            if handle.read() == data:
                return False
    except (IOError, OSError):
        pass
    handle, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix='.' + os.path.basename(path) + '.')
    try:
        os.write(handle, data)
    finally:
        os.close(handle)
    os.chmod(tmp, 0o644)
    os.rename(tmp, path)
    return True


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('report', 'dest', 'formats'))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self._task.args
        report, dest = args.get('report'), args.get('dest')
        formats = args.get('formats') or [name for name, _file, _render in RENDERERS]
        if not isinstance(report, dict) or 'hosts' not in report:
            raise AnsibleActionFail('report must be the fleet report made by the fleetfix.kernel.audit_report filter')
        if not dest:
            raise AnsibleActionFail('dest (the report directory) is required')
        unknown = [name for name in formats if name not in [n for n, _f, _r in RENDERERS]]
        if unknown:
            raise AnsibleActionFail('unknown report format(s) %s; known: json, markdown, html, junit' % ', '.join(unknown))
        dest = os.path.abspath(os.path.expanduser(dest))
        try:
            if not os.path.isdir(dest):
                os.makedirs(dest, 0o755)
            files, changed = {}, []
            for name, filename, render in RENDERERS:
                if name not in formats:
                    continue
                path = os.path.join(dest, filename)
                if _write(path, to_bytes(render(report))):
                    changed.append(path)
                files[name] = path
        except (IOError, OSError) as exc:
            raise AnsibleActionFail('cannot write the reports into %s: %s' % (dest, exc))
        result.update(changed=bool(changed), files=files, written=changed)
        return result
