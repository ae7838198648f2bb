/* report.js: what makes the report page explorable, written into the page by html.c:
 * tables sorted by a header (click, Enter or Space), filtered by a search box and paged
 * through every row the page holds; chart marks that show their value on hover and focus
 * (arrow keys move between the marks of one chart). Plain DOM, no library. */
(function () {
  "use strict";
  var PAGE_ROWS = 25;
  var FILTER_ROWS = 10;   /* a shorter table needs no search box */

  function thousands(n) {
    var s = String(Math.abs(n)).split(".");
    s[0] = s[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (n < 0 ? "-" : "") + s.join(".");
  }

  /* A cell as the page shows it, after the column's kind. */
  function shown(kind, v) {
    if (v === null || v === undefined) return "";
    if (typeof v === "string") return v;
    if (kind === "int") return thousands(v);
    if (kind === "real") {
      var r = Math.round(Math.abs(v) * 100) / 100;
      var whole = Math.floor(r), cents = Math.round((r - whole) * 100);
      return (v < 0 && r > 0 ? "-" : "") + thousands(whole) + "." + (cents < 10 ? "0" : "") + cents;
    }
    if (kind === "time") {
      var d = new Date(v * 1000);
      return d.toISOString().slice(0, 16).replace("T", " ");
    }
    return String(v);
  }

  /* A sort key for text: IPv4 and IPv6 addresses and subnets by address then length,
   * other text as itself (compared naturally). */
  function addressKey(s) {
    var m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(s);
    var hex = "", i;
    if (m) {
      for (i = 1; i <= 4; i++) hex += ("0" + (+m[i]).toString(16)).slice(-2);
      return "4" + hex + ("00" + (m[5] === undefined ? 32 : +m[5])).slice(-3);
    }
    m = /^([0-9a-fA-F:]*:[0-9a-fA-F:]*)(?:\/(\d{1,3}))?$/.exec(s);
    if (!m || m[1].indexOf(":::") >= 0) return null;
    var halves = m[1].split("::");
    if (halves.length > 2) return null;
    var head = halves[0] ? halves[0].split(":") : [];
    var tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
    var fill = 8 - head.length - tail.length;
    if (fill < 0 || (halves.length === 1 && fill !== 0)) return null;
    var groups = head.concat(new Array(fill + 1).join("0").split(""), tail);
    for (i = 0; i < 8; i++) hex += ("0000" + groups[i]).slice(-4).toLowerCase();
    return "6" + hex + ("00" + (m[2] === undefined ? 128 : +m[2])).slice(-3);
  }

  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  /* What a cell sorts by: a number, an address key ({k: "4c0a80000024"}) or its text;
   * worked out once per cell, not once per comparison. */
  function sortKey(v) {
    if (v === null || typeof v === "number") return v;
    var k = addressKey(v);
    return k === null ? v : { k: k };
  }

  function compareKeys(a, b) {
    if (a === b) return 0;
    if (a === null) return 1;
    if (b === null) return -1;
    if (typeof a === "number" && typeof b === "number") return a - b;
    if (typeof a === "object" && typeof b === "object") return a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
    return collator.compare(typeof a === "object" ? "" + a.k : String(a),
                            typeof b === "object" ? "" + b.k : String(b));
  }

  function setupTable(box) {
    var data = JSON.parse(document.getElementById(box.getAttribute("data-rows")).textContent);
    var table = box.querySelector("table"), tbody = table.tBodies[0];
    var heads = table.tHead.rows[0].cells;
    var order = data.rows.map(function (_, i) { return i; }), view = order;
    var state = { col: -1, dir: 1, page: 0, filter: "" };
    var text = null, keys = [];

    var controls = document.createElement("div");
    controls.className = "controls";
    var label = document.createElement("label");
    label.textContent = "Filter ";
    var search = document.createElement("input");
    search.type = "search";
    search.placeholder = "text in any column";
    label.appendChild(search);
    var status = document.createElement("span");
    status.className = "status";
    status.setAttribute("aria-live", "polite");
    controls.appendChild(label);
    controls.appendChild(status);
    if (data.rows.length > FILTER_ROWS) box.insertBefore(controls, box.firstChild);

    var pager = document.createElement("div");
    pager.className = "pager";
    var prev = document.createElement("button"), next = document.createElement("button");
    prev.type = next.type = "button";
    prev.textContent = "\u2190 Previous";
    next.textContent = "Next \u2192";
    pager.appendChild(prev);
    pager.appendChild(next);
    box.appendChild(pager);

    function draw() {
      var pages = Math.max(1, Math.ceil(view.length / PAGE_ROWS));
      if (state.page >= pages) state.page = pages - 1;
      var from = state.page * PAGE_ROWS, to = Math.min(view.length, from + PAGE_ROWS);
      var frag = document.createDocumentFragment();
      for (var i = from; i < to; i++) {
        var row = data.rows[view[i]], tr = document.createElement("tr");
        for (var c = 0; c < data.cols.length; c++) {
          var td = document.createElement("td");
          td.textContent = shown(data.cols[c].kind, row[c]);
          if (data.cols[c].kind !== "text" && data.cols[c].kind !== "time") td.className = "num";
          tr.appendChild(td);
        }
        frag.appendChild(tr);
      }
      tbody.textContent = "";
      tbody.appendChild(frag);
      box.setAttribute("data-matches", String(view.length));
      status.textContent = view.length === 0 ? "No rows match." :
        "Rows " + thousands(from + 1) + "\u2013" + thousands(to) + " of " + thousands(view.length) +
        (view.length < data.rows.length ? " (filtered from " + thousands(data.rows.length) + ")" : "") +
        (pages > 1 ? ", page " + (state.page + 1) + " of " + thousands(pages) : "");
      prev.disabled = state.page === 0;
      next.disabled = state.page >= pages - 1;
      pager.hidden = pages <= 1 && state.page === 0;
    }

    function apply() {
      var sorted = order;
      if (state.col >= 0) {
        var c = state.col, dir = state.dir;
        if (!keys[c]) keys[c] = data.rows.map(function (row) { return sortKey(row[c]); });
        var k = keys[c];
        sorted = order.slice().sort(function (a, b) {
          return dir * compareKeys(k[a], k[b]) || a - b;
        });
      }
      var q = state.filter.toLowerCase();
      if (q) {
        if (!text) {
          text = data.rows.map(function (row) {
            return row.map(function (v, c) { return shown(data.cols[c].kind, v); })
              .join("\u0001").toLowerCase();
          });
        }
        sorted = sorted.filter(function (i) { return text[i].indexOf(q) >= 0; });
      }
      view = sorted;
      draw();
    }

    Array.prototype.forEach.call(heads, function (th, c) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = th.textContent;
      button.title = "Sort by " + th.textContent;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        state.dir = state.col === c ? -state.dir : (data.cols[c].kind === "text" ? 1 : -1);
        state.col = c;
        state.page = 0;
        Array.prototype.forEach.call(heads, function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
        apply();
      });
    });
    search.addEventListener("input", function () {
      state.filter = search.value;
      state.page = 0;
      apply();
    });
    prev.addEventListener("click", function () { state.page--; draw(); });
    next.addEventListener("click", function () { state.page++; draw(); });
    apply();
  }

  /* One tooltip for the page, beside the mark that is hovered or focused. */
  var tip = document.createElement("div");
  tip.id = "tally-tooltip";
  tip.setAttribute("role", "tooltip");
  tip.hidden = true;

  function showTip(mark) {
    tip.textContent = mark.getAttribute("aria-label");
    tip.hidden = false;
    var r = mark.getBoundingClientRect();
    var x = r.left + r.width / 2 + window.scrollX, y = r.top + window.scrollY;
    tip.style.left = Math.max(4, Math.min(x - tip.offsetWidth / 2,
      document.documentElement.clientWidth - tip.offsetWidth - 4)) + "px";
    tip.style.top = Math.max(4, y - tip.offsetHeight - 6) + "px";
  }

  function hideTip() { tip.hidden = true; }

  function setupMarks(group) {
    var marks = group.querySelectorAll(".mark");
    Array.prototype.forEach.call(marks, function (mark, i) {
      mark.addEventListener("mouseenter", function () { showTip(mark); });
      mark.addEventListener("mouseleave", function () {
        if (document.activeElement !== mark) hideTip();
      });
      mark.addEventListener("focus", function () { showTip(mark); });
      mark.addEventListener("blur", hideTip);
      mark.addEventListener("keydown", function (e) {
        var to = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1,
                   Home: 0, End: marks.length - 1 }[e.key];
        if (to === undefined) return;
        e.preventDefault();
        to = Math.max(0, Math.min(marks.length - 1, to));
        mark.setAttribute("tabindex", "-1");
        marks[to].setAttribute("tabindex", "0");
        marks[to].focus();
      });
    });
  }

  function start() {
    document.body.appendChild(tip);
    Array.prototype.forEach.call(document.querySelectorAll(".rows[data-rows]"), setupTable);
    Array.prototype.forEach.call(document.querySelectorAll("g.marks"), setupMarks);
    document.body.setAttribute("data-ready", "yes");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
