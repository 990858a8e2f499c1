# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# Documentation: audit_report_html.yml and audit_report_junit.yml beside this file.

import base64
import gzip
import json
import re
from xml.sax.saxutils import escape as _xml_escape, quoteattr as _xml_quoteattr

from ansible.errors import AnsibleFilterError
from ansible_collections.fleetfix.kernel.plugins.plugin_utils.fleet_triage import KINDS

# Worst first, as in the report's "statuses"; host states that carry no findings after them.
STATUS_COLOURS = (
    ('error', '#6a1b9a', '#fff'), ('fail', '#c62828', '#fff'), ('warn', '#f9a825', '#000'),
    ('ok', '#2e7d32', '#fff'), ('not_applicable', '#9e9e9e', '#fff'),
    ('unreachable', '#37474f', '#fff'), ('failed', '#4e342e', '#fff'),
)

PAGE = u'''<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>fleetfix.kernel fleet report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1em 2em; color: #212121; }
h1 { font-size: 1.4em; margin: 0 0 .2em; } h2 { font-size: 1.15em; margin: 1.2em 0 .4em; } .meta { color: #616161; margin-bottom: 1em; }
table { border-collapse: collapse; } th, td { padding: 3px 8px; border: 1px solid #e0e0e0; text-align: left; vertical-align: top; }
th { background: #fafafa; position: sticky; top: 0; z-index: 1; }
td.n { text-align: right; font-variant-numeric: tabular-nums; } td.zero { color: #bdbdbd; }
.s { display: inline-block; min-width: 5.5em; padding: 1px 6px; border-radius: 3px; font-size: 12px; text-align: center; }
%(status_css)s
code { background: #f5f5f5; padding: 1px 4px; border-radius: 3px; font-size: 12px; word-break: break-all; }
button { border: 1px solid #9e9e9e; background: #fff; border-radius: 3px; padding: 2px 8px; cursor: pointer; }
#filters { margin: 1em 0; display: flex; flex-wrap: wrap; gap: .5em; align-items: center; }
#filters button.active, #groups tr.active td { outline: 3px solid #1565c0; }
#groups td.cmd { max-width: 42em; } #groups tr td.cause { max-width: 30em; }
#matrix td.host { white-space: nowrap; } #matrix td.host a { cursor: pointer; color: #1565c0; }
#matrix td.cell { cursor: pointer; } #matrix td.dim { opacity: .35; }
.d { font-size: 11px; color: #1565c0; margin-left: 3px; } .d-new, .d-worse, .d-changed { color: #c62828; font-weight: bold; }
#detail { margin-top: 1em; border-top: 2px solid #1565c0; padding-top: .5em; }
#detail pre { background: #f5f5f5; padding: .5em; overflow: auto; max-height: 20em; }
.hidden { display: none; } .note { color: #616161; }
</style>
</head>
<body>
<h1>fleetfix.kernel fleet report</h1>
<div class="meta" id="meta">%(meta)s</div>
<h2>What to do</h2>
<p class="note">Hosts with the same story, status and cause form one group, worst first, then the largest. Each has a host list
(<code>--limit @file</code>) and, where a role of <code>fleetfix.kernel.remediate</code> fixes it, the command (it runs with
<code>--check --diff</code>; drop them to apply). Click a group to list its hosts below.</p>
<table id="groups"><thead><tr><th>#</th><th>status</th><th>story</th><th>cause</th><th>hosts</th><th>host list and command</th></tr></thead>
<tbody></tbody></table>
<div id="groups-more"></div>
<h2>Hosts by status, per story</h2>
<div id="chart">%(chart)s</div>
<div id="drift"></div>
<h2>Findings per story</h2>
<table id="counts"><thead></thead><tbody></tbody></table>
<h2>Hosts</h2>
<div id="filters">
  <span>Status:</span><span id="status-buttons"></span>
  <label>Story: <select id="story-filter"><option value="">all stories</option></select></label>
  <label>Host: <input id="host-filter" type="search" placeholder="name contains"></label>
  <span id="group-filter"></span>
  <span id="shown"></span>
</div>
<table id="matrix"><thead></thead><tbody></tbody></table>
<div id="matrix-more"></div>
<div id="detail" class="hidden"></div>
<script type="application/json" id="report-data">%(data)s</script>
<script type="application/octet-stream" id="report-details">%(details)s</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var STATUSES = data.statuses, STATES = data.states, stories = data.stories, names = data.hosts, cells = data.cells;
  var CODES = data.codes, KINDS = data.kinds, drifts = data.drift_cells || null;
  var PAGE = 200, GROUPS_SHOWN = 50;
  var state = { status: "", story: "", host: "", group: -1, limit: PAGE };
  var details = null, detailsPromise = null;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function badge(status) { return el("span", { "class": "s s-" + status }, String(status).replace("_", " ")); }
  function hostState(i) { return CODES[cells[i].charAt(0)]; }
  function cellStatus(i, s) { var st = hostState(i); return st !== "audited" ? st : CODES[cells[i].charAt(s + 1)]; }

  // ---- the groups: what to do
  var groupBody = document.getElementById("groups").tBodies[0];
  function groupRow(g, index) {
    var row = el("tr", { "data-group": String(index), "data-count": String(g.count) });
    row.appendChild(el("td", { "class": "n" }, index + 1));
    var st = el("td"); st.appendChild(badge(g.status)); row.appendChild(st);
    row.appendChild(el("td", {}, g.story || "(host)"));
    row.appendChild(el("td", { "class": "cause" }, g.cause));
    var count = el("td", { "class": "n" });
    var pick = el("button", { "type": "button", "class": "pick" }, g.count);
    pick.addEventListener("click", function () { pickGroup(index); });
    count.appendChild(pick); row.appendChild(count);
    var cmd = el("td", { "class": "cmd" });
    cmd.appendChild(el("code", { "class": "limit" }, g.limit_file));
    if (g.remedy && g.remedy.text) { cmd.appendChild(el("div", { "class": "note" }, g.remedy.text)); }
    if (g.remedy && g.remedy.per_host && g.remedy.per_host.length) {
      cmd.appendChild(el("div", { "class": "note" }, "set per host first: " + g.remedy.per_host.join(", ")));
    }
    if (g.command) { var c = el("div"); c.appendChild(el("code", { "class": "command" }, g.command)); cmd.appendChild(c); }
    row.appendChild(cmd);
    return row;
  }
  function drawGroups(all) {
    groupBody.textContent = "";
    var shown = all ? data.groups.length : Math.min(GROUPS_SHOWN, data.groups.length);
    var fragment = document.createDocumentFragment();
    for (var i = 0; i < shown; i++) { fragment.appendChild(groupRow(data.groups[i], i)); }
    groupBody.appendChild(fragment);
    var more = document.getElementById("groups-more");
    more.textContent = "";
    if (!data.groups.length) { more.appendChild(el("p", {}, "Nothing to do: no fail, warn or error finding, every host audited.")); }
    if (shown < data.groups.length) {
      var button = el("button", { "type": "button", "id": "groups-all" }, "show all " + data.groups.length + " groups");
      button.addEventListener("click", function () { drawGroups(true); });
      more.appendChild(button);
    }
  }
  function pickGroup(index) {
    state.group = state.group === index ? -1 : index;
    state.limit = PAGE;
    Array.prototype.forEach.call(groupBody.rows, function (r) {
      r.className = Number(r.getAttribute("data-group")) === state.group ? "active" : "";
    });
    var label = document.getElementById("group-filter");
    label.textContent = state.group < 0 ? "" : "group " + (state.group + 1) + " only";
    drawMatrix();
    if (state.group >= 0) { document.getElementById("filters").scrollIntoView(); }
  }

  // ---- drift
  function drawDrift() {
    var d = data.drift, box = document.getElementById("drift");
    if (!d) { return; }
    box.appendChild(el("h2", {}, "Changes since " + (d.previous_generated_at || "the previous audit")));
    var parts = Object.keys(d.counts).filter(function (k) { return d.counts[k]; }).map(function (k) { return d.counts[k] + " " + k.replace("_", " "); });
    box.appendChild(el("p", { "id": "drift-summary", "data-regressions": String(d.regressions) },
      d.regressions + " regression(s)" + (parts.length ? "; " + parts.join(", ") : "") +
      (d.hosts_new.length ? "; new hosts: " + d.hosts_new.length : "") + (d.hosts_gone.length ? "; hosts gone: " + d.hosts_gone.length : "")));
    if (!d.changes.length) { box.appendChild(el("p", { "id": "drift-none" }, "No change: every host and story is as it was.")); return; }
    var table = el("table", { "id": "drift-changes" });
    var head = el("tr");
    ["host", "story", "change", "before", "now"].forEach(function (h) { head.appendChild(el("th", {}, h)); });
    table.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    d.changes.forEach(function (c) {
      var row = el("tr", { "data-kind": KINDS[c[2]] });
      row.appendChild(el("td", {}, names[c[0]]));
      row.appendChild(el("td", {}, c[1] < 0 ? "(host)" : stories[c[1]]));
      row.appendChild(el("td", { "class": "d-" + KINDS[c[2]] }, KINDS[c[2]].replace("_", " ")));
      row.appendChild(el("td", {}, c[3]));
      row.appendChild(el("td", {}, c[4]));
      body.appendChild(row);
    });
    table.appendChild(body);
    box.appendChild(table);
    if (d.total_changes > d.changes.length) {
      box.appendChild(el("p", { "class": "note", "id": "drift-more" }, "the first " + d.changes.length + " of " + d.total_changes +
        " changes; every one is in fleet-report.json and fleet-report.md, and the hosts table marks each"));
    }
  }

  // ---- counts per story
  var counts = document.getElementById("counts");
  var head = el("tr");
  head.appendChild(el("th", {}, "story"));
  STATUSES.forEach(function (s) { var th = el("th"); th.appendChild(badge(s)); head.appendChild(th); });
  counts.tHead.appendChild(head);
  stories.forEach(function (story) {
    var row = el("tr");
    row.appendChild(el("td", {}, story));
    STATUSES.forEach(function (s) {
      var n = (data.counts[story] || {})[s] || 0;
      row.appendChild(el("td", { "class": "n" + (n ? "" : " zero"), "id": "count-" + story + "-" + s }, n));
    });
    counts.tBodies[0].appendChild(row);
  });

  // ---- filters and the matrix (rows drawn on demand, PAGE at a time)
  var buttons = document.getElementById("status-buttons");
  ["all"].concat(STATUSES, STATES.filter(function (s) { return s !== "audited"; })).forEach(function (s) {
    var button = el("button", { "type": "button", "id": "filter-" + s, "data-status": s === "all" ? "" : s }, s.replace("_", " "));
    if (s === "all") { button.className = "active"; }
    button.addEventListener("click", function () {
      state.status = button.getAttribute("data-status");
      state.limit = PAGE;
      Array.prototype.forEach.call(buttons.children, function (b) { b.className = b === button ? "active" : ""; });
      drawMatrix();
    });
    buttons.appendChild(button);
  });
  var storySelect = document.getElementById("story-filter");
  stories.forEach(function (story) { storySelect.appendChild(el("option", { "value": story }, story)); });
  storySelect.addEventListener("change", function () { state.story = storySelect.value; state.limit = PAGE; drawMatrix(); });
  var hostInput = document.getElementById("host-filter");
  hostInput.addEventListener("input", function () { state.host = hostInput.value.toLowerCase(); state.limit = PAGE; drawMatrix(); });

  var matrix = document.getElementById("matrix");
  var mhead = el("tr");
  mhead.appendChild(el("th", {}, "host"));
  stories.forEach(function (story) { mhead.appendChild(el("th", {}, story)); });
  matrix.tHead.appendChild(mhead);
  var lowered = null;

  function matches(i, inGroup) {
    if (inGroup && !inGroup[i]) { return false; }
    if (state.host) {
      if (!lowered) { lowered = names.map(function (n) { return n.toLowerCase(); }); }
      if (lowered[i].indexOf(state.host) < 0) { return false; }
    }
    if (!state.status) { return true; }
    var st = hostState(i);
    if (STATES.indexOf(state.status) >= 0) { return st === state.status; }
    if (st !== "audited") { return false; }
    if (state.story) { return cellStatus(i, stories.indexOf(state.story)) === state.status; }
    for (var s = 0; s < stories.length; s++) { if (cellStatus(i, s) === state.status) { return true; } }
    return false;
  }
  function drawMatrix() {
    var inGroup = null;
    if (state.group >= 0) {
      inGroup = {};
      data.groups[state.group].hosts.forEach(function (i) { inGroup[i] = true; });
    }
    var body = matrix.tBodies[0], storyIndex = stories.indexOf(state.story);
    body.textContent = "";
    var fragment = document.createDocumentFragment(), shown = 0, drawn = 0;
    for (var i = 0; i < names.length; i++) {
      if (!matches(i, inGroup)) { continue; }
      shown += 1;
      if (drawn >= state.limit) { continue; }
      drawn += 1;
      var row = el("tr", { "data-host": names[i], "data-index": String(i) });
      var name = el("td", { "class": "host" });
      name.appendChild(el("a", {}, names[i]));
      row.appendChild(name);
      for (var s = 0; s < stories.length; s++) {
        var status = cellStatus(i, s);
        var td = el("td", { "class": "cell" + (storyIndex >= 0 && storyIndex !== s ? " dim" : ""), "data-story": stories[s], "data-status": status });
        td.appendChild(badge(status));
        if (drifts && drifts[i] && drifts[i].charAt(s) !== " ") {
          var kind = KINDS[data.drift_codes.indexOf(drifts[i].charAt(s))];
          if (kind && kind !== "unchanged") {
            td.appendChild(el("span", { "class": "d d-" + kind, "title": "since the previous audit" }, kind.replace("_", " ")));
          }
        }
        row.appendChild(td);
      }
      fragment.appendChild(row);
    }
    body.appendChild(fragment);
    var label = document.getElementById("shown");
    label.textContent = shown + " of " + names.length + " hosts match" + (drawn < shown ? " (" + drawn + " drawn)" : "");
    label.setAttribute("data-shown", String(shown));
    label.setAttribute("data-drawn", String(drawn));
    var more = document.getElementById("matrix-more");
    more.textContent = "";
    if (drawn < shown) {
      var button = el("button", { "type": "button", "id": "matrix-next" }, "show " + Math.min(PAGE, shown - drawn) + " more");
      button.addEventListener("click", function () { state.limit += PAGE; drawMatrix(); });
      more.appendChild(button);
    }
  }
  matrix.tBodies[0].addEventListener("click", function (event) {
    var row = event.target.closest ? event.target.closest("tr[data-index]") : null;
    if (row) { showHost(Number(row.getAttribute("data-index"))); }
  });

  // ---- the host detail, from the compressed details (unpacked on the first click)
  function loadDetails() {
    if (details) { return Promise.resolve(details); }
    if (!detailsPromise) {
      var text = document.getElementById("report-details").textContent.trim();
      if (typeof DecompressionStream === "undefined") {
        return Promise.reject(new Error("this browser cannot unpack the host details (no DecompressionStream): read fleet-report.json"));
      }
      var raw = atob(text), bytes = new Uint8Array(raw.length);
      for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
      var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      detailsPromise = new Response(stream).text().then(function (json) { details = JSON.parse(json); return details; });
    }
    return detailsPromise;
  }
  function showHost(index) {
    var host = names[index];
    var detail = document.getElementById("detail");
    detail.textContent = "";
    detail.className = "";
    detail.removeAttribute("data-host");
    detail.appendChild(el("h2", {}, host));
    loadDetails().then(function (all) {
      var entry = all[host];
      detail.setAttribute("data-host", host);
      if (entry.state !== "audited") {
        detail.appendChild(badge(entry.state));
        detail.appendChild(el("p", {}, entry.message || ""));
        return;
      }
      (entry.findings || []).forEach(function (found) {
        var section = el("section", { "data-story": found.story });
        var title = el("h3", {}, found.story + " ");
        title.appendChild(badge(found.status));
        var kind = (entry.drift || {})[found.story];
        if (kind) { title.appendChild(el("span", { "class": "d d-" + kind }, kind.replace("_", " "))); }
        section.appendChild(title);
        section.appendChild(el("p", {}, found.summary));
        if (found.cause && found.status !== "ok" && found.status !== "not_applicable") { section.appendChild(el("p", {}, "Cause: " + found.cause)); }
        var remedy = found.remedy;
        if (remedy && typeof remedy === "object") {
          if (remedy.text) { section.appendChild(el("p", {}, "Remedy: " + remedy.text)); }
          if (remedy.roles && remedy.roles.length) {
            section.appendChild(el("p", {}, "Roles: " + remedy.roles.join(", ") + " (tags " + remedy.tags.join(", ") + ")"));
          }
        } else if (remedy) { section.appendChild(el("p", {}, "Remedy: " + remedy)); }
        section.appendChild(el("pre", {}, JSON.stringify(found.evidence || {}, null, 2)));
        detail.appendChild(section);
      });
    }, function (error) { detail.appendChild(el("p", { "class": "note" }, String(error.message || error))); });
  }

  drawGroups(false);
  drawDrift();
  drawMatrix();
  document.body.setAttribute("data-ready", "true");
}());
</script>
</body>
</html>
'''


