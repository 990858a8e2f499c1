# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Can this kernel run Docker? In the spirit of moby's contrib/check-config.sh (seed story 6).

Two profiles, each the option lists of check-config.sh at one time (read, not copied):
- ``legacy``: mid-2015 (Docker 1.7), when CentOS 6 was still supported - MACVLAN among the
  necessary options, the devicemapper storage driver (BLK_DEV_DM, DM_THIN_PROVISIONING) and
  aufs; plus the EL kernel minimum of that time (2.6.32-431 on EL6, 3.10 elsewhere) and EL7's
  user_namespace.enable=1 boot option.
- ``current``: today's script with its kernel-version conditions (DEVPTS_MULTIPLE_INSTANCES
  before 4.8, NF_NAT_IPV4 up to 5.1, NF_NAT_NEEDED up to 5.2, CGROUP_BPF from 4.15,
  MEMCG_SWAP_ENABLED up to 5.8, ...), cgroup v1/v2, and kernel.keys.root_maxkeys.

Each option is ``enabled`` (=y), ``module`` (=m) or ``missing``, exactly as check-config.sh
reports it. Verdicts per category: the generally necessary options fail when one is
missing; optional ones and network drivers only warn; the storage category fails only when
no storage driver is usable. Pure functions; the host checks come in as data.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.fleetfix.kernel.plugins.module_utils.findings import make_finding

PROFILES = ('legacy', 'current')
STORY = 'docker_kernel'


def kernel_tuple(release):
    match = re.match(r'^(\d+)\.(\d+)(?:\.(\d+))?(?:-(\d+))?', release or '')
    if not match:
        return (0, 0, 0, 0)
    return tuple(int(match.group(i) or 0) for i in range(1, 5))


def option_status(config, name):
    value = config.get(name)
    if value == 'y':
        return 'enabled'
    if value == 'm':
        return 'module'
    return 'missing'


def is_set(config, name):
    return config.get(name) in ('y', 'm')


def _legacy_lists(config, kver, host):
    necessary = ['NAMESPACES', 'NET_NS', 'PID_NS', 'IPC_NS', 'UTS_NS', 'DEVPTS_MULTIPLE_INSTANCES',
                 'CGROUPS', 'CGROUP_CPUACCT', 'CGROUP_DEVICE', 'CGROUP_FREEZER', 'CGROUP_SCHED',
                 'MACVLAN', 'VETH', 'BRIDGE', 'NF_NAT_IPV4', 'IP_NF_FILTER', 'IP_NF_TARGET_MASQUERADE',
                 'NETFILTER_XT_MATCH_ADDRTYPE', 'NETFILTER_XT_MATCH_CONNTRACK', 'NF_NAT', 'NF_NAT_NEEDED',
                 'POSIX_MQUEUE']
    optional = ['MEMCG_SWAP', 'RESOURCE_COUNTERS', 'CGROUP_PERF']
    storage = [
        ('aufs', ['AUFS_FS', 'EXT4_FS_POSIX_ACL', 'EXT4_FS_SECURITY']),
        ('btrfs', ['BTRFS_FS']),
        ('devicemapper', ['BLK_DEV_DM', 'DM_THIN_PROVISIONING', 'EXT4_FS', 'EXT4_FS_POSIX_ACL', 'EXT4_FS_SECURITY']),
        ('overlay', ['OVERLAY_FS', 'EXT4_FS_SECURITY', 'EXT4_FS_POSIX_ACL']),
    ]
    return necessary, optional, [], storage


