# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Can this kernel run Docker? moby's contrib/check-config.sh, option for option (seed story 6).

Two profiles, each the option lists of check-config.sh at one commit of moby/moby (read, not
copied; ``tests/oracle/docker_check_config.py`` runs the scripts themselves on real Debian
kernel configs and ``tests/unit/plugins/module_utils/test_docker_oracle.py`` wants the same
answers from ``evaluate``, option by option):

- ``legacy``: the script as tagged for Docker v1.7.0 (0baf60984522, 2015-06-17; the script
  last changed in 6cc4cf7c0cc8, "Add BRIDGE_NETFILTER"), when CentOS 6 was still supported. It
  has no kernel-version conditions and lists, under each storage driver, the ext4 options the
  driver's backing filesystem wants (aufs, devicemapper, overlay), as it printed them. Added
  here (not in the script): the EL kernel minimum of that time (2.6.32-431 on EL6, 3.10
  elsewhere) and EL7's user_namespace.enable=1 boot option.
- ``current``: the script on moby master at b985e2313a86 (2026-08-23; the script last changed
  in a4c5b2be6f69, 2026-06-07), every kernel-version condition as the script writes it
  (DEVPTS_MULTIPLE_INSTANCES below 4.8, NF_NAT_IPV4 up to 5.1, NF_NAT_NEEDED up to 5.2,
  CGROUP_BPF from 4.15, MEMCG_SWAP and MEMCG_SWAP_ENABLED below 5.8, MEMCG_KMEM up to 4.5,
  RESOURCE_COUNTERS up to 3.18, NETPRIO_CGROUP up to 3.13 and CGROUP_NET_PRIO after it,
  IOSCHED_CFQ and CFQ_GROUP_IOSCHED below 5.0, INET_XFRM_MODE_TRANSPORT up to 5.3), its
  LEGACY_VSYSCALL report, and kernel.keys.root_maxkeys.

