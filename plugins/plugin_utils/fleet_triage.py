# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""From audit to action, on the controller: pure functions over the fleet report.

- groups(): hosts with the same story, status and cause, worst and largest first, each with its
  structured remedy, its host list file and the command that fixes exactly those hosts;
- host_lists(): the files under the report directory's ``limit/`` (one host per line, usable as
  ``--limit @file``) and the inventory of findings (usable as ``-i``);
- drift(): what changed against a previous fleet-report.json, per host and story;
- check_previous(): a previous report this version can compare with, or a clear refusal.

Nothing here reads or writes a file: the fleet_reports action writes, the previous_report
lookup reads.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import re

# The roles a finding's fix may name (the module_utils list the collectors use); toggle() gives
# the remediate.yml variable that turns one on, and its tag is the role's name.
from ansible_collections.fleetfix.kernel.plugins.module_utils.findings import FIX_ROLES

try:
    from shlex import quote as _shell_quote
except ImportError:  # pragma: no cover - Python 2 controller (not supported by ansible-core 2.16+)
    from pipes import quote as _shell_quote

SCHEMA = 'fleetfix.kernel/fleet-report'
SCHEMA_VERSION = 2
# Statuses a finding needs acting on, and the host states with no findings; worst first.
ACTION_STATUSES = ('error', 'fail', 'warn')
HOST_PROBLEMS = ('failed', 'unreachable')
GROUP_RANK = {'error': 0, 'fail': 1, 'failed': 2, 'unreachable': 3, 'warn': 4}
STATUS_RANK = {'error': 0, 'fail': 1, 'warn': 2, 'ok': 3, 'not_applicable': 4}
LIMIT_DIR = 'limit'
INVENTORY_FILE = 'fleet-findings.yml'
_SLUG_MAX = 72
# A host name Ansible's --limit matches as itself only: no pattern syntax (~ regex, ! & prefixes,
# glob characters, a [n:m] subscript), no whitespace or control character (lines are stripped).
_LITERAL_HOST = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.:@%+=/-]*$')
_GROUP_NAME = re.compile(r'[^a-z0-9_]+')


def toggle(role):
    return 'fleetfix_%s_enabled' % role


def _slug(text):
    slug = re.sub(r'[^a-z0-9]+', '-', ('%s' % text).lower()).strip('-')
    return slug or 'x'


def _digest(text):
    return hashlib.sha1(('%s' % text).encode('utf-8', 'surrogatepass')).hexdigest()[:8]


def remedy(finding):
    """The structured remedy of one finding (None for ok and not_applicable): the advice in
    words, the roles of fleetfix.kernel.remediate that fix it, their tags, the variables (the
    roles' toggles included) and the variables that must be set per host."""
    if finding.get('status') not in ACTION_STATUSES:
        return None
    roles, variables, per_host = [], {}, []
    for step in finding.get('fixes') or []:
        if not isinstance(step, dict) or step.get('role') not in FIX_ROLES:
            continue
        if step['role'] not in roles:
            roles.append(step['role'])
        variables[toggle(step['role'])] = True
        variables.update(step.get('variables') or {})
        per_host.extend(v for v in step.get('per_host') or [] if v not in per_host)
    return {'text': finding.get('remedy'), 'roles': ['fleetfix.kernel.%s' % r for r in roles], 'tags': roles,
            'variables': variables, 'per_host': per_host}


def limit_line(host):
    """The line of a --limit file that selects ``host`` and nothing else: the name itself when
    Ansible reads it literally, else an anchored regex (``~``) with every other character escaped."""
    if _LITERAL_HOST.match(host) and not re.search(r'\[\d*:?\d*\]$', host):
        return host
    out = []
    for char in host:
        if re.match(r'[A-Za-z0-9_-]', char):
            out.append(char)
        elif ord(char) < 0x100:
            out.append('\\x%02x' % ord(char))
        elif ord(char) < 0x10000:
            out.append('\\u%04x' % ord(char))
        else:
            out.append('\\U%08x' % ord(char))
    return '~^%s\\Z' % ''.join(out)


def command(playbook, report_dir, limit_file, rem=None, extra_limit=None):
    """The ansible-playbook command line (shell-quoted) for one host list."""
    target = '@%s/%s' % (report_dir.rstrip('/') if report_dir else '.', limit_file)
    parts = ['ansible-playbook', playbook, '--limit', target + (',' + extra_limit if extra_limit else '')]
    if rem is not None:
        parts += ['--tags', ','.join(rem['tags']), '-e', json.dumps(rem['variables'], sort_keys=True)]
        parts += ['--check', '--diff']
    else:
        parts += ['--check']
    return ' '.join(_shell_quote(part) for part in parts)


