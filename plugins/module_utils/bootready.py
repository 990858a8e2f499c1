# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Boot readiness: would this host come back after a reboot into its default or newest kernel?

Seed story 4: a kernel upgrade left a CentOS 7 host unbootable - the new initramfs lacked the
SAS controller's driver and GRUB's root= named a device path. A pure function over the facts of
``initramfs_facts`` and ``grub_facts``: for the default entry's kernel and every installed kernel
newer than the running one, READY or NOT READY with every reason. Python 2.7 and 3.6+.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.fleetfix.kernel.plugins.module_utils import kernel_release
from ansible_collections.fleetfix.kernel.plugins.module_utils.findings import fix, make_finding

STORY = 'boot_readiness'
# A device path names whatever disk the kernel enumerates first: it moves when a controller,
# a driver or the probe order changes - the seed's second cause.
UNSTABLE_ROOT_KINDS = ('device',)
REMEDY = ('role fleetfix.kernel.initramfs_drivers (fleetfix_initramfs_drivers for drivers beyond the discovered '
          'boot chain) and role fleetfix.kernel.grub_root_uuid')


def _dicts(items):
    """The dicts of a facts list (a list of something else, or None, holds none)."""
    return [item for item in items or [] if isinstance(item, dict)] if isinstance(items, (list, tuple)) else []


def _entry_for(grub_facts, kver):
    """The boot entry that boots ``kver``: the default one when it does, else the first."""
    entries = [e for e in _dicts((grub_facts or {}).get('entries')) if e.get('version') == kver]
    for entry in entries:
        if entry.get('default'):
            return entry
    # a recovery entry is not what boots after an upgrade
    normal = [e for e in entries if 'single' not in (e.get('args') or '').split() and 'recovery' not in (e.get('title') or '')]
    return (normal or entries or [None])[0]


def kernels_to_check(initramfs_facts, grub_facts):
    """The default entry's kernel, and every installed kernel newer than the running one."""
    running = initramfs_facts.get('running_kernel')
    wanted = []
    default = (grub_facts or {}).get('default_entry') or {}
    if isinstance(default, dict) and default.get('version'):
        wanted.append(default['version'])
    for kernel in _dicts(initramfs_facts.get('kernels')):
        if not kernel.get('version'):
            continue
        if running is None or kernel_release.compare(kernel['version'], running) > 0:
            if kernel['version'] not in wanted:
                wanted.append(kernel['version'])
    if not wanted and running:
        wanted.append(running)
    return wanted


