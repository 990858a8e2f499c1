# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape of an audit finding, shared by every seed story's collector."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# Worst first: the fleet report sorts and colours by this order.
STATUSES = ('error', 'fail', 'warn', 'ok', 'not_applicable')


# The roles a finding's ``fix`` may name (the fleet report turns them into remediate.yml toggles,
# tags and a command); a fix names a role and the variables it needs beyond its defaults.
FIX_ROLES = ('pipe_size', 'vm_watermarks', 'docker_kernel_check', 'persistent_net', 'grub_root_uuid', 'initramfs_drivers')


def fix(role, variables=None, per_host=None):
    """One step of a finding's fix: run role ``role`` (see FIX_ROLES) with ``variables``;
    ``per_host`` names variables that differ per host (they cannot be one -e for a group)."""
    if role not in FIX_ROLES:
        raise ValueError('unknown fix role %r' % (role,))
    return {'role': role, 'variables': variables or {}, 'per_host': list(per_host or [])}


def make_finding(story, status, summary, evidence=None, remedy=None, cause=None, fixes=None):
    """One finding: which story, how bad, one line for people, the numbers, and the fix.

    ``cause`` is the reason in a few words, the same on every host where the reason is the same
    (no host's numbers in it): the fleet report groups hosts by story, status and cause. Every
    fail, warn and error finding has one. ``fixes`` lists the roles that fix it (see fix())."""
    if status not in STATUSES:
        raise ValueError('unknown finding status %r' % (status,))
    if cause is None:
        if status in ('error', 'fail', 'warn'):
            raise ValueError('a %s finding needs a cause' % (status,))
        cause = 'not applicable' if status == 'not_applicable' else status
    return {
        'story': story,
        'status': status,
        'summary': summary,
        'cause': cause,
        'evidence': evidence or {},
        'remedy': remedy,
        'fixes': list(fixes or []),
    }


def worst(statuses):
    """The most severe of some statuses (``ok`` for none)."""
    ranked = [s for s in STATUSES if s in set(statuses)]
    return ranked[0] if ranked else 'ok'
