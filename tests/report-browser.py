#!/usr/bin/env python3
"""report-browser.py CHROMIUM PAGE CSVDIR: opens a report's index.html in headless
Chromium, driven over the DevTools protocol on a pipe (--remote-debugging-pipe: commands
on fd 3, replies on fd 4, each a JSON text ended by a NUL byte), and checks what a user
does there against `tally show NAME --format csv` (CSVDIR/NAME.csv): sorting a table by a
header, filtering it, paging, hovering a bar and tabbing to a mark. Prints TAP lines."""
import csv
import ipaddress
import json
import os
import subprocess
import sys
import tempfile
import time

chromium, page, csvdir = sys.argv[1:4]
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print("%s %d - %s" % ("ok" if ok else "not ok", len(results), name))
    if not ok and detail:
        for line in str(detail).splitlines():
            print("#   " + line)


def table_csv(name):
    with open(os.path.join(csvdir, name + ".csv"), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="tally-chromium-")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def fds():
            # Out of the way first: either end may itself be fd 3 or 4.
            a, b = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-pipe", "--user-data-dir=" + self.profile,
             "--window-size=1200,900", "about:blank"],
            pass_fds=(3, 4), preexec_fn=fds,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def send(self, method, params=None, session=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self.read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})
            self.events.append(reply)

    def read(self):
        while b"\0" not in self.buf:
            chunk = os.read(self.from_child, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def wait_event(self, method, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            for i, e in enumerate(self.events):
                if e.get("method") == method:
                    return self.events.pop(i)
            self.events.append(self.read())
        raise RuntimeError("no " + method)

    def js(self, expression):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError("%s: %s" % (expression, r["exceptionDetails"]))
        return r["result"].get("value")

    def key(self, key, code, vk, text=None):
        down = {"type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": vk,
                "nativeVirtualKeyCode": vk}
        if text:
            down["text"] = text
        self.send("Input.dispatchKeyEvent", down)
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": code,
                                             "windowsVirtualKeyCode": vk,
                                             "nativeVirtualKeyCode": vk})

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        subprocess.call(["rm", "-rf", self.profile])


def section(name):
    """A JS expression for the section of the analysis called name."""
    return "document.querySelector('section[id$=\"-%s\"]')" % name


def column(name, col):
    """JS: the text of column col in the rows the table of name shows now."""
    return ("Array.from(%s.querySelectorAll(':scope > .rows tbody tr'))"
            ".map(function (tr) { return tr.cells[%d].textContent; })" % (section(name), col))


def number(text):
    return float(text.replace(",", ""))


