"""Property-based tests of the host-file parsers (hypothesis, a test-only dependency).

The contract each test checks: every generated input either parses or raises the
collection's error type (hostfs.HostReadError or a subclass) - never another exception, never
a hang. Runs are derandomized (the same examples on every run, so CI is reproducible);
``HYPOTHESIS_PROFILE=explore`` runs ten times as many random examples locally.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

from hypothesis import HealthCheck, settings

settings.register_profile('fleetfix', max_examples=200, deadline=None, database=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile('explore', max_examples=2000, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'fleetfix'))