# Characters XML 1.0 does not allow (even as &#...; references): C0 controls other than tab,
# newline and CR, lone surrogates, U+FFFE and U+FFFF. A host name, summary or evidence read off
# a host may hold any of them; junit.xml shows them as \xNN / \uNNNN text instead.
_XML_INVALID = re.compile(u'[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')
# The same and every other control character (and DEL): one Markdown line stays one line.
_MARKDOWN_INVALID = re.compile(u'[\u0000-\u001f\u007f\ud800-\udfff\ufffe\uffff]')


def _escape_char(match):
    code = ord(match.group(0))
    return '\\x%02x' % code if code < 0x100 else '\\u%04x' % code


def xml_safe(text):
    """``text`` with every character XML 1.0 cannot hold written as a \\xNN or \\uNNNN escape."""
    return _XML_INVALID.sub(_escape_char, u'%s' % (text,))


def escape(text):
    return _xml_escape(xml_safe(text))


def quoteattr(text):
    return _xml_quoteattr(xml_safe(text))


def _line(text):
    return _MARKDOWN_INVALID.sub(_escape_char, u'%s' % (text,))


def _check(report):
    if not isinstance(report, dict) or not isinstance(report.get('hosts'), dict) \
            or not isinstance(report.get('stories'), list):
        raise AnsibleFilterError('expected the fleet report made by fleetfix.kernel.audit_report')


