"""The timeval filter."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fleetfix.kernel.plugins.filter.timeval import timeval


def test_filter():
    assert timeval("1500ms") == {"tv_sec": 1, "tv_usec": 500000}


def test_filter_error_is_named():
    with pytest.raises(AnsibleFilterError) as err:
        timeval(-3)
    assert "timeval: a timeout cannot be negative, got -3" in str(err.value)
