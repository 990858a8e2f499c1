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
import math
import re
import socket
import struct
from decimal import Decimal, ROUND_HALF_UP

USEC_PER_SEC = 1000000
_UNITS = {'': 1, 's': 1, 'sec': 1, 'ms': Decimal('0.001'), 'us': Decimal('0.000001'),
          'ns': Decimal('0.000000001'), 'm': 60, 'min': 60}
# ASCII digits only, bounded: 40 digits a part, an exponent of at most 4 digits (Decimal would
# take 1e999999999 and overflow when it is scaled); the whole text at most 100 characters.
_TEXT = re.compile(r'^\s*([0-9]{0,40}\.?[0-9]{1,40}(?:[eE][-+]?[0-9]{1,4})?)\s*([a-z]*)\s*$')
_MAX_TEXT = 100
_INTEGERS = (int, type(2 ** 64))  # and long on Python 2
# tv_sec is a time_t and tv_usec a suseconds_t: C longs (64 bits on every 64-bit Linux)
LONG_BITS = struct.calcsize('l') * 8
LONG_MIN = -2 ** (LONG_BITS - 1)
LONG_MAX = 2 ** (LONG_BITS - 1) - 1
TV_SEC_MAX = 2 ** 63 - 1


class TimevalError(ValueError):
    """Not a duration that a timeval can hold."""


def _shown(value):
    """repr() of a value for a message, without converting a huge integer to text (Python 3.11
    refuses past 4,300 digits) or quoting a long text whole."""
    if isinstance(value, _INTEGERS) and not isinstance(value, bool) and value.bit_length() > 256:
        return 'an integer of about %d digits' % int(value.bit_length() * 0.30103)
    text = repr(value)
    return text if len(text) <= 80 else text[:60] + '...'


def _usage(value):
    return TimevalError('a timeout must be a number of seconds or a duration like "1500ms", got %s' % _shown(value))


def to_timeval(value):
    """Seconds (int, float, '2.5', '1500ms', '250us', '1min') -> {'tv_sec', 'tv_usec'}, 0 <= tv_usec < 1e6.

    Rounded to the nearest microsecond; negative durations, NaN, infinities and durations past
    what a 64-bit tv_sec holds are refused.
    """
    if isinstance(value, bool) or value is None:
        raise _usage(value)
    if isinstance(value, _INTEGERS):
        if value < 0:
            raise TimevalError('a timeout cannot be negative, got %s' % _shown(value))
        text, unit = ('%d' % value) if value <= TV_SEC_MAX else None, ''
    elif isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise TimevalError('a timeout must be a finite number of seconds, got %r' % (value,))
        if repr(value).startswith('-'):
            raise TimevalError('a timeout cannot be negative, got %r' % (value,))
        text, unit = repr(value), ''
    else:
        given = value if isinstance(value, (str, type(u''))) else '%s' % (value,)
        if len(given) > _MAX_TEXT:
            raise _usage(value)
        match = _TEXT.match(given.lower())
        if not match:
            if given.strip().startswith('-'):
                raise TimevalError('a timeout cannot be negative, got %s' % _shown(value))
            raise _usage(value)
        text, unit = match.group(1), match.group(2)
        if unit not in _UNITS:
            raise TimevalError('unknown unit %r in %s (use s, ms, us, ns or min)' % (unit, _shown(value)))
    try:
        seconds = Decimal(text) * _UNITS[unit] if text is not None else None
        if seconds is None or seconds > TV_SEC_MAX:
            raise TimevalError('a timeout of %s is past what a timeval holds (tv_sec is a 64-bit time_t: at most '
                               '%d seconds)' % (_shown(value), TV_SEC_MAX))
        usec_total = int((seconds * USEC_PER_SEC).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (ArithmeticError, ValueError) as exc:  # decimal's signals are ArithmeticErrors
        if isinstance(exc, TimevalError):
            raise
        raise TimevalError('not a number: %s' % _shown(value))
    return {'tv_sec': usec_total // USEC_PER_SEC, 'tv_usec': usec_total % USEC_PER_SEC}


def check_field(value, name):
    """``value`` when it is an integer a C long holds (tv_sec, tv_usec); TimevalError naming
    ``name`` otherwise (struct.pack would raise struct.error; a boolean is not a number)."""
    if isinstance(value, bool) or not isinstance(value, _INTEGERS):
        why = ' (a boolean is not a number)' if isinstance(value, bool) else ''
        raise TimevalError('%s: %s is not an integer%s' % (name, _shown(value), why))
    if not LONG_MIN <= value <= LONG_MAX:
        raise TimevalError('%s: %s is outside what a C long holds (%d to %d)' % (name, _shown(value), LONG_MIN, LONG_MAX))
    return value


def probe(tv_sec, tv_usec, option_name='SO_RCVTIMEO'):
    """Ask the running kernel to take (tv_sec, tv_usec) on a fresh, unconnected TCP socket.

    No traffic: the socket is never bound or connected. Returns accepted, errno, error and,
    when accepted, the value the kernel reports back.
    """
    check_field(tv_sec, 'tv_sec')
    check_field(tv_usec, 'tv_usec')
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
