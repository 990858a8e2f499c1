# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape of an audit finding, shared by every seed story's collector."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# Worst first: the fleet report sorts and colours by this order.
STATUSES = ('error', 'fail', 'warn', 'ok', 'not_applicable')


def make_finding(story, status, summary, evidence=None, remedy=None):
    """One finding: which story, how bad, one line for people, the numbers, and the fix."""
    if status not in STATUSES:
        raise ValueError('unknown finding status %r' % (status,))
    return {
        'story': story,
        'status': status,
        'summary': summary,
        'evidence': evidence or {},
        'remedy': remedy,
    }


def worst(statuses):
    """The most severe of some statuses (``ok`` for none)."""
    ranked = [s for s in STATUSES if s in set(statuses)]
    return ranked[0] if ranked else 'ok'
