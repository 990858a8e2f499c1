# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""struct timeval for SO_RCVTIMEO / SO_SNDTIMEO (seed story 1).

net/core/sock.c sock_set_timeout() returns -EDOM when tv_usec is not in 0..999999: a
timeout of "3 seconds" written as {0, 3000000} fails. Normalise seconds instead. Also the
socket probe, which asks the running kernel. Python 2.7 / 3.6+, stdlib only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import re
import socket
import struct
from decimal import Decimal, InvalidOperation, ROUND_HALF_UP

USEC_PER_SEC = 1000000
_UNITS = {'': 1, 's': 1, 'sec': 1, 'ms': Decimal('0.001'), 'us': Decimal('0.000001'),
          'ns': Decimal('0.000000001'), 'm': 60, 'min': 60}
_TEXT = re.compile(r'^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-z]*)\s*$')


class TimevalError(ValueError):
    """Not a duration that a timeval can hold."""


def to_timeval(value):
    """Seconds (int, float, '2.5', '1500ms', '250us', '1min') -> {'tv_sec', 'tv_usec'}, 0 <= tv_usec < 1e6.

    Rounded to the nearest microsecond; negative durations are refused.
    """
    if isinstance(value, bool) or value is None:
        raise TimevalError('a timeout must be a number of seconds or a duration like "1500ms", got %r' % (value,))
    if isinstance(value, (int, float)) or type(value).__name__ == 'long':
        text, unit = repr(value), ''
        if str(value).startswith('-'):
            raise TimevalError('a timeout cannot be negative, got %r' % (value,))
    else:
        match = _TEXT.match(str(value).lower())
        if not match:
            if str(value).strip().startswith('-'):
                raise TimevalError('a timeout cannot be negative, got %r' % (value,))
            raise TimevalError('a timeout must be a number of seconds or a duration like "1500ms", got %r' % (value,))
        text, unit = match.group(1), match.group(2)
        if unit not in _UNITS:
            raise TimevalError('unknown unit %r in %r (use s, ms, us, ns or min)' % (unit, value))
    try:
        seconds = Decimal(text) * _UNITS[unit]
    except InvalidOperation:
        raise TimevalError('not a number: %r' % (value,))
    usec_total = int((seconds * USEC_PER_SEC).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return {'tv_sec': usec_total // USEC_PER_SEC, 'tv_usec': usec_total % USEC_PER_SEC}


def probe(tv_sec, tv_usec, option_name='SO_RCVTIMEO'):
    """Ask the running kernel to take (tv_sec, tv_usec) on a fresh, unconnected TCP socket.

    No traffic: the socket is never bound or connected. Returns accepted, errno, error and,
    when accepted, the value the kernel reports back.
    """
    option = getattr(socket, option_name)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        packed = struct.pack('ll', tv_sec, tv_usec)
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, packed)
        except (socket.error, OSError) as exc:
            code = exc.args[0] if exc.args else None
            return {'option': option_name, 'tv_sec': tv_sec, 'tv_usec': tv_usec, 'accepted': False,
                    'errno': code, 'error': errno.errorcode.get(code, str(code)), 'read_back': None}
        raw = sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize('ll'))
        back_sec, back_usec = struct.unpack('ll', raw)
        return {'option': option_name, 'tv_sec': tv_sec, 'tv_usec': tv_usec, 'accepted': True,
                'errno': None, 'error': None, 'read_back': {'tv_sec': back_sec, 'tv_usec': back_usec}}
    finally:
        sock.close()