def _current_lists(config, kver, host):
    major_minor = kver[:2]
    necessary = ['NAMESPACES', 'NET_NS', 'PID_NS', 'IPC_NS', 'UTS_NS', 'CGROUPS', 'CGROUP_SCHED', 'KEYS',
                 'VETH', 'BRIDGE', 'BRIDGE_NETFILTER', 'IP_NF_FILTER', 'IP_NF_MANGLE', 'IP_NF_TARGET_MASQUERADE',
                 'IP6_NF_FILTER', 'IP6_NF_MANGLE', 'IP6_NF_TARGET_MASQUERADE', 'NETFILTER_XT_MATCH_ADDRTYPE',
                 'NETFILTER_XT_MATCH_CONNTRACK', 'NETFILTER_XT_MATCH_IPVS', 'NETFILTER_XT_MARK',
                 'IP_NF_RAW', 'IP_NF_NAT', 'NF_NAT', 'IP6_NF_RAW', 'IP6_NF_NAT', 'POSIX_MQUEUE']
    if host.get('cgroup_version') != 2:
        necessary += ['CGROUP_FREEZER', 'CGROUP_DEVICE', 'CPUSETS', 'CGROUP_CPUACCT', 'MEMCG']
    if major_minor < (4, 8):
        necessary.append('DEVPTS_MULTIPLE_INSTANCES')
    if major_minor <= (5, 1):
        necessary.append('NF_NAT_IPV4')
    if major_minor <= (5, 2):
        necessary.append('NF_NAT_NEEDED')
    if major_minor >= (4, 15):
        necessary.append('CGROUP_BPF')
    optional = ['USER_NS', 'SECCOMP', 'SECCOMP_FILTER']
    if host.get('cgroup_version') != 2:
        optional += ['CGROUP_PIDS', 'CGROUP_HUGETLB']
    optional.append('MEMCG_SWAP')
    if major_minor <= (5, 8):
        optional.append('MEMCG_SWAP_ENABLED')
    if major_minor <= (4, 5):
        optional.append('MEMCG_KMEM')
    if major_minor <= (3, 18):
        optional.append('RESOURCE_COUNTERS')
    if major_minor < (5, 0):
        optional += ['IOSCHED_CFQ', 'CFQ_GROUP_IOSCHED']
    optional += ['BLK_CGROUP', 'BLK_DEV_THROTTLING', 'CGROUP_PERF', 'NET_CLS_CGROUP',
                 'NETPRIO_CGROUP' if major_minor <= (3, 13) else 'CGROUP_NET_PRIO',
                 'CFS_BANDWIDTH', 'FAIR_GROUP_SCHED', 'IP_NF_TARGET_REDIRECT', 'IP_VS', 'IP_VS_NFCT',
                 'IP_VS_PROTO_TCP', 'IP_VS_PROTO_UDP', 'IP_VS_RR', 'SECURITY_SELINUX', 'SECURITY_APPARMOR']
    if not is_set(config, 'EXT4_USE_FOR_EXT2'):
        optional += ['EXT3_FS', 'EXT3_FS_XATTR', 'EXT3_FS_POSIX_ACL', 'EXT3_FS_SECURITY']
    optional += ['EXT4_FS', 'EXT4_FS_POSIX_ACL', 'EXT4_FS_SECURITY']
    encrypted = ['CRYPTO', 'CRYPTO_AEAD', 'CRYPTO_GCM', 'CRYPTO_SEQIV', 'CRYPTO_GHASH', 'XFRM', 'XFRM_USER',
                 'XFRM_ALGO', 'INET_ESP', 'NETFILTER_XT_MATCH_BPF']
    if major_minor <= (5, 3):
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


def _options(config, names, required):
    return [{'option': 'CONFIG_' + name, 'status': option_status(config, name), 'required': required}
            for name in names]


def _missing(options):
    return [o['option'] for o in options if o['status'] == 'missing']


def _host_checks(profile, release, kver, config, host, running):
    """Checks that are not config options: cgroups, apparmor, limits, forwarding, EL specifics."""
    checks = []
    cgroup = host.get('cgroup_version')
    if cgroup == 2:
        controllers = host.get('cgroup2_controllers') or []
        missing = [c for c in ('cpu', 'cpuset', 'io', 'memory', 'pids') if c not in controllers]
        checks.append({'check': 'cgroup hierarchy', 'status': 'cgroupv2', 'ok': True,
                       'detail': 'controllers missing: %s' % ', '.join(missing) if missing else 'all controllers available',
                       'required': True})
    else:
        checks.append({'check': 'cgroup hierarchy', 'status': host.get('cgroup_v1_state', 'nonexistent'),
                       'ok': host.get('cgroup_v1_state') == 'properly mounted', 'detail': host.get('cgroup_v1_dir'),
                       'required': True})
    if host.get('apparmor_enabled'):
        ok = bool(host.get('apparmor_parser'))
        checks.append({'check': 'apparmor', 'status': 'enabled and tools installed' if ok else
                       'enabled, but apparmor_parser missing', 'ok': ok, 'detail': None, 'required': True})
    if profile == 'current' and host.get('keys_root_maxkeys') is not None:
        value = host['keys_root_maxkeys']
        checks.append({'check': 'kernel.keys.root_maxkeys', 'status': str(value), 'ok': value > 10000,
                       'detail': 'should be above 10000', 'required': True})
    if host.get('ip_forward') is not None:
        checks.append({'check': 'net.ipv4.ip_forward', 'status': str(host['ip_forward']), 'ok': True,
                       'detail': 'dockerd turns forwarding on at start; 0 here is fine until then', 'required': False})
    if profile == 'legacy':
        el6 = '.el6' in release
        minimum = (2, 6, 32, 431) if el6 else (3, 10, 0, 0)
        checks.append({'check': 'kernel version', 'status': release, 'ok': kver >= minimum,
                       'detail': 'Docker 1.x needs %s or later' % ('2.6.32-431 (EL 6.5)' if el6 else '3.10'),
                       'required': True})
        if '.el7' in release and is_set(config, 'USER_NS') and running:
            on = 'user_namespace.enable=1' in (host.get('cmdline') or '')
            checks.append({'check': 'user_namespace.enable=1', 'status': 'set' if on else 'not set', 'ok': on,
                           'detail': 'EL7 kernels build USER_NS but keep it off unless booted with it',
                           'required': False})
    return checks


