# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the fleet reports on the controller, in the controller's own process.

Four files through four copy/template tasks cost a module process each (about a second per
file); this writes them all at once, with the host lists (limit/*.txt) and the inventory of
findings (fleet-findings.yml); host lists an earlier audit left that this one did not write are
removed. All four are rendered in memory first and written only when
every renderer succeeded; each is staged beside its final name and renamed over it - all or none. Documentation: plugins/modules/fleet_reports.py.
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
from ansible_collections.fleetfix.kernel.plugins.plugin_utils.fleet_triage import LIMIT_DIR, host_list_files

RENDERERS = (
    ('json', 'fleet-report.json', lambda report: json.dumps(report, indent=4, sort_keys=True) + '\n'),
    ('markdown', 'fleet-report.md', audit_report_markdown),
    ('html', 'fleet-report.html', audit_report_html),
    ('junit', 'junit.xml', audit_report_junit),
)


def _unchanged(path, data):
    try:
        with open(path, 'rb') as handle:
            return handle.read() == data
    except (IOError, OSError):
        return False


def _stage(path, data):
    """Write ``data`` to a temp file beside ``path`` (same directory: the rename is atomic),
    flushed to disk; return the temp file's name."""
    handle, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix='.' + os.path.basename(path) + '.')
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view):]
            os.fsync(handle)
        finally:
            os.close(handle)
        os.chmod(tmp, 0o644)
    except BaseException:
        _remove(tmp)
        raise
    return tmp


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def render_all(report, formats, host_lists=True):
    """Every report as bytes, rendered in memory: [(name, filename, bytes)], the host lists
    (limit/*.txt) and the inventory of findings last. A renderer that fails raises
    AnsibleActionFail naming the format - and nothing has been written."""
    rendered = []
    for name, filename, render in RENDERERS:
        if name not in formats:
            continue
        try:
            rendered.append((name, filename, to_bytes(render(report), errors='surrogate_then_replace')))
        except Exception as exc:  # pylint: disable=broad-except
            raise AnsibleActionFail('cannot render the %s report (%s); no report was written: %s: %s'
                                    % (name, filename, exc.__class__.__name__, exc))
    if host_lists:
        for path, text in sorted(host_list_files(report).items()):
            rendered.append(('host_lists' if path.startswith(LIMIT_DIR + '/') else 'inventory', path,
                             to_bytes(text, errors='surrogate_then_replace')))
    return rendered


def _stale_lists(dest, written):
    """The host lists an earlier audit left in limit/ that this one did not write: a stale
    list must not be run against."""
    directory = os.path.join(dest, LIMIT_DIR)
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return [os.path.join(directory, name) for name in sorted(names)
            if name.endswith('.txt') and os.path.join(directory, name) not in written
            and os.path.isfile(os.path.join(directory, name)) and not os.path.islink(os.path.join(directory, name))]


def write_all(dest, rendered):
    """Write the rendered reports into ``dest``, all or none: every changed file is staged
    beside its final name first, and only when all are staged are they renamed over.
    Returns (files by format, the paths whose content changed)."""
    files, staged = {}, []
    try:
        for name, filename, data in rendered:
            path = os.path.join(dest, filename)
            if name == 'host_lists':
                files.setdefault(name, []).append(path)
            else:
                files[name] = path
            if not os.path.isdir(os.path.dirname(path)):
                os.makedirs(os.path.dirname(path), 0o755)
            if not _unchanged(path, data):
                staged.append((_stage(path, data), path))
    except BaseException:
        for tmp, _path in staged:
            _remove(tmp)
        raise
    for tmp, path in staged:
        os.rename(tmp, path)
    removed = _stale_lists(dest, set(os.path.join(dest, filename) for _name, filename, _data in rendered))
    for path in removed:
        _remove(path)
    staged += [(None, path) for path in removed]
    if staged:
        try:  # the renames themselves survive a crash only once the directory is on disk
            fd = os.open(dest, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError:
            pass
    return files, [path for _tmp, path in staged]


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('report', 'dest', 'formats'))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self._task.args
        report, dest = args.get('report'), args.get('dest')
        formats = args.get('formats') or [name for name, _file, _render in RENDERERS]
        if not isinstance(report, dict) or not isinstance(report.get('hosts'), dict):
            raise AnsibleActionFail('report must be the fleet report made by the fleetfix.kernel.audit_report filter')
        if not dest:
            raise AnsibleActionFail('dest (the report directory) is required')
        unknown = [name for name in formats if name not in [n for n, _f, _r in RENDERERS]]
        if unknown:
            raise AnsibleActionFail('unknown report format(s) %s; known: json, markdown, html, junit' % ', '.join(unknown))
        dest = os.path.abspath(os.path.expanduser(dest))
        rendered = render_all(report, formats)  # all in memory first: a renderer that fails writes nothing
        try:
            if not os.path.isdir(dest):
                os.makedirs(dest, 0o755)
            files, changed = write_all(dest, rendered)
        except (IOError, OSError) as exc:
            raise AnsibleActionFail('cannot write the reports into %s (none was changed): %s' % (dest, exc))
        result.update(changed=bool(changed), files=files, written=changed, dest=dest)
        return result
