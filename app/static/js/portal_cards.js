// Phones (issue 14 item 5): tables written by hand (not by our FAB list/show widgets) get each cell's column label
// as data-label, from the table's header row, so that portal.css can show a row as a card of "label: value"
// lines at 360 px. Cells that already carry a data-label are left alone.
(function () {
  function headerLabels(table) {
    var row = table.tHead && table.tHead.rows.length ? table.tHead.rows[table.tHead.rows.length - 1] : null;
    if (!row) {
      var first = table.rows[0];
      if (first && first.cells.length && Array.prototype.every.call(first.cells, function (c) { return c.tagName === "TH"; })) {
        row = first;
      }
    }
    if (!row) return null;
    var labels = [];
    Array.prototype.forEach.call(row.cells, function (cell) {
      var span = cell.colSpan || 1;
      for (var i = 0; i < span; i++) labels.push((cell.textContent || "").trim());
    });
    return {row: row, labels: labels};
  }
  function label(table) {
    var header = headerLabels(table);
    if (!header) return;
    Array.prototype.forEach.call(Array.prototype.slice.call(table.tBodies).concat(table.tFoot ? [table.tFoot] : []), function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        if (row === header.row) { row.classList.add("portal-header-row"); return; }
        var col = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (!cell.hasAttribute("data-label") && header.labels[col]) cell.setAttribute("data-label", header.labels[col]);
          col += cell.colSpan || 1;
        });
      });
    });
  }
  function run() {
    Array.prototype.forEach.call(document.querySelectorAll("table"), function (table) {
      if (table.closest(".datepicker, .select2-container, .portal-no-cards")) return;
      if (!table.classList.contains("table")) table.classList.add("portal-cards");
      label(table);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run); else run();
})();