_CELL_CODES = (('a', 'audited'), ('u', 'unreachable'), ('x', 'failed'), ('e', 'error'), ('f', 'fail'), ('w', 'warn'),
               ('o', 'ok'), ('n', 'not_applicable'))
_CODE_OF = dict((name, code) for code, name in _CELL_CODES)
_DRIFT_CODES = 'NWCUXBRA.'  # one per fleet_triage.KINDS, in its order
_HTML_CHANGES = 500


def _script_json(value):
    # inside <script>: no "</script" may end the element early, no "<!--" may open a comment;
    # JSON's own \u003c escape keeps every "<" out of the markup and parses back to "<"
    return json.dumps(value, sort_keys=True, separators=(',', ':')).replace('<', '\\u003c')


def _compact(report):
    """What the page draws from at first paint: host names once, one short string per host
    (its state and a status code per story), the groups with host indexes, the drift."""
    stories = list(report['stories'])
    names = sorted(report['hosts'])
    index = dict((name, number) for number, name in enumerate(names))
    cells, drift_cells = [], []
    for name in names:
        entry = report['hosts'][name] or {}
        state = entry.get('state') if entry.get('state') in ('audited', 'unreachable') else 'failed'
        by_story = dict((f.get('story'), f.get('status')) for f in entry.get('findings') or [])
        cells.append(_CODE_OF[state] + ''.join(_CODE_OF.get(by_story.get(story), 'n') for story in stories))
        kinds = entry.get('drift') or {}
        drift_cells.append(''.join(_DRIFT_CODES[KINDS.index(kinds[story])] if kinds.get(story) in KINDS else ' '
                                   for story in stories))
    groups = []
    for group in report.get('groups') or []:
        compact = dict(group)
        compact['hosts'] = [index[h] for h in group['hosts'] if h in index]
        groups.append(compact)
    drift = report.get('drift')
    compact_drift = None
    if drift:
        compact_drift = dict((key, drift.get(key)) for key in ('previous_generated_at', 'counts', 'regressions', 'hosts_new', 'hosts_gone'))
        # the first ones only (worst kinds first): every change is in fleet-report.json and .md,
        # and the matrix marks each host's changed stories from drift_cells
        changes = [c for c in drift.get('changes') or [] if c.get('kind') in KINDS]
        compact_drift['total_changes'] = len(changes)
        compact_drift['changes'] = [
            [index.get(c['host'], -1), stories.index(c['story']) if c.get('story') in stories else -1, KINDS.index(c['kind']),
             _brief(c.get('from')), _brief(c.get('to'))]
            for c in changes[:_HTML_CHANGES]]
    states = ['audited'] + sorted(state for state in report.get('host_states', {}) if state != 'audited')
    return {
        'statuses': report.get('statuses') or [s for s, _bg, _fg in STATUS_COLOURS[:5]], 'states': states,
        'stories': stories, 'hosts': names, 'cells': cells, 'codes': dict(_CELL_CODES), 'counts': report.get('counts') or {},
        'groups': groups, 'drift': compact_drift, 'kinds': list(KINDS), 'drift_codes': _DRIFT_CODES,
        'drift_cells': drift_cells if drift else None,
    }


