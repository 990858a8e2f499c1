"""Phase times of one Molecule run, from its time-stamped log.

run-all.sh prefixes every log line with the epoch second it was printed; Molecule marks each
action with "INFO [scenario > action] Executing" and "... Executed: <result>".
Prints one line: "<role/scenario> <status> total=<s> create=<s> prepare=<s> check=<s> ...".
"""
import re
import sys

MARK = re.compile(r"^(\d+) .*\[[^>\]]+ > ([a-z_]+)\] (Executing|Executed)")


def phases(lines):
    started = {}
    order = []
    durations = {}
    for line in lines:
        match = MARK.match(line)
        if not match:
            continue
        stamp, action, what = int(match.group(1)), match.group(2), match.group(3)
        if what == "Executing":
            started[action] = stamp
        elif action in started:
            key = action
            if key in durations:  # destroy runs twice: before and after
                key = action + "#2"
            durations[key] = stamp - started.pop(action)
            order.append(key)
    return order, durations


def main():
    log, name, total, status = sys.argv[1:5]
    with open(log, errors="replace") as handle:
        order, durations = phases(handle)
    parts = ["%s=%ds" % (key, durations[key]) for key in order]
    print("%-36s %-7s total=%ss %s" % (name, status, total, " ".join(parts)))


if __name__ == "__main__":
    main()
