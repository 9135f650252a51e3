(function () {
  "use strict";
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };
  document.documentElement.setAttribute("data-js", "ready");
  function key(cell) {
    var k = cell.getAttribute("data-sort");
    return k !== null ? k : cell.textContent.trim().toLowerCase();
  }
  function compare(a, b) {
    var na = Number(a), nb = Number(b);
    if (a !== "" && b !== "" && !isNaN(na) && !isNaN(nb)) { return na - nb; }
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  each(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells;
    each(heads, function (th, idx) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        each(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var c = compare(key(r1.cells[idx]), key(r2.cells[idx]));
          return asc ? c : -c;
        });
        each(rows, function (r) { body.appendChild(r); });
      });
    });
  });
  each(document.querySelectorAll(".filters"), function (box) {
    var table = document.getElementById(box.getAttribute("data-table"));
    var search = box.querySelector("input");
    var selects = box.querySelectorAll("select");
    var count = box.querySelector(".count");
    function apply() {
      var q = search ? search.value.trim().toLowerCase() : "";
      var shown = 0, rows = table.tBodies[0].rows;
      each(rows, function (row) {
        var ok = !q || row.textContent.toLowerCase().indexOf(q) >= 0;
        each(selects, function (s) {
          if (s.value && row.getAttribute("data-" + s.name) !== s.value) { ok = false; }
        });
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      if (count) { count.textContent = shown + " of " + rows.length + " shown"; }
    }
    box.addEventListener("input", apply);
    box.addEventListener("change", apply);
    apply();
  });
  // Printing (or saving as PDF) shows the diffs of migrated units, which are collapsed on screen.
  window.addEventListener("beforeprint", function () {
    each(document.querySelectorAll("details"), function (d) { d.open = true; });
  });
})();