def _details(report):
    """Every host's entry (findings with summary, evidence and remedy), gzip then base64: the
    page unpacks it on the first host click. mtime 0: the same report gives the same bytes."""
    raw = json.dumps(report['hosts'], sort_keys=True, separators=(',', ':')).encode('ascii')
    return base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode('ascii')


def _chart(report):
    """An inline SVG: per story, the audited hosts by status as one stacked bar (with a previous
    report, its bar below in a thin line and the change per status beside it)."""
    statuses = [s for s, _bg, _fg in STATUS_COLOURS[:5]]
    colours = dict((s, bg) for s, bg, _fg in STATUS_COLOURS)
    counts = report.get('counts') or {}
    drift = report.get('drift') or {}
    before = drift.get('previous_counts') or {}
    stories = list(report['stories'])
    states = report.get('host_states') or {}
    rows = [('hosts', dict((s, states.get(s, 0)) for s in ('audited', 'failed', 'unreachable')), None)]
    for story in stories:
        rows.append((story, counts.get(story) or {}, before.get(story) if drift else None))
    total = max([sum(v for v in row[1].values()) for row in rows] + [sum(v for v in (row[2] or {}).values()) for row in rows] + [1])
    label_w, bar_w, row_h = 150, 480, 30 if drift else 22
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" id="status-chart" role="img" width="%d" height="%d" '
             'font-family="system-ui, sans-serif" font-size="12"><title>hosts by status per story%s</title>'
             % (label_w + bar_w + 260, row_h * len(rows) + 24, ', and the change since the previous audit' if drift else '')]
    for number, (label, values, previous) in enumerate(rows):
        y = number * row_h + 4
        parts.append('<text x="0" y="%d">%s</text>' % (y + 13, escape(label)))
        x = float(label_w)
        keys = ('audited', 'failed', 'unreachable') if number == 0 else statuses
        for key in keys:
            value = values.get(key, 0)
            if not value:
                continue
            width = bar_w * value / float(total)
            parts.append('<rect class="bar" data-story="%s" data-status="%s" data-count="%d" x="%.1f" y="%d" width="%.1f" height="16" '
                         'fill="%s"><title>%s %s: %d</title></rect>'
                         % (escape(label), key, value, x, y, max(width, 1.0), colours.get(key, '#2e7d32') if key != 'audited' else '#2e7d32',
                            escape(label), key.replace('_', ' '), value))
            x += width
        shown = ('error', 'fail', 'warn', 'failed', 'unreachable')
        notes = ', '.join('%d %s' % (values[k], k.replace('_', ' ')) for k in keys if values.get(k) and k in shown)
        if previous is not None:
            px = float(label_w)
            for key in statuses:
                value = previous.get(key, 0)
                if value:
                    width = bar_w * value / float(total)
                    parts.append('<rect class="previous" data-story="%s" data-status="%s" data-count="%d" x="%.1f" y="%d" width="%.1f" '
                                 'height="4" fill="%s" opacity="0.7"><title>before: %s %s: %d</title></rect>'
                                 % (escape(label), key, value, px, y + 19, max(width, 1.0), colours[key], escape(label), key, value))
                    px += width
            delta = ['%+d %s' % (values.get(k, 0) - previous.get(k, 0), k.replace('_', ' ')) for k in ('error', 'fail', 'warn', 'ok')
                     if values.get(k, 0) != previous.get(k, 0)]
            notes = (notes + '; ' if notes else '') + ('since before: ' + ', '.join(delta) if delta else 'no change')
        parts.append('<text x="%d" y="%d" class="note" fill="#616161">%s</text>' % (label_w + bar_w + 8, y + 13, escape(notes)))
    parts.append('</svg>')
    return ''.join(parts)