def _merge_remedies(remedies):
    """One remedy for a group: the roles of all, the variables they agree on; a variable whose
    value differs between hosts moves to per_host (it cannot be one -e for the group)."""
    merged = None
    for rem in remedies:
        if rem is None:
            continue
        if merged is None:
            merged = {'text': rem['text'], 'roles': list(rem['roles']), 'tags': list(rem['tags']),
                      'variables': dict(rem['variables']), 'per_host': list(rem['per_host'])}
            continue
        for key in ('roles', 'tags', 'per_host'):
            merged[key].extend(v for v in rem[key] if v not in merged[key])
        for key, value in rem['variables'].items():
            if key in merged['variables'] and merged['variables'][key] != value:
                del merged['variables'][key]
                if key not in merged['per_host']:
                    merged['per_host'].append(key)
            elif key not in merged['per_host']:
                merged['variables'][key] = value
    return merged


def _action_items(hosts):
    """(host, story, status, cause, remedy) of every finding that needs action, and of every host
    not audited (story None, status failed or unreachable), hosts in name order."""
    for host in sorted(hosts):
        entry = hosts[host]
        if entry.get('state') != 'audited':
            state = entry.get('state') if entry.get('state') in HOST_PROBLEMS else 'failed'
            yield host, None, state, 'host unreachable' if state == 'unreachable' else 'kernel_audit failed', None
            continue
        for finding in entry.get('findings') or []:
            if finding.get('status') in ACTION_STATUSES:
                yield host, finding.get('story'), finding['status'], finding.get('cause') or finding['status'], finding.get('remedy')


def groups(hosts, report_dir='reports'):
    """Hosts with the same story, status and cause, as a list: worst status first, then the
    largest group, then by story and cause. Host states failed and unreachable are groups too
    (their command re-runs the audit on them)."""
    buckets = {}
    for host, story, status, cause, rem in _action_items(hosts):
        buckets.setdefault((story, status, cause), []).append((host, rem))
    out, used = [], set()
    for (story, status, cause), members in buckets.items():
        base = '%s-%s-%s' % (story or 'host', status, _slug(cause))
        name = base[:_SLUG_MAX].rstrip('-')
        if name != base or name in used:
            name = '%s-%s' % (name, _digest('%s\0%s\0%s' % (story, status, cause)))
        used.add(name)
        rem = _merge_remedies(r if isinstance(r, dict) or r is None else None for _h, r in members)
        hosts_of = [h for h, _r in members]
        limit_file = '%s/%s.txt' % (LIMIT_DIR, name)
        if story is None:
            cmd = command('fleetfix.kernel.audit', report_dir, limit_file, extra_limit='localhost')
        elif rem and rem['roles']:
            cmd = command('fleetfix.kernel.remediate', report_dir, limit_file, rem)
        else:
            cmd = None
        out.append({
            'id': name, 'story': story, 'status': status, 'cause': cause, 'count': len(hosts_of), 'hosts': hosts_of,
            'remedy': rem, 'limit_file': limit_file, 'inventory_group': inventory_group(name), 'command': cmd,
        })
    out.sort(key=lambda g: (GROUP_RANK.get(g['status'], 9), -g['count'], g['story'] or '', g['cause']))
    return out


def inventory_group(name):
    """An Ansible group name (letters, digits, underscores) for a group or file id."""
    return 'fleetfix_' + _GROUP_NAME.sub('_', name.lower()).strip('_')


def story_lists(hosts, report_dir='reports'):
    """One host list per story and status that needs action (``<story>-<status>``) and per host
    problem (``unreachable``, ``failed``): [{id, story, status, count, hosts, limit_file, command}]."""
    lists = {}
    for host, story, status, _cause, _remedy in _action_items(hosts):
        lists.setdefault((story, status), []).append(host)
    out = []
    for (story, status), members in sorted(lists.items(), key=lambda item: (item[0][0] or '', GROUP_RANK.get(item[0][1], 9))):
        name = '%s-%s' % (story, status) if story else status
        limit_file = '%s/%s.txt' % (LIMIT_DIR, name)
        out.append({'id': name, 'story': story, 'status': status, 'count': len(members), 'hosts': members,
                    'limit_file': limit_file, 'inventory_group': inventory_group(name),
                    'command': command('fleetfix.kernel.audit', report_dir, limit_file, extra_limit='localhost')})
    return out


def host_list_files(report):
    """{relative path: text} of every host list and the inventory of findings."""
    files = {}
    lists = list(report.get('host_lists') or []) + list(report.get('groups') or [])
    inventory = {}
    for item in lists:
        files[item['limit_file']] = ''.join(limit_line(host) + '\n' for host in item['hosts'])
        inventory[item['inventory_group']] = {'hosts': dict((host, None) for host in item['hosts'])}
    header = ('# fleetfix.kernel: the audit of %s as inventory groups (hosts only, no connection\n'
              '# variables): add it to your own inventory, e.g. -i inventory -i %s --limit GROUP\n'
              % (report.get('generated_at') or '?', INVENTORY_FILE))
    # JSON is YAML: every host name, whatever its characters, stays one quoted key
    files[INVENTORY_FILE] = header + json.dumps({'all': {'children': inventory}}, indent=1, sort_keys=True) + '\n'
    return files