def evaluate(config, release, profile, host, running=True):
    """Evaluate one kernel config against a profile; returns the structured result."""
    if profile not in PROFILES:
        raise ValueError('unknown profile %r; known: %s' % (profile, ', '.join(PROFILES)))
    kver = kernel_tuple(release)
    lists = _legacy_lists if profile == 'legacy' else _current_lists
    necessary, optional, network, storage = lists(config, kver, host)
    necessary_opts = _options(config, necessary, True)
    optional_opts = _options(config, optional, False)
    networks = []
    for name, flags in network:
        opts = _options(config, flags, False)
        networks.append({'driver': name, 'usable': not _missing(opts), 'options': opts})
    drivers = []
    for name, flags in storage:
        opts = _options(config, flags, False)
        drivers.append({'driver': name, 'usable': not _missing(opts), 'options': opts})
    zfs_ok = bool(host.get('zfs_device') and host.get('zfs_command') and host.get('zpool_command'))
    drivers.append({'driver': 'zfs', 'usable': zfs_ok, 'options': [
        {'option': '/dev/zfs', 'status': 'present' if host.get('zfs_device') else 'missing', 'required': False},
        {'option': 'zfs command', 'status': 'available' if host.get('zfs_command') else 'missing', 'required': False},
        {'option': 'zpool command', 'status': 'available' if host.get('zpool_command') else 'missing',
         'required': False}]})
    checks = _host_checks(profile, release, kver, config, host, running)
    usable_storage = [d['driver'] for d in drivers if d['usable']]
    categories = {
        'generally_necessary': {'verdict': 'fail' if _missing(necessary_opts) else 'ok',
                                'missing': _missing(necessary_opts), 'options': necessary_opts},
        'optional': {'verdict': 'warn' if _missing(optional_opts) else 'ok',
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
    result = {'profile': profile, 'kernel': release, 'verdict': verdict, 'categories': categories,
              'summary': summary_lines(profile, release, categories)}
    result['fails'] = {'required': fails(result, 'required'), 'any': fails(result, 'any')}
    return result


def summary_lines(profile, release, categories):
    lines = ['docker kernel check (%s profile) of %s' % (profile, release)]
    nec = categories['generally_necessary']
    lines.append('generally necessary: %s%s' % (nec['verdict'], (' - missing ' + ', '.join(nec['missing'])) if nec['missing'] else ''))
    opt = categories['optional']
    lines.append('optional features:   %s%s' % (opt['verdict'], (' - missing ' + ', '.join(opt['missing'])) if opt['missing'] else ''))
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
            evidence, 'role fleetfix.kernel.docker_kernel_check for the details; rebuild or replace the kernel')
    warn = [r for r in results if r['verdict'] == 'warn']
    if warn:
        return make_finding(STORY, 'warn', 'Docker runs, with optional features missing on %s'
                            % ', '.join(r['kernel'] for r in warn), evidence, None)
    return make_finding(STORY, 'ok', 'every Docker kernel requirement is met', evidence, None)


def read_host(root, which):
    """The host facts the checks need. ``which(name)`` finds a command (None when absent)."""
    import os
    from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import host_path, read_text
    host = {}
    mounts = [line.split() for line in (read_text(root, '/proc/mounts') or '').splitlines()]
    cgroup_fs = [m[2] for m in mounts if len(m) > 2 and m[1] == '/sys/fs/cgroup']
    host['cgroup_version'] = 2 if cgroup_fs and cgroup_fs[0] == 'cgroup2' else 1
    controllers = read_text(root, '/sys/fs/cgroup/cgroup.controllers')
    host['cgroup2_controllers'] = controllers.split() if controllers else []
    subsystem_dir = None
    for m in mounts:
        if len(m) > 3 and m[2] == 'cgroup' and set(m[3].split(',')) & set(
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
    host['apparmor_enabled'] = (read_text(root, '/sys/module/apparmor/parameters/enabled') or '').strip() == 'Y'
    host['apparmor_parser'] = which('apparmor_parser')
    maxkeys = (read_text(root, '/proc/sys/kernel/keys/root_maxkeys') or '').strip()
    host['keys_root_maxkeys'] = int(maxkeys) if maxkeys.isdigit() else None
    forward = (read_text(root, '/proc/sys/net/ipv4/ip_forward') or '').strip()
    host['ip_forward'] = int(forward) if forward.isdigit() else None
    import stat
    try:
        host['zfs_device'] = stat.S_ISCHR(os.stat(host_path(root, '/dev/zfs')).st_mode)
    except OSError:
        host['zfs_device'] = False
    host['zfs_command'] = which('zfs')
    host['zpool_command'] = which('zpool')
    host['cmdline'] = (read_text(root, '/proc/cmdline') or '').strip()
    host['docker_present'] = bool(which('dockerd') or which('docker') or which('containerd'))
    return host