def evaluate(initramfs_facts, grub_facts):
    """-> list of {kernel, ready, reasons, warnings, default, running, image, root, root_kind}."""
    by_version = dict((k.get('version'), k) for k in _dicts(initramfs_facts.get('kernels')))
    results = []
    for kver in kernels_to_check(initramfs_facts, grub_facts):
        kernel = by_version.get(kver)
        entry = _entry_for(grub_facts, kver)
        reasons, warnings, causes, warning_causes, missing = [], [], [], [], []
        if kernel is None:
            reasons.append('the default boot entry names kernel %s, which is not installed' % kver)
            causes.append('default entry names a kernel not installed')
        else:
            if not kernel.get('vmlinuz'):
                reasons.append('no kernel image for %s' % kver)
                causes.append('no kernel image')
            if not kernel.get('image_exists'):
                reasons.append('no initramfs (%s does not exist)' % kernel.get('image'))
                causes.append('no initramfs')
            elif kernel.get('error'):
                reasons.append('initramfs unreadable: %s' % kernel['error'])
                causes.append('initramfs unreadable')
            else:
                missing[:] = ['%s' % m.get('name') for m in _dicts(kernel.get('missing_drivers'))]
                if missing:
                    reasons.append('initramfs %s lacks %s' % (kernel.get('image'), ', '.join(missing)))
                    causes.append('initramfs lacks %s' % ', '.join(sorted(set(missing))))
                others = kernel.get('kernel_versions') or []
                if others and kver not in others:
                    # modules only for another kernel: an image copied or built for the wrong one
                    reasons.append('initramfs %s holds the modules of %s, not of %s' % (
                        kernel.get('image'), ', '.join(others), kver))
                    causes.append("initramfs holds another kernel's modules")
            if kernel.get('stale_against'):
                warnings.append('initramfs older than %s' % ', '.join(kernel['stale_against']))
                warning_causes.append('initramfs older than its kernel')
        if grub_facts and grub_facts.get('flavour'):
            if entry is None:
                reasons.append('no boot entry boots %s' % kver)
                causes.append('no boot entry for the kernel')
            else:
                root = entry.get('root')
                if not root:
                    reasons.append('boot entry "%s" has no root=' % entry.get('title'))
                    causes.append('boot entry without root=')
                elif entry.get('resolves_to_root') is False:
                    reasons.append('root=%s (entry "%s") does not resolve to the filesystem mounted on /' % (root, entry.get('title')))
                    causes.append('root= is not the filesystem on /')
                if root and entry.get('root_kind') in UNSTABLE_ROOT_KINDS:
                    reasons.append('root=%s is a device path, not a UUID (entry "%s")' % (root, entry.get('title')))
                    causes.append('root= is a device path')
        results.append({
            'kernel': kver, 'ready': not reasons, 'reasons': reasons, 'warnings': warnings, 'causes': causes,
            'warning_causes': warning_causes, 'missing_drivers': missing,
            'default': bool(entry and entry.get('default')),
            'running': kver == initramfs_facts.get('running_kernel'),
            'image': kernel.get('image') if kernel else None,
            'root': entry.get('root') if entry else None,
            'root_kind': entry.get('root_kind') if entry else None,
        })
    return results


def _causes(results, key='causes'):
    """The causes of some kernels' results, each once, in a stable order (no kernel version in
    them: hosts with the same problem on different kernels share the cause)."""
    return '; '.join(sorted(set(cause for r in results for cause in r[key])))


def _fixes(results):
    """The roles that fix these results: initramfs_drivers for the missing drivers (named, so a
    driver the host's boot chain does not show is added too), grub_root_uuid for a device root=."""
    fixes = []
    drivers = sorted(set(d for r in results for d in r['missing_drivers']))
    if drivers:
        fixes.append(fix('initramfs_drivers', {'fleetfix_initramfs_drivers': drivers}))
    if any('root= is a device path' in r['causes'] for r in results):
        fixes.append(fix('grub_root_uuid'))
    return fixes


def finding(initramfs_facts, grub_facts):
    if not initramfs_facts.get('kernels') and not (grub_facts or {}).get('flavour'):
        return make_finding(STORY, 'not_applicable', 'no installed kernel and no boot loader here (a container?)', {}, None)
    results = evaluate(initramfs_facts, grub_facts)
    evidence = {
        'kernels': results, 'required_drivers': initramfs_facts.get('required_drivers'),
        'required_source': initramfs_facts.get('required_source'), 'running_kernel': initramfs_facts.get('running_kernel'),
        'generator': initramfs_facts.get('generator'), 'boot_loader': (grub_facts or {}).get('flavour'),
        'boot_loader_config': (grub_facts or {}).get('config'),
    }
    not_ready = [r for r in results if not r['ready']]
    if not_ready:
        summary = 'NOT READY: ' + '; '.join('%s (%s)' % (r['kernel'], ', '.join(r['reasons'])) for r in not_ready)
        return make_finding(STORY, 'fail', summary, evidence, REMEDY, cause='NOT READY: ' + _causes(not_ready),
                            fixes=_fixes(not_ready))
    stale = [r for r in results if r['warnings']]
    summary = 'READY: ' + ', '.join(r['kernel'] for r in results)
    if stale:
        return make_finding(STORY, 'warn', summary + '; but ' + '; '.join(
            '%s: %s' % (r['kernel'], ', '.join(r['warnings'])) for r in stale), evidence,
            'rebuild the stale images (role fleetfix.kernel.initramfs_drivers rebuilds those lacking a driver)',
            cause='READY, but ' + _causes(stale, 'warning_causes'))
    return make_finding(STORY, 'ok', summary, evidence, None)
