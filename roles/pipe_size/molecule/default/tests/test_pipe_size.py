"""Verify seed story 8 on the VM: the limit is set, persisted, and real pipes obey it."""

import pytest

WANTED = 16777216
DROP_IN = "/etc/sysctl.d/60-fleetfix-pipe.conf"
# Resize a fresh pipe with F_SETPIPE_SZ (1031) and print the capacity or the errno name.
RESIZE = (
    "import fcntl, os, errno\n"
    "r, w = os.pipe()\n"
    "try:\n"
    "    print(fcntl.fcntl(w, 1031, {size}))\n"
    "except OSError as e:\n"
    "    print(errno.errorcode[e.errno])\n"
)


def resize_as_nobody(host, size):
    script = RESIZE.format(size=size)
    cmd = host.run("runuser -u nobody -- python3 -c %s", script)
    assert cmd.rc == 0, cmd.stderr
    return cmd.stdout.strip()


def test_running_kernel_has_the_new_maximum(host):
    assert host.file("/proc/sys/fs/pipe-max-size").content_string.strip() == str(WANTED)
    assert host.file("/proc/sys/fs/pipe-user-pages-soft").content_string.strip() == "32768"


def test_values_persist_in_the_drop_in(host):
    drop_in = host.file(DROP_IN)
    assert drop_in.is_file
    assert drop_in.user == "root"
    lines = [line.replace(" ", "") for line in drop_in.content_string.splitlines()]
    assert "fs.pipe-max-size=%d" % WANTED in lines
    assert "fs.pipe-user-pages-soft=32768" in lines


def test_boot_time_loader_applies_the_drop_in(host):
    # What systemd-sysctl / sysctl --system would apply at boot, in its own order.
    cmd = host.run("sysctl --system")
    assert cmd.rc == 0
    assert "fs.pipe-max-size = %d" % WANTED in cmd.stdout
    assert host.file("/proc/sys/fs/pipe-max-size").content_string.strip() == str(WANTED)


@pytest.mark.parametrize("size,expected", [
    (WANTED, str(WANTED)),          # an unprivileged program may now grow its pipe to 16 MiB
    (WANTED * 2, "EPERM"),          # and no further: the limit really limits
    (65536 + 1, str(131072)),       # the kernel rounds up to a power-of-two number of pages
])
def test_unprivileged_pipe_resize(host, size, expected):
    assert resize_as_nobody(host, size) == expected


def test_fresh_pipes_keep_the_default_capacity(host):
    cmd = host.run("runuser -u nobody -- python3 -c %s",
                   "import fcntl, os; r, w = os.pipe(); print(fcntl.fcntl(w, 1032))")
    assert cmd.stdout.strip() == "65536"