def audit_report_html(report):
    """The fleet report as one self-contained HTML page: the groups first, the chart, the drift,
    the counts, then the hosts x stories matrix drawn a page of rows at a time from compact data;
    each host's findings are unpacked from the embedded gzip on the first host click."""
    _check(report)
    states = report.get('host_states') or {}
    meta = '%d hosts (%s) - generated %s - schema %s v%s' % (
        len(report['hosts']), ', '.join('%d %s' % (states.get(s, 0), s) for s in ['audited'] + sorted(k for k in states if k != 'audited')),
        report.get('generated_at') or '?', report.get('schema'), report.get('schema_version'))
    status_css = '\n'.join('.s-%s { background: %s; color: %s; }' % item for item in STATUS_COLOURS)
    return PAGE % {
        'data': _script_json(_compact(report)), 'details': _details(report), 'status_css': status_css,
        'meta': escape(meta), 'chart': _chart(report),
    }


def audit_report_junit(report):
    """The fleet report as JUnit XML: one testcase per host and story (fail -> failure,
    error and unreachable or failed hosts -> error, not_applicable -> skipped, warn -> passed
    with the warning in system-out)."""
    _check(report)
    suites = []
    totals = {'tests': 0, 'failures': 0, 'errors': 0, 'skipped': 0}
    for story in report['stories']:
        cases = []
        tally = {'tests': 0, 'failures': 0, 'errors': 0, 'skipped': 0}
        for host in sorted(report['hosts']):
            entry = report['hosts'][host]
            tally['tests'] += 1
            head = '    <testcase classname=%s name=%s>' % (quoteattr('fleetfix.kernel.%s' % story), quoteattr(host))
            if entry.get('state') != 'audited':
                tally['errors'] += 1
                state = entry.get('state') or 'failed'
                cases.append('%s<error type=%s message=%s/></testcase>' % (
                    head, quoteattr(state), quoteattr(entry.get('message') or state)))
                continue
            found = [f for f in entry.get('findings') or [] if f.get('story') == story]
            if not found:
                tally['skipped'] += 1
                cases.append('%s<skipped message="not audited on this host"/></testcase>' % head)
                continue
            finding = found[0]
            # ensure_ascii: every control character in the evidence becomes a \\uNNNN escape
            body = json.dumps({'evidence': finding.get('evidence'), 'remedy': finding.get('remedy')}, sort_keys=True, indent=2,
                              ensure_ascii=True, default=str)
            if finding['status'] == 'fail':
                tally['failures'] += 1
                cases.append('%s<failure type="fail" message=%s>%s</failure></testcase>' % (
                    head, quoteattr(finding['summary']), escape(body)))
            elif finding['status'] == 'error':
                tally['errors'] += 1
                cases.append('%s<error type="error" message=%s>%s</error></testcase>' % (
                    head, quoteattr(finding['summary']), escape(body)))
            elif finding['status'] == 'not_applicable':
                tally['skipped'] += 1
                cases.append('%s<skipped message=%s/></testcase>' % (head, quoteattr(finding['summary'])))
            else:
                cases.append('%s<system-out>%s</system-out></testcase>' % (
                    head, escape('%s: %s' % (('%s' % finding['status']).upper(), finding['summary']))))
        for key in totals:
            totals[key] += tally[key]
        suites.append('  <testsuite name=%s tests="%d" failures="%d" errors="%d" skipped="%d">%s\n  </testsuite>' % (
            quoteattr(story), tally['tests'], tally['failures'], tally['errors'], tally['skipped'],
            ''.join('\n' + case for case in cases)))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<testsuites name="fleetfix.kernel audit" tests="%d" failures="%d" errors="%d" skipped="%d">%s\n</testsuites>\n'
            % (totals['tests'], totals['failures'], totals['errors'], totals['skipped'], ''.join('\n' + suite for suite in suites)))


