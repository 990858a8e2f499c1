# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which distribution and which init a host tree is: os-release (or EL5/EL6's redhat-release),
/sbin/init, /run/systemd. What decides the sysctl.d model (sysctl_d.choose_order) and whether
NetworkManager reads ifcfg files by default (netif.py). Python 2.7 / 3.6+.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfiles import (
    as_bytes, inspect, line_text, read_line_split, read_regular)
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import malformed

# os-release IDs of Red Hat Enterprise Linux and its rebuilds (VERSION_ID is the EL release).
EL_IDS = ('rhel', 'centos', 'rocky', 'almalinux', 'ol', 'scientific', 'cloudlinux', 'eurolinux', 'virtuozzo')


# os-release(5): KEY=value, the value maybe quoted ("..." with \" \\ \$ \` escapes, or '...').
_OS_KEY = re.compile(r'[A-Za-z_][A-Za-z0-9_]*\Z')
_RELEASE_MAJOR = re.compile(r'[ \t]*([0-9]{1,9})(?![0-9])')
_REDHAT_RELEASE = re.compile(r'release[ \t]+([0-9]{1,9})(?![0-9])')
OS_RELEASE_BYTES = 64 * 1024  # real ones are under 1 kB


def _unquote(value):
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r'\\([\\"$`])', r'\1', value[1:-1])
    return value


def parse_os_release_lines(text):
    """/etc/os-release -> {KEY: (value, line number)}; lines that are not KEY=value are skipped."""
    out = {}
    data = as_bytes(text)
    for number, raw in read_line_split(data, limit=len(data) + 1):
        line = line_text(raw).strip(' \t')
        if not line or line.startswith('#') or '=' not in line:
            continue
        key, value = line.split('=', 1)
        key = key.strip(' \t')
        if _OS_KEY.match(key):
            out[key] = (_unquote(value.strip(' \t')), number)
    return out


def parse_os_release(text):
    """/etc/os-release -> {KEY: value} (quotes removed)."""
    return dict((key, value) for key, (value, _number) in parse_os_release_lines(text).items())


def _release_major(text):
    match = _RELEASE_MAJOR.match(text or '')
    return int(match.group(1)) if match else None


def _is_el(facts):
    """Does the os-release ID (or ID_LIKE) say Enterprise Linux?"""
    like = facts.get('os_like') or []
    # Amazon Linux 2 says ID_LIKE="centos rhel fedora" with VERSION_ID="2": not EL2.
    return facts.get('os_id') in EL_IDS or ('rhel' in like and facts.get('os_id') not in ('amzn', 'fedora'))


def el_major(facts):
    """The Enterprise Linux release of a host (6, 7, ...) or None for any other distribution
    (and for a release number that is not one: at most 9 ASCII digits)."""
    if facts.get('os_id'):
        return _release_major(facts.get('version_id')) if _is_el(facts) else None
    match = _REDHAT_RELEASE.search(facts.get('redhat_release') or '')
    return int(match.group(1)) if match else None


def _read_release(root):
    """(path, {KEY: (value, line)}) of the host's os-release, (None, {}) without one."""
    for path in ('/etc/os-release', '/usr/lib/os-release'):
        data = read_regular(root, path, OS_RELEASE_BYTES)
        if data is not None:
            return path, parse_os_release_lines(data)
    return None, {}


def _clean(text, limit=200):
    """Text from a host file fit for a message or a fact: no control characters, cut."""
    return re.sub(u'[\x00-\x1f\x7f]', u'?', text)[:limit]


def read_platform(root):
    """The facts ``choose_order`` decides from, read from the host tree.

    When the model depends on a release number that is not one - an EL os-release whose
    VERSION_ID does not start with the release, a redhat-release without "release N" - the host
    is not guessed at: HostReadError names the file, the line and what was expected."""
    path, fields = _read_release(root)
    release = dict((key, value) for key, (value, _number) in fields.items())
    init = inspect(root, '/sbin/init')  # a dangling link still says which init boots
    sysctl_binary = [item for item in ('/usr/lib/systemd/systemd-sysctl', '/lib/systemd/systemd-sysctl')
                     if (inspect(root, item) or {}).get('kind') == 'file']
    redhat = None
    if not release.get('ID'):
        data = read_regular(root, '/etc/redhat-release', OS_RELEASE_BYTES)
        redhat = line_text(data) if data is not None else None
    facts = {
        'os_id': _clean(release.get('ID', '').lower()) or None,
        'os_like': _clean(release.get('ID_LIKE', '').lower(), 1000).split(),
        'version_id': _clean(release.get('VERSION_ID', '')) or None,
        'pretty_name': _clean(release.get('PRETTY_NAME') or (redhat or '').strip()) or None,
        'redhat_release': redhat,
        'systemd_booted': (inspect(root, '/run/systemd/system') or {}).get('kind') == 'dir',
        'init': init['target'] if init is not None and init['kind'] in ('file', 'missing') else None,
        'systemd_sysctl': bool(sysctl_binary),
    }
    if facts['os_id'] and _is_el(facts) and el_major(facts) is None:
        value, number = fields.get('VERSION_ID', ('', None))
        raise malformed(path, number, 'VERSION_ID starting with the Enterprise Linux release (7, 8.10, "9.4") for '
                        'ID=%s' % facts['os_id'], value)
    if redhat is not None and el_major(facts) is None:
        raise malformed('/etc/redhat-release', 1, '"<distribution> release <N>" (as "CentOS release 6.10 (Final)")',
                        redhat.strip())
    return facts