The one deliberate difference: the script tests the running kernel's ``uname -r``; here the
conditions are tested against the release the config belongs to, so a kernel installed but not
yet booted is checked as itself. Only major.minor count, as in the script; a release that does
not start with a version takes no conditional option (each of the script's tests fails on it).

cgroup v2 as the script handles it: the current script checks CGROUP_CPUACCT, CGROUP_DEVICE,
CGROUP_FREEZER, CPUSETS, MEMCG (necessary) and CGROUP_PIDS, CGROUP_HUGETLB (optional) whatever
the hierarchy; the hierarchy itself is a host check (cgroup2 and its controllers, or a v1
mount). The v1.7.0 script knew only cgroup v1 mounts: on a cgroup2-only host its hierarchy check
fails.

Each option is ``enabled`` (=y), ``module`` (=m) or ``missing``, as check-config.sh reports it,
and ``ok`` when the script prints it as good (green): every option but a missing one, and of the
LEGACY_VSYSCALL report only EMULATE (NATIVE and NONE are printed as warnings). Verdicts per
category: the generally necessary options fail when one is missing (the current script's exit
status); optional ones and network drivers warn (the script prints, but does not fail on them);
the storage category fails only when no storage driver is usable - the script's own stated rule
("only fail if no storage drivers available"), which its storage checks never enforce, as they
run in a pipeline and so cannot set its exit status. Pure functions; the host checks come in as
data.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat

from ansible_collections.fleetfix.kernel.plugins.module_utils import kconfig, kernel_release
from ansible_collections.fleetfix.kernel.plugins.module_utils.findings import fix, make_finding
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import host_path, malformed, parse_int, read_text

PROFILES = ('legacy', 'current')
STORY = 'docker_kernel'
# Where each profile's lists come from: moby/moby, contrib/check-config.sh at this commit.
REFERENCES = {
    'legacy': 'moby/moby@0baf60984522744eed290348f33f396c046b2f3a (v1.7.0):contrib/check-config.sh',
    'current': 'moby/moby@b985e2313a8676e18072b442911fc8f64f17d440 (master, 2026-08-23):contrib/check-config.sh',
}

# The current script's LEGACY_VSYSCALL report: the first of these the config sets, whether the
# script prints it as good, and its note. Kernels before 4.4 have none of them (nothing printed).
_VSYSCALL_REPORT = (
    ('LEGACY_VSYSCALL_NATIVE', False, 'dangerous: provides an ASLR-bypassing target with usable ROP gadgets'),
    ('LEGACY_VSYSCALL_EMULATE', True, None),
    ('LEGACY_VSYSCALL_NONE', False, 'containers using eglibc <= 2.13 will not work; use LEGACY_VSYSCALL_EMULATE '
     'or boot with vsyscall=emulate'),
)
# Stands in an option list for the LEGACY_VSYSCALL report, which is one line or none.
_VSYSCALL = object()


def option_status(config, name):
    value = config.get(name)
    if value == 'y':
        return 'enabled'
    if value == 'm':
        return 'module'
    return 'missing'


def is_set(config, name):
    return config.get(name) in ('y', 'm')


class _Version(object):
    """The script's kernel-version tests on major.minor of one release: each is false for a
    release that does not start with a version, as the script's ``[ ... -lt ... ]`` are."""

    def __init__(self, release):
        numeric = kernel_release.base_version(release)
        self.major_minor = tuple(numeric[:2]) if numeric else None

    def below(self, version):
        return self.major_minor is not None and self.major_minor < version

    def up_to(self, version):
        return self.major_minor is not None and self.major_minor <= version

    def from_(self, version):
        return self.major_minor is not None and self.major_minor >= version


def _legacy_lists(config, release):
    """check-config.sh of v1.7.0: no kernel-version conditions, no network drivers."""
    necessary = ['NAMESPACES', 'NET_NS', 'PID_NS', 'IPC_NS', 'UTS_NS',
                 'DEVPTS_MULTIPLE_INSTANCES',
                 'CGROUPS', 'CGROUP_CPUACCT', 'CGROUP_DEVICE', 'CGROUP_FREEZER', 'CGROUP_SCHED', 'CPUSETS',
                 'MACVLAN', 'VETH', 'BRIDGE', 'BRIDGE_NETFILTER',
                 'NF_NAT_IPV4', 'IP_NF_FILTER', 'IP_NF_TARGET_MASQUERADE',
                 'NETFILTER_XT_MATCH_ADDRTYPE', 'NETFILTER_XT_MATCH_CONNTRACK',
                 'NF_NAT', 'NF_NAT_NEEDED',
                 'POSIX_MQUEUE']
    optional = ['MEMCG_SWAP', 'MEMCG_SWAP_ENABLED',
                'RESOURCE_COUNTERS', 'BLK_CGROUP', 'IOSCHED_CFQ', 'CGROUP_PERF', 'CFS_BANDWIDTH']
    storage = [
        ('aufs', ['AUFS_FS', 'EXT4_FS_POSIX_ACL', 'EXT4_FS_SECURITY']),
        ('btrfs', ['BTRFS_FS']),
        ('devicemapper', ['BLK_DEV_DM', 'DM_THIN_PROVISIONING', 'EXT4_FS', 'EXT4_FS_POSIX_ACL', 'EXT4_FS_SECURITY']),
        ('overlay', ['OVERLAY_FS', 'EXT4_FS_SECURITY', 'EXT4_FS_POSIX_ACL']),
    ]
    return necessary, optional, [], storage


def _current_lists(config, release):
    """check-config.sh of moby master, in its order; NF_NAT, which it lists twice, once."""
    version = _Version(release)
    necessary = ['NAMESPACES', 'NET_NS', 'PID_NS', 'IPC_NS', 'UTS_NS',
                 'CGROUPS', 'CGROUP_CPUACCT', 'CGROUP_DEVICE', 'CGROUP_FREEZER', 'CGROUP_SCHED', 'CPUSETS', 'MEMCG',
                 'KEYS',
                 'VETH', 'BRIDGE', 'BRIDGE_NETFILTER',
                 'IP_NF_FILTER', 'IP_NF_MANGLE', 'IP_NF_TARGET_MASQUERADE',
                 'IP6_NF_FILTER', 'IP6_NF_MANGLE', 'IP6_NF_TARGET_MASQUERADE',
                 'NETFILTER_XT_MATCH_ADDRTYPE', 'NETFILTER_XT_MATCH_CONNTRACK', 'NETFILTER_XT_MATCH_IPVS',
                 'NETFILTER_XT_MARK',
                 'IP_NF_RAW', 'IP_NF_NAT', 'NF_NAT',
                 'IP6_NF_RAW', 'IP6_NF_NAT',
                 'POSIX_MQUEUE']
    if version.below((4, 8)):
        necessary.append('DEVPTS_MULTIPLE_INSTANCES')
    if version.up_to((5, 1)):
        necessary.append('NF_NAT_IPV4')
    if version.up_to((5, 2)):
        necessary.append('NF_NAT_NEEDED')
    if version.from_((4, 15)):
        necessary.append('CGROUP_BPF')  # BPF_CGROUP_DEVICE
    optional = ['USER_NS', 'SECCOMP', 'SECCOMP_FILTER', 'CGROUP_PIDS']
    if version.below((5, 8)):  # 5.8 removed MEMCG_SWAP_ENABLED and accounts swap by default
        optional += ['MEMCG_SWAP', 'MEMCG_SWAP_ENABLED']
    optional.append(_VSYSCALL)
    if version.up_to((4, 5)):
        optional.append('MEMCG_KMEM')
    if version.up_to((3, 18)):
        optional.append('RESOURCE_COUNTERS')
    if version.below((5, 0)):
        optional += ['IOSCHED_CFQ', 'CFQ_GROUP_IOSCHED']
    optional += ['BLK_CGROUP', 'BLK_DEV_THROTTLING', 'CGROUP_PERF', 'CGROUP_HUGETLB',
                 'NET_CLS_CGROUP', 'NETPRIO_CGROUP' if version.up_to((3, 13)) else 'CGROUP_NET_PRIO',
                 'CFS_BANDWIDTH', 'FAIR_GROUP_SCHED', 'IP_NF_TARGET_REDIRECT', 'IP_SCTP',
                 'IP_VS', 'IP_VS_NFCT', 'IP_VS_PROTO_TCP', 'IP_VS_PROTO_UDP', 'IP_VS_RR',
                 'SECURITY_SELINUX', 'SECURITY_APPARMOR',
                 'NFT_CT', 'NFT_FIB_IPV4', 'NFT_FIB_IPV6', 'NFT_FIB', 'NFT_MASQ', 'NFT_NAT', 'NF_TABLES']
    if not is_set(config, 'EXT4_USE_FOR_EXT2'):
        optional += ['EXT3_FS', 'EXT3_FS_XATTR', 'EXT3_FS_POSIX_ACL', 'EXT3_FS_SECURITY']
    optional += ['EXT4_FS', 'EXT4_FS_POSIX_ACL', 'EXT4_FS_SECURITY']
    encrypted = ['CRYPTO', 'CRYPTO_AEAD', 'CRYPTO_GCM', 'CRYPTO_SEQIV', 'CRYPTO_GHASH', 'XFRM', 'XFRM_USER',
                 'XFRM_ALGO', 'INET_ESP', 'NETFILTER_XT_MATCH_BPF']
    if version.up_to((5, 3)):
        encrypted.append('INET_XFRM_MODE_TRANSPORT')
    network = [
        ('overlay', ['VXLAN', 'BRIDGE_VLAN_FILTERING']),
        ('overlay (encrypted networks)', encrypted),
        ('ipvlan', ['IPVLAN']),
        ('macvlan', ['MACVLAN', 'DUMMY']),
        ('ftp,tftp client in container', ['NF_NAT_FTP', 'NF_CONNTRACK_FTP', 'NF_NAT_TFTP', 'NF_CONNTRACK_TFTP']),
    ]
    storage = [
        ('btrfs', ['BTRFS_FS', 'BTRFS_FS_POSIX_ACL']),
        ('overlay', ['OVERLAY_FS']),
    ]
    return necessary, optional, network, storage


def _vsyscall_report(config):
    for name, good, note in _VSYSCALL_REPORT:
        if is_set(config, name):
            return [{'option': 'CONFIG_' + name, 'status': 'enabled', 'required': False, 'ok': good, 'note': note}]
    return []


def _options(config, names, required):
    options = []
    for name in names:
        if name is _VSYSCALL:
            options += _vsyscall_report(config)
            continue
        status = option_status(config, name)
        options.append({'option': 'CONFIG_' + name, 'status': status, 'required': required, 'ok': status != 'missing'})
    return options


def _missing(options):
    return [o['option'] for o in options if o['status'] == 'missing']


def _not_ok(options):
    return [o for o in options if not o['ok']]


def _host_checks(profile, release, config, host, running):
    """Checks that are not config options: cgroups, apparmor, limits, forwarding, EL specifics."""
    checks = []
    cgroup = host.get('cgroup_version')
    if profile == 'current' and cgroup == 2:
        # The script lists the controllers and flags the missing ones, but does not fail on them.
        controllers = host.get('cgroup2_controllers') or []
        missing = [c for c in ('cpu', 'cpuset', 'io', 'memory', 'pids') if c not in controllers]
        checks.append({'check': 'cgroup hierarchy', 'status': 'cgroupv2', 'ok': True,
                       'detail': 'controllers missing: %s' % ', '.join(missing) if missing else 'all controllers available',
                       'required': True})
    else:
        # v1.7.0 looks only for cgroup v1 mounts: a cgroup2-only host has none.
        detail = host.get('cgroup_v1_dir')
        if cgroup == 2:
            detail = 'cgroup v2 only; Docker 1.7 needs cgroup v1 controllers mounted'
        checks.append({'check': 'cgroup hierarchy', 'status': host.get('cgroup_v1_state', 'nonexistent'),
                       'ok': host.get('cgroup_v1_state') == 'properly mounted', 'detail': detail,
                       'required': True})
    if host.get('apparmor_enabled'):
        ok = bool(host.get('apparmor_parser'))
        checks.append({'check': 'apparmor', 'status': 'enabled and tools installed' if ok else
                       'enabled, but apparmor_parser missing', 'ok': ok, 'detail': None, 'required': True})
    if profile == 'current':
        if host.get('keys_root_maxkeys') is not None:
            value = host['keys_root_maxkeys']
            checks.append({'check': 'kernel.keys.root_maxkeys', 'status': str(value), 'ok': value > 10000,
                           'detail': 'should be above 10000', 'required': True})
        # The bridge network driver's sysctls: reported by the script, never failed on.
        for key, fact in (('net.ipv4.ip_forward', 'ip_forward'),
                          ('net.ipv6.conf.all.forwarding', 'ipv6_all_forwarding'),
                          ('net.ipv6.conf.default.forwarding', 'ipv6_default_forwarding')):
            if host.get(fact) is not None:
                checks.append({'check': key, 'status': str(host[fact]), 'ok': True,
                               'detail': 'dockerd turns forwarding on at start; 0 here is fine until then',
                               'required': False})
    if profile == 'legacy':
        el6 = '.el6' in release
        if el6:
            ok = kernel_release.compare(release, '2.6.32-431.el6') >= 0
        else:
            ok = kernel_release.at_least(release, (3, 10))
        checks.append({'check': 'kernel version', 'status': release, 'ok': ok,
                       'detail': 'Docker 1.x needs %s or later' % ('2.6.32-431 (EL 6.5)' if el6 else '3.10'),
                       'required': True})
        if '.el7' in release and is_set(config, 'USER_NS') and running:
            on = 'user_namespace.enable=1' in (host.get('cmdline') or '')
            checks.append({'check': 'user_namespace.enable=1', 'status': 'set' if on else 'not set', 'ok': on,
                           'detail': 'EL7 kernels build USER_NS but keep it off unless booted with it',
                           'required': False})
    return checks


def evaluate(config, release, profile, host, running=True):
    """Evaluate one kernel config against a profile; returns the structured result.

    ``release`` is the kernel the config belongs to: the profile's kernel-version conditions
    are tested against it."""
    if profile not in PROFILES:
        raise ValueError('unknown profile %r; known: %s' % (profile, ', '.join(PROFILES)))
    lists = _legacy_lists if profile == 'legacy' else _current_lists
    necessary, optional, network, storage = lists(config, release)
    necessary_opts = _options(config, necessary, True)
    optional_opts = _options(config, optional, False)
    networks = []
    for name, flags in network:
        opts = _options(config, flags, False)
        networks.append({'driver': name, 'usable': not _not_ok(opts), 'options': opts})
    drivers = []
    for name, flags in storage:
        opts = _options(config, flags, False)
        drivers.append({'driver': name, 'usable': not _not_ok(opts), 'options': opts})
    zfs_ok = bool(host.get('zfs_device') and host.get('zfs_command') and host.get('zpool_command'))
    drivers.append({'driver': 'zfs', 'usable': zfs_ok, 'options': [
        {'option': '/dev/zfs', 'status': 'present' if host.get('zfs_device') else 'missing', 'required': False,
         'ok': bool(host.get('zfs_device'))},
        {'option': 'zfs command', 'status': 'available' if host.get('zfs_command') else 'missing', 'required': False,
         'ok': bool(host.get('zfs_command'))},
        {'option': 'zpool command', 'status': 'available' if host.get('zpool_command') else 'missing',
         'required': False, 'ok': bool(host.get('zpool_command'))}]})
    checks = _host_checks(profile, release, config, host, running)
    usable_storage = [d['driver'] for d in drivers if d['usable']]
    categories = {
        'generally_necessary': {'verdict': 'fail' if _not_ok(necessary_opts) else 'ok',
                                'missing': _missing(necessary_opts), 'options': necessary_opts},
        'optional': {'verdict': 'warn' if _not_ok(optional_opts) else 'ok',
                     'missing': _missing(optional_opts), 'options': optional_opts},
        'network_drivers': {'verdict': 'warn' if [n for n in networks if not n['usable']] else 'ok',
                            'drivers': networks},
        'storage_drivers': {'verdict': 'ok' if usable_storage else 'fail', 'usable': usable_storage,
                            'drivers': drivers},
        'host': {'verdict': 'fail' if [c for c in checks if c['required'] and not c['ok']] else
                 ('warn' if [c for c in checks if not c['ok']] else 'ok'), 'checks': checks},
    }
    verdicts = [c['verdict'] for c in categories.values()]
    verdict = 'fail' if 'fail' in verdicts else ('warn' if 'warn' in verdicts else 'ok')
    result = {'profile': profile, 'kernel': release, 'reference': REFERENCES[profile], 'verdict': verdict,
              'categories': categories, 'summary': summary_lines(profile, release, categories)}
    result['fails'] = {'required': fails(result, 'required'), 'any': fails(result, 'any')}
    return result


def summary_lines(profile, release, categories):
    lines = ['docker kernel check (%s profile) of %s' % (profile, release)]
    nec = categories['generally_necessary']
    lines.append('generally necessary: %s%s' % (nec['verdict'], (' - missing ' + ', '.join(nec['missing'])) if nec['missing'] else ''))
    opt = categories['optional']
    notes = ['%s %s (%s)' % (o['option'], o['status'], o['note']) for o in opt['options']
             if not o['ok'] and o['status'] != 'missing']
    lines.append('optional features:   %s%s%s' % (opt['verdict'], (' - missing ' + ', '.join(opt['missing'])) if opt['missing'] else '',
                                                  ''.join(' - ' + note for note in notes)))
    nets = categories['network_drivers']['drivers']
    if nets:
        states = ['%s %s' % (n['driver'], 'ok' if n['usable'] else 'incomplete') for n in nets]
        lines.append('network drivers:     %s' % ', '.join(states))
    sto = categories['storage_drivers']
    lines.append('storage drivers:     %s (usable: %s)' % (sto['verdict'], ', '.join(sto['usable']) or 'none'))
    host = categories['host']
    lines.append('host:                %s - %s' % (host['verdict'], '; '.join(
        '%s: %s' % (c['check'], c['status']) for c in host['checks'])))
    return lines


def fails(result, fail_on):
    """Whether a result should fail the play: fail_on is 'required', 'any' or 'never'."""
    if fail_on == 'never':
        return False
    cats = result['categories']
    if fail_on == 'required':
        return 'fail' in (cats['generally_necessary']['verdict'], cats['storage_drivers']['verdict'],
                          cats['host']['verdict'])
    return result['verdict'] != 'ok'


def _fail_cause(bad):
    """What the failing kernels lack, the same words on every host that lacks the same."""
    parts = sorted(set(m for r in bad for m in r['categories']['generally_necessary']['missing']))
    if any(r['categories']['storage_drivers']['verdict'] == 'fail' for r in bad):
        parts.append('no usable storage driver')
    if any(r['categories']['host']['verdict'] == 'fail' for r in bad):
        parts.append('host checks')
    return 'kernel cannot run Docker: %s' % ', '.join(parts or ['requirements not met'])


def finding(results, docker_present):
    """Audit finding from the 'current' profile of the running kernel (and any other kernels)."""
    evidence = dict((r['kernel'], {'verdict': r['verdict'],
                                   'missing_necessary': r['categories']['generally_necessary']['missing'],
                                   'usable_storage': r['categories']['storage_drivers']['usable']})
                    for r in results)
    if not docker_present:
        return make_finding(STORY, 'not_applicable', 'no docker/containerd installed', evidence, None)
    bad = [r for r in results if fails(r, 'required')]
    if bad:
        return make_finding(STORY, 'fail', 'kernel %s cannot run Docker: %s' % (
            ', '.join(r['kernel'] for r in bad),
            '; '.join(', '.join(r['categories']['generally_necessary']['missing']) or 'host checks' for r in bad)),
            evidence, 'role fleetfix.kernel.docker_kernel_check for the details; rebuild or replace the kernel',
            cause=_fail_cause(bad), fixes=[fix('docker_kernel_check')])
    warn = [r for r in results if r['verdict'] == 'warn']
    if warn:
        return make_finding(STORY, 'warn', 'Docker runs, with optional features missing on %s'
                            % ', '.join(r['kernel'] for r in warn), evidence, None, cause='optional Docker kernel features missing')
    return make_finding(STORY, 'ok', 'every Docker kernel requirement is met', evidence, None)


def _read_uint(root, path):
    """A non-negative integer sysctl: None when the file is missing or empty; anything else but
    ASCII digits (a '\u00b2', 5,000 digits) is a HostReadError naming the file."""
    text = (read_text(root, path, limit=4096) or '').strip()
    if not text:
        return None
    return parse_int(text, path, lineno=1, unsigned=True)


def _mounts(root):
    """/proc/mounts as [[source, mount point, fstype, options, ...]]; a line of fewer than four
    fields is a HostReadError naming the line."""
    mounts = []
    for number, line in enumerate((read_text(root, '/proc/mounts') or '').split('\n'), 1):
        fields = [field for field in line.rstrip('\r').split(' ') if field]
        if not fields:
            continue
        if len(fields) < 4:
            raise malformed('/proc/mounts', number, 'a mounts line (SOURCE MOUNT-POINT FSTYPE OPTIONS ...)', line)
        mounts.append(fields)
    return mounts


def read_host(root, which):
    """The host facts the checks need. ``which(name)`` finds a command (None when absent)."""
    host = {}
    mounts = _mounts(root)
    cgroup_fs = [m[2] for m in mounts if m[1] == '/sys/fs/cgroup']
    host['cgroup_version'] = 2 if cgroup_fs and cgroup_fs[0] == 'cgroup2' else 1
    controllers = read_text(root, '/sys/fs/cgroup/cgroup.controllers', limit=65536)
    host['cgroup2_controllers'] = controllers.split() if controllers else []
    subsystem_dir = None
    for m in mounts:
        if m[2] == 'cgroup' and set(m[3].split(',')) & set(
                ('cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory')):
            subsystem_dir = m[1]
            break
    if subsystem_dir:
        parent = os.path.dirname(subsystem_dir)
        proper = any(os.path.isdir(host_path(root, parent + '/' + name))
                     for name in ('cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory'))
        host['cgroup_v1_state'] = 'properly mounted' if proper else 'single mountpoint!'
        host['cgroup_v1_dir'] = parent if proper else subsystem_dir
    else:
        host['cgroup_v1_state'] = 'nonexistent'
        host['cgroup_v1_dir'] = None
    host['apparmor_enabled'] = (read_text(root, '/sys/module/apparmor/parameters/enabled', limit=4096) or '').strip() == 'Y'
    host['apparmor_parser'] = which('apparmor_parser')
    host['keys_root_maxkeys'] = _read_uint(root, '/proc/sys/kernel/keys/root_maxkeys')
    for fact, path in (('ip_forward', '/proc/sys/net/ipv4/ip_forward'),
                       ('ipv6_all_forwarding', '/proc/sys/net/ipv6/conf/all/forwarding'),
                       ('ipv6_default_forwarding', '/proc/sys/net/ipv6/conf/default/forwarding')):
        host[fact] = _read_uint(root, path)
    try:
        host['zfs_device'] = stat.S_ISCHR(os.stat(host_path(root, '/dev/zfs')).st_mode)
    except OSError:
        host['zfs_device'] = False
    host['zfs_command'] = which('zfs')
    host['zpool_command'] = which('zpool')
    host['cmdline'] = (read_text(root, '/proc/cmdline', limit=65536) or '').strip()
    host['docker_present'] = bool(which('dockerd') or which('docker') or which('containerd'))
    return host


def collect(root, profiles, kernels, which):
    """What docker_kernel_check returns: {'results', 'docker_present', 'host'} for the configs of
    the running kernel and ``kernels`` ('all' or a list) under every profile of ``profiles``.
    Every host file that cannot be read or is malformed is a HostReadError naming it."""
    configs = kconfig.collect(root, kernels=kernels)
    host = read_host(root, which)
    results = []
    for release, entry in configs['kernels'].items():
        for profile in profiles:
            result = evaluate(entry['options'], release, profile, host, running=entry['running'])
            result['config_source'] = entry['source']
            results.append(result)
    results.sort(key=lambda r: (not r['kernel'] == configs['running'], r['kernel'], r['profile']))
    return {'results': results, 'docker_present': host.pop('docker_present'), 'host': host}
