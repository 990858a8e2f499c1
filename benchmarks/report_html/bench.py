"""The HTML fleet report at fleet scale, in headless chromium (Debian's chromium + chromedriver).

For each N: the synthetic fleet of the browser test (tests/browser/synthetic_fleet.py) is made
into a report by the collection's own filters - with a previous report (the same fleet, statuses
shifted) so the drift section is drawn too - and rendered to HTML. Then, in a fresh browser each
time: the file size, first paint (the browser's first-contentful-paint), the page ready (its
script done: groups, drift, the first page of the matrix), and a status filter click (from the
click to the rows drawn, measured in the page). Median of --reps.

    benchmarks/report_html/run.sh [--sizes 2000,10000] [--reps 5] [--no-drift]
"""

from __future__ import (absolute_import, division, print_function)

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "unit"))
sys.path.insert(0, os.path.join(REPO, "tests", "browser"))
__import__("conftest")  # makes ansible_collections.fleetfix.kernel importable

import synthetic_fleet  # noqa: E402
from ansible_collections.fleetfix.kernel.plugins.filter.audit_report import audit_report  # noqa: E402
from ansible_collections.fleetfix.kernel.plugins.filter.report_render import audit_report_html  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

OUT = os.path.join(REPO, "build", "bench", "report_html")


def make_report(size, drift=True):
    hostvars = synthetic_fleet.hostvars(size, shift=1)
    previous = None
    if drift:
        before = synthetic_fleet.hostvars(size)
        previous = json.loads(json.dumps(audit_report(sorted(before), before, generated_at="2026-11-20T00:00:00+00:00")))
    return audit_report(sorted(hostvars), hostvars, generated_at="2026-11-27T00:00:00+00:00", previous=previous)


def browser():
    profile = tempfile.mkdtemp(prefix="fleetfix-bench-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("FLEETFIX_CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1000", "--user-data-dir=" + profile):
        options.add_argument(arg)
    service = webdriver.ChromeService(executable_path=os.environ.get("FLEETFIX_CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(300)
    return driver, profile


def measure(path):
    driver, profile = browser()
    try:
        driver.get("file://" + path)
        WebDriverWait(driver, 300).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        # the paint entry is queued after the frame is drawn: wait for it (up to 5 s)
        paint = driver.execute_async_script(
            "var done = arguments[arguments.length - 1], until = performance.now() + 5000;"
            "(function wait() { var p = performance.getEntriesByName('first-contentful-paint');"
            " if (p.length) { done(p[0].startTime); } else if (performance.now() > until) { done(-1); } else { setTimeout(wait, 10); } })();")
        ready = driver.execute_script(
            "var n = performance.getEntriesByType('navigation')[0]; return n ? n.domContentLoadedEventEnd : null;")
        click = driver.execute_script(
            "var t = performance.now(); document.getElementById('filter-fail').click();"
            "document.body.offsetHeight; return performance.now() - t;")
        detail = driver.execute_async_script(
            "var done = arguments[arguments.length - 1]; var t = performance.now();"
            "document.querySelector('#matrix tbody tr td.host a').click();"
            "(function wait() { if (document.getElementById('detail').getAttribute('data-host')) { done(performance.now() - t); }"
            " else { setTimeout(wait, 5); } })();")
        return {"first_paint_ms": paint, "ready_ms": ready, "filter_click_ms": click, "first_detail_ms": detail}
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--sizes", default="2000,10000")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--no-drift", action="store_true")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        started = time.time()
        report = make_report(size, drift=not args.no_drift)
        html = audit_report_html(report)
        built = time.time() - started
        path = os.path.join(OUT, "fleet-report-%d.html" % size)
        with open(path, "w") as handle:
            handle.write(html)
        runs = [measure(path) for _rep in range(args.reps)]
        row = {"hosts": size, "bytes": os.path.getsize(path), "groups": len(report["groups"]),
               "changes": len((report.get("drift") or {}).get("changes") or []), "build_s": round(built, 2)}
        for key in runs[0]:
            row[key] = round(statistics.median(r[key] for r in runs), 1)
        rows.append(row)
        print(json.dumps(row), flush=True)
    print("\n| hosts | size | first paint | page ready | filter click | first host detail |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| %d | %.2f MB | %.0f ms | %.0f ms | %.0f ms | %.0f ms |" % (
            row["hosts"], row["bytes"] / 1e6, row["first_paint_ms"], row["ready_ms"], row["filter_click_ms"], row["first_detail_ms"]))


if __name__ == "__main__":
    main()