def _evidence_text(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    return '%s' % (value,)


_MARKDOWN_HOSTS_SHOWN = 20
_CHANGE_WORDS = {'new': 'new', 'worse': 'worse', 'changed': 'another cause', 'unreachable': 'now unreachable',
                 'failed': 'audit failed now', 'better': 'better', 'resolved': 'resolved', 'not_audited': 'not audited now'}


def _brief(state):
    if state is None:
        return '-'
    if isinstance(state, dict):
        return '%s: %s' % (state.get('status'), state.get('cause'))
    return '%s' % (state,)


def _markdown_groups(report):
    groups = report.get('groups') or []
    lines = ['', '## What to do', '']
    if not groups:
        return lines + ['Nothing: no host has a fail, warn or error finding, and every host was audited.']
    lines += ['| # | status | story | cause | hosts | host list | fix |', '|---|---|---|---|---|---|---|']
    for number, group in enumerate(groups, 1):
        remedy = group.get('remedy') or {}
        fix = ', '.join(remedy.get('roles') or []) or ('re-audit' if group.get('story') is None else 'see remedy')
        lines.append('| %d | %s | %s | %s | %d | `%s` | %s |' % (
            number, _line(group['status']), _line(group.get('story') or '(host)'), _cell(group['cause']), group['count'],
            _line(group['limit_file']), _cell(fix)))
    for number, group in enumerate(groups, 1):
        remedy = group.get('remedy') or {}
        hosts = group['hosts']
        title = '### %d. %s %s: %s - %d host(s)' % (
            number, _line(group['status']).upper(), _line(group.get('story') or 'host'), _line(group['cause']), group['count'])
        lines += ['', title, '']
        shown = ', '.join(_line(h) for h in hosts[:_MARKDOWN_HOSTS_SHOWN])
        if len(hosts) > _MARKDOWN_HOSTS_SHOWN:
            shown += ' and %d more' % (len(hosts) - _MARKDOWN_HOSTS_SHOWN)
        lines.append('- hosts: %s' % shown)
        lines.append('- host list: `%s` (inventory group `%s` in `%s`)' % (
            _line(group['limit_file']), _line(group['inventory_group']), _line(report.get('inventory_file') or '')))
        if remedy.get('text'):
            lines.append('- remedy: %s' % _line(remedy['text']))
        if remedy.get('per_host'):
            lines.append('- set per host first (host_vars): %s' % ', '.join('`%s`' % _line(v) for v in remedy['per_host']))
        if group.get('command'):
            lines += ['', '```sh', _line(group['command']), '```']
            if group.get('story') is not None:
                lines.append('(drop `--check --diff` to apply, after reading what it shows)')
    return lines


def _markdown_drift(report):
    drift = report.get('drift')
    if not drift:
        return []
    counts = drift.get('counts') or {}
    lines = ['', '## Changes since %s' % _line(drift.get('previous_generated_at') or 'the previous audit'), '',
             '%d regression(s); %s.' % (drift.get('regressions', 0), ', '.join(
                 '%s %d' % (_CHANGE_WORDS.get(k, k) if k != 'unchanged' else 'no change', counts[k]) for k in sorted(counts)
                 if counts[k] or k == 'unchanged'))]
    if drift.get('hosts_new'):
        lines.append('New hosts: %s.' % ', '.join(_line(h) for h in drift['hosts_new']))
    if drift.get('hosts_gone'):
        lines.append('Hosts gone: %s.' % ', '.join(_line(h) for h in drift['hosts_gone']))
    if not drift.get('changes'):
        lines += ['', 'No change: every host and story is as it was.']
        return lines
    lines += ['', '| host | story | change | before | now |', '|---|---|---|---|---|']
    for change in drift['changes']:
        lines.append('| %s | %s | %s | %s | %s |' % (
            _cell(change['host']), _line(change.get('story') or '(host)'), _line(_CHANGE_WORDS.get(change['kind'], change['kind'])),
            _cell(_brief(change.get('from'))), _cell(_brief(change.get('to')))))
    return lines


def _cell(text):
    """One Markdown table cell: one line, no column break."""
    return _line(text).replace('|', '\\|')


def audit_report_markdown(report):
    """The fleet report as Markdown: what to do (the groups of findings, each with its host list
    and command), the changes since the previous audit, counts per story, then every host's
    findings.

    Holds for any report the audit_report filter makes, zero hosts and zero stories included;
    control characters in names, summaries and evidence are shown as \\xNN escapes."""
    _check(report)
    states = report.get('host_states') or {}
    statuses = list(report.get('statuses') or [s for s, _bg, _fg in STATUS_COLOURS[:5]])
    counts = report.get('counts') or {}
    lines = ['# fleetfix.kernel fleet report', '',
             'Generated %s - %d host(s): %d audited, %d failed, %d unreachable.' % (
                 _line(report.get('generated_at') or '?'), len(report['hosts']), states.get('audited', 0),
                 states.get('failed', 0), states.get('unreachable', 0))]
    lines += _markdown_groups(report)
    lines += _markdown_drift(report)
    lines += ['', '## Counts per story', '']
    if report['stories']:
        lines += ['| story | %s |' % ' | '.join(statuses), '|---|%s' % ('---|' * len(statuses))]
        for story in report['stories']:
            lines.append('| %s | %s |' % (_line(story), ' | '.join(str((counts.get(story) or {}).get(s, 0)) for s in statuses)))
    else:
        lines.append('No findings.')
    lines += ['', '## Hosts']
    if not report['hosts']:
        lines += ['', 'No host was audited (the host pattern or --limit matched none).']
    for host in sorted(report['hosts']):
        entry = report['hosts'][host] or {}
        state = entry.get('state') or 'failed'
        drift = entry.get('drift') or {}
        lines += ['', '### %s - %s' % (_line(host), _line(entry.get('worst') or state))]
        if state != 'audited':
            lines.append('%s: %s' % (_line(state), _line(entry.get('message') or '')))
        for finding in entry.get('findings') or []:
            mark = drift.get(finding.get('story'))
            lines.append('- **%s: %s**%s - %s' % (_line(finding.get('story')), _line(finding.get('status')),
                                                  ' (%s)' % _line(_CHANGE_WORDS.get(mark, 'no change')) if mark else '',
                                                  _line(finding.get('summary') or '')))
            remedy = finding.get('remedy')
            if isinstance(remedy, dict):
                if remedy.get('text') or remedy.get('roles'):
                    lines.append('  - remedy: %s%s' % (_line(remedy.get('text') or ''), ' (roles: %s)' % ', '.join(
                        _line(r) for r in remedy['roles']) if remedy.get('roles') else ''))
            elif remedy:
                lines.append('  - remedy: %s' % _line(remedy))
            evidence = finding.get('evidence') or {}
            if evidence:
                lines.append('  - evidence: %s' % ', '.join(
                    '`%s=%s`' % (_line(key), _line(_evidence_text(evidence[key]))) for key in sorted(evidence)))
    return '\n'.join(lines) + '\n'


class FilterModule(object):
    """fleetfix.kernel report renderers."""

    def filters(self):
        return {'audit_report_html': audit_report_html, 'audit_report_junit': audit_report_junit,
                'audit_report_markdown': audit_report_markdown}
