"""Property-based tests of the host-file parsers (hypothesis, a test-only dependency): the
settings profile and the one assertion every property test makes.

The contract: every generated input either parses or raises the collection's error type
(hostfs.HostReadError or a subclass) - never another exception, never a hang. Runs are
derandomized (the same examples on every run, so CI is reproducible);
``HYPOTHESIS_PROFILE=explore`` runs ten times as many random examples locally. (No conftest.py
here: a second module named conftest would shadow tests/unit/conftest.py for the tests that
import it.)
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

from hypothesis import HealthCheck, settings

from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError

settings.register_profile('fleetfix', max_examples=200, deadline=None, database=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile('explore', max_examples=2000, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'fleetfix'))


def parses_or_refuses(parse, *args, **kwargs):
    """Call ``parse``; return ('ok', result) or ('refused', message). Any exception other than
    HostReadError (or a subclass) propagates and fails the test; a refusal must say something."""
    try:
        return 'ok', parse(*args, **kwargs)
    except HostReadError as exc:
        message = str(exc)
        assert message.strip(), 'an empty error message from %r' % (parse,)
        return 'refused', message
