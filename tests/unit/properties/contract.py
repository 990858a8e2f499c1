"""The one assertion every property test makes: parses, or raises the collection's error."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError


def parses_or_refuses(parse, *args, **kwargs):
    """Call ``parse``; return ('ok', result) or ('refused', message). Any exception other than
    HostReadError (or a subclass) propagates and fails the test; a refusal must say something."""
    try:
        return 'ok', parse(*args, **kwargs)
    except HostReadError as exc:
        message = str(exc)
        assert message.strip(), 'an empty error message from %r' % (parse,)
        return 'refused', message