# ------------------------------------------------------------------ drift

class PreviousReportError(ValueError):
    """A previous report this version cannot compare with."""


def check_previous(data, source='the previous report'):
    """``data`` (parsed JSON) if it is a fleet report of this schema version; else
    PreviousReportError naming what is wrong."""
    if not isinstance(data, dict) or data.get('schema') != SCHEMA:
        raise PreviousReportError('%s is not a fleetfix.kernel fleet report (no "schema": "%s")' % (source, SCHEMA))
    if data.get('schema_version') != SCHEMA_VERSION:
        raise PreviousReportError(
            '%s is schema version %r; this collection compares with version %d only - run the audit once '
            'without fleetfix_report_previous to make one' % (source, data.get('schema_version'), SCHEMA_VERSION))
    hosts = data.get('hosts')
    if not isinstance(hosts, dict):
        raise PreviousReportError('%s has no "hosts" object' % source)
    for host, entry in hosts.items():
        if not isinstance(entry, dict) or not isinstance(entry.get('findings', []), list) \
                or any(not isinstance(f, dict) or not isinstance(f.get('story'), str) or f.get('status') not in STATUS_RANK
                       for f in entry.get('findings') or []):
            raise PreviousReportError('%s: host %s has a malformed entry (each finding needs a story and a known status)'
                                      % (source, json.dumps(host)))
    return data


def _bad(finding):
    return finding is not None and finding.get('status') in ACTION_STATUSES


def _kind(before, after):
    """How one host's story changed: unchanged, new, resolved, worse, better, changed (same
    status, another cause). (A story audited before and not now is ``not_audited``: drift().)"""
    if not _bad(before) and not _bad(after):
        return 'unchanged'
    if not _bad(before):
        return 'new'
    if not _bad(after):
        return 'resolved'
    if STATUS_RANK[after['status']] < STATUS_RANK[before['status']]:
        return 'worse'
    if STATUS_RANK[after['status']] > STATUS_RANK[before['status']]:
        return 'better'
    return 'unchanged' if after.get('cause') == before.get('cause') else 'changed'


REGRESSIONS = ('new', 'worse', 'changed', 'unreachable', 'failed')
KINDS = ('new', 'worse', 'changed', 'unreachable', 'failed', 'better', 'resolved', 'not_audited', 'unchanged')


def drift(hosts, previous):
    """Changes since ``previous`` (a checked report): per host and story a kind (see _kind),
    plus hosts new and gone. A host audited before and unreachable or failed now is one change
    of that kind (nothing is known about its stories). Returns (summary, {host: {story: kind}})."""
    before_hosts = previous.get('hosts') or {}
    changes, per_host = [], {}
    counts = dict((kind, 0) for kind in KINDS)
    for host in sorted(hosts):
        entry = hosts[host]
        before = before_hosts.get(host)
        if before is None:
            continue
        if entry.get('state') != 'audited':
            if before.get('state') == 'audited':
                kind = entry.get('state') if entry.get('state') in HOST_PROBLEMS else 'failed'
                counts[kind] += 1
                changes.append({'host': host, 'story': None, 'kind': kind, 'from': 'audited', 'to': entry.get('state')})
            continue
        now = dict((f['story'], f) for f in entry.get('findings') or [])
        was = dict((f['story'], f) for f in before.get('findings') or []) if before.get('state') == 'audited' else None
        kinds = {}
        for story in sorted(set(now) | set(was or {})):
            after = now.get(story)
            if after is None:
                kind, prior = 'not_audited', was.get(story) if was else None
            elif was is None:
                kind = 'new' if _bad(after) else 'unchanged'
                prior = None
            else:
                prior = was.get(story)
                kind = _kind(prior, after)
            kinds[story] = kind
            counts[kind] += 1
            if kind != 'unchanged':
                changes.append({'host': host, 'story': story, 'kind': kind,
                                'from': _brief(prior), 'to': _brief(after)})
        per_host[host] = kinds
    new_hosts = sorted(h for h in hosts if h not in before_hosts)
    for host in new_hosts:
        entry = hosts[host]
        for finding in entry.get('findings') or []:
            if _bad(finding):
                counts['new'] += 1
                changes.append({'host': host, 'story': finding['story'], 'kind': 'new', 'from': None, 'to': _brief(finding)})
    summary = {
        'previous_generated_at': previous.get('generated_at'),
        'previous_counts': previous.get('counts') or {},
        'hosts_new': new_hosts,
        'hosts_gone': sorted(h for h in before_hosts if h not in hosts),
        'counts': counts,
        'regressions': sum(counts[kind] for kind in REGRESSIONS),
        'changes': sorted(changes, key=lambda c: (KINDS.index(c['kind']), c['host'], c['story'] or '')),
    }
    return summary, per_host


def _brief(finding):
    if finding is None:
        return None
    return {'status': finding.get('status'), 'cause': finding.get('cause')}
