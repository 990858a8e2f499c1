"""Save and resume a test VM's running state over QEMU's QMP socket (used by vm.sh).

    python3 qmp.py SOCKET save FILE    stop the guest, write its state to FILE (zstd), quit qemu
    python3 qmp.py SOCKET resume       wait for the incoming state (-incoming), then run the guest
    python3 qmp.py SOCKET probe        can this qemu's state be saved? (thrown away), then quit

Exit status 0 on success; 3 when qemu refuses to save this machine (a device that cannot
be migrated); 1 with a message on stderr otherwise (vm.sh then boots for real).
"""
import json
import shlex
import socket
import sys
import time

TIMEOUT = 120


class QMPError(Exception):
    pass


class NotSavable(QMPError):
    pass


class QMP(object):
    def __init__(self, path):
        deadline = time.time() + 10
        while True:
            self.sock = socket.socket(socket.AF_UNIX)
            try:
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > deadline:
                    raise QMPError("no QMP socket at %s" % path)
                time.sleep(0.1)
        self.stream = self.sock.makefile("rw")
        self._reply()  # the greeting
        self.call("qmp_capabilities")

    def _reply(self):
        while True:
            line = self.stream.readline()
            if not line:
                raise QMPError("qemu closed the QMP socket")
            message = json.loads(line)
            if "event" not in message:
                return message

    def call(self, command, **arguments):
        request = {"execute": command}
        if arguments:
            request["arguments"] = arguments
        self.stream.write(json.dumps(request) + "\n")
        self.stream.flush()
        reply = self._reply()
        if "error" in reply:
            raise QMPError("%s: %s" % (command, reply["error"].get("desc", reply["error"])))
        return reply.get("return")

    def wait_migration(self):
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            info = self.call("query-migrate")
            status = info.get("status")
            if status == "completed":
                return info
            if status in ("failed", "cancelled"):
                raise QMPError("migration %s: %s" % (status, info.get("error-desc", "no reason given")))
            time.sleep(0.1)
        raise QMPError("migration not done after %d s" % TIMEOUT)


def save(qmp, path):
    qmp.call("stop")
    qmp.call("migrate", uri="exec:zstd -q -1 -T1 -o %s" % shlex.quote(path))
    info = qmp.wait_migration()
    qmp.call("quit")
    return "state saved in %d ms" % info.get("total-time", 0)


def resume(qmp):
    start = time.time()
    # The incoming side reports "completed" once the whole state is in.
    qmp.wait_migration()
    qmp.call("cont")
    return "state loaded in %d ms" % ((time.time() - start) * 1000)


def probe(qmp):
    try:
        qmp.call("migrate", uri="exec:cat > /dev/null")
        qmp.wait_migration()
    except QMPError as err:
        raise NotSavable(str(err))
    finally:
        qmp.call("quit")
    return "this machine's state can be saved"


def main(argv):
    if len(argv) < 3 or argv[2] not in ("save", "resume", "probe") or (argv[2] == "save") != (len(argv) == 4):
        sys.stderr.write(__doc__)
        return 2
    try:
        qmp = QMP(argv[1])
        if argv[2] == "save":
            message = save(qmp, argv[3])
        elif argv[2] == "resume":
            message = resume(qmp)
        else:
            message = probe(qmp)
    except NotSavable as err:
        sys.stderr.write("qmp.py probe: %s\n" % err)
        return 3
    except (QMPError, OSError, ValueError) as err:
        sys.stderr.write("qmp.py %s: %s\n" % (argv[2], err))
        return 1
    sys.stderr.write(message + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