def main():
    b = Browser()
    try:
        target = b.send("Target.createTarget", {"url": "about:blank"}, session=False)
        b.session = b.send("Target.attachToTarget", {"targetId": target["targetId"],
                                                     "flatten": True},
                           session=False)["sessionId"]
        b.send("Page.enable")
        b.send("Runtime.enable")
        b.send("Page.navigate", {"url": "file://" + os.path.abspath(page)})
        b.wait_event("Page.loadEventFired")
        check("the page's script ran", b.js("document.body.getAttribute('data-ready')") == "yes")
        errors = [e for e in b.events if e.get("method") == "Runtime.exceptionThrown"]
        check("no script errors", not errors, errors)

        # Every row is there, paged.
        subnets = table_csv("subnets")
        matches = b.js("%s.querySelector(':scope > .rows').getAttribute('data-matches')" % section("subnets"))
        check("the subnets table holds every row (%d)" % len(subnets),
              matches == str(len(subnets)), matches)
        shown = b.js(column("subnets", 0))
        check("the first page shows 25 rows", len(shown) == min(25, len(subnets)), len(shown))
        b.js("%s.querySelector('.pager button:last-child').click()" % section("subnets"))
        page2 = b.js(column("subnets", 0))
        check("the next page shows the next rows",
              page2 == [r["subnet"] for r in subnets[25:50]], page2[:3])

        # Sort by hosts (a click: numbers, largest first), then by subnet (Enter on the
        # header's button: addresses in address order).
        b.js("%s.querySelectorAll('thead th button')[1].click()" % section("subnets"))
        hosts = [number(v) for v in b.js(column("subnets", 1))]
        want = sorted((int(r["hosts"]) for r in subnets), reverse=True)[:25]
        check("sorted by hosts, largest first, as numbers", hosts == want,
              "got %s\nwant %s" % (hosts[:8], want[:8]))
        check("the header says how it is sorted",
              b.js("%s.querySelectorAll('thead th')[1].getAttribute('aria-sort')"
                   % section("subnets")) == "descending")
        b.js("%s.querySelectorAll('thead th button')[0].focus()" % section("subnets"))
        b.key("Enter", "Enter", 13, "\r")
        got = b.js(column("subnets", 0))
        want = sorted((r["subnet"] for r in subnets),
                      key=lambda s: ipaddress.ip_network(s, strict=False))[:25]
        check("Enter on the subnet header sorts by address", got == want,
              "got %s\nwant %s" % (got[:5], want[:5]))
        b.key(" ", "Space", 32, " ")
        got = b.js(column("subnets", 0))
        want = sorted((r["subnet"] for r in subnets),
                      key=lambda s: ipaddress.ip_network(s, strict=False), reverse=True)[:25]
        check("Space sorts the other way", got == want, "got %s\nwant %s" % (got[:5], want[:5]))

        # Filter: typed into the search box.
        needle = subnets[len(subnets) // 2]["subnet"].rsplit(".", 2)[0] + "."
        b.js("%s.querySelector('input[type=search]').focus()" % section("subnets"))
        b.send("Input.insertText", {"text": needle})
        want = sum(1 for r in subnets if any(needle.lower() in v.lower() for v in r.values()))
        got = b.js("%s.querySelector(':scope > .rows').getAttribute('data-matches')" % section("subnets"))
        check("filtering by '%s' leaves the %d matching rows" % (needle, want),
              got == str(want), got)
        rows = b.js(column("subnets", 0))
        check("and shows only those", rows and all(needle in s for s in rows), rows[:5])

        # Hover the first bar of the top subnets and read the tooltip.
        top = table_csv("top-subnets")
        b.js("%s.scrollIntoView()" % section("top-subnets"))
        rect = b.js("(function () { var r = %s.querySelector('.mark').getBoundingClientRect();"
                    " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
                    % section("top-subnets"))
        b.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": rect[0], "y": rect[1]})
        tip = b.js("(function () { var t = document.getElementById('tally-tooltip');"
                   " return t.hidden ? '' : t.textContent; })()")
        want = "%s: %s" % (top[0]["subnet"], "{:,}".format(int(top[0]["hosts"])))
        check("hovering the first bar shows its value (%s)" % want, tip == want, tip)
        visible = b.js("getComputedStyle(document.getElementById('tally-tooltip')).display")
        check("the tooltip is visible", visible != "none", visible)

        # Tab from the heading into the ports chart: its first bar has focus and shows
        # its value; the arrow key moves to the next bar.
        ports = table_csv("ports")
        b.js("(function () { var h = %s.querySelector('h2'); h.tabIndex = -1; h.focus(); })()"
             % section("ports"))
        b.key("Tab", "Tab", 9)
        focused = b.js("document.activeElement.getAttribute('aria-label')")
        tip = b.js("document.getElementById('tally-tooltip').textContent")
        label = "%s: %s" % (ports[0]["port"], "{:,}".format(int(ports[0]["hosts"])))
        check("Tab reaches the first bar of the ports chart (%s)" % label,
              focused is not None and focused.startswith(ports[0]["port"])
              and focused.endswith(": " + "{:,}".format(int(ports[0]["hosts"]))), focused)
        check("its tooltip shows the value", tip == focused, tip)
        b.key("ArrowRight", "ArrowRight", 39)
        focused = b.js("document.activeElement.getAttribute('aria-label')")
        check("the arrow key moves to the second bar",
              focused is not None and focused.startswith(ports[1]["port"])
              and focused.endswith(": " + "{:,}".format(int(ports[1]["hosts"]))), focused)

        # The Sankey's links: each names a pair of the app-stack table and its count.
        pairs = {(r["app"], r["stack"]): int(r["services"]) for r in table_csv("app-stack")}
        labels = b.js("Array.from(%s.querySelectorAll('.mark')).map(function (m) {"
                      " return m.getAttribute('aria-label'); })" % section("app-stack"))
        bad = []
        for text in labels:
            names, value = text.rsplit(": ", 1)
            app, stack = names.split(", ", 1)
            if app != "Other" and stack != "Other" and pairs.get((app, stack)) != number(value):
                bad.append(text)
        check("every Sankey link names a pair and its count (%d links)" % len(labels),
              labels and not bad, bad)

        # The address map's cells: each names its /24 and the hosts in it.
        blocks = {r["subnet"]: int(r["hosts"]) for r in table_csv("address-map")}
        labels = b.js("Array.from(%s.querySelectorAll('.mark')).map(function (m) {"
                      " return m.getAttribute('aria-label'); })" % section("address-map"))
        bad = [t for t in labels if blocks.get(t.rsplit(": ", 1)[0]) != number(t.rsplit(": ", 1)[1])]
        check("every address map cell names its block and hosts (%d cells)" % len(labels),
              labels and not bad, bad[:5])
    finally:
        b.close()
    print("1..%d" % len(results))
    return 0 if all(results) else 1


sys.exit(main())
