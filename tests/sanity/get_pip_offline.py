"""Stand-in for the get-pip.py bootstrap script ansible-test downloads.

ansible-test fetches get-pip.py from a host CI cannot reach (only PyPI is reachable here).
It runs the script as `python get_pip.py [pip options] pip==X [--no-setuptools] [--no-wheel]`
inside an empty virtualenv. This stand-in does the same from what is reachable: the pip that
ships with Python (ensurepip), then `pip install` of the requested packages from PyPI.
"""

import ensurepip
import os
import subprocess
import sys

# ensurepip points PIP_CONFIG_FILE at /dev/null and leaves it so: keep the environment from
# before, so that the pip configuration of the machine (index, CA bundle) still applies.
# ansible-test strips the environment; a machine behind a TLS-inspecting proxy keeps its CA
# in the system bundle, which pip does not use unless told to.
SYSTEM_CA = '/etc/ssl/certs/ca-certificates.crt'

env = dict(os.environ)
if 'PIP_CERT' not in env and os.path.exists(SYSTEM_CA):
    env['PIP_CERT'] = SYSTEM_CA
ensurepip.bootstrap(upgrade=True)
args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install', '-q'] + args, env=env))
