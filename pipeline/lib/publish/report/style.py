"""The report's stylesheet and its one inline script (the vendor filter and sortable
tables): written into the page, never fetched."""

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
       color: #1f2937; background: #f3f4f6; }
header { background: #111827; color: #f9fafb; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; color: #9ca3af; }
header p.range { color: #e5e7eb; font-size: 15px; margin-bottom: 2px; }
main { padding: 20px 28px; max-width: 1320px; }
section { background: #fff; border-radius: 10px; padding: 16px 20px; margin-bottom: 18px;
          box-shadow: 0 1px 2px rgba(0,0,0,.06); }
h2 { font-size: 16px; margin: 0 0 10px; }
h3 { font-size: 14px; margin: 0 0 6px; }
.filters { display: flex; gap: 8px; flex-wrap: wrap; margin-top: 12px; }
.chip { background: #1f2937; border: 2px solid var(--c); border-radius: 999px;
        padding: 3px 12px; cursor: pointer; user-select: none; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr));
         gap: 14px; }
.card { border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px; }
.chart { display: block; width: 100%; height: auto; }
.scatter { display: block; width: 100%; max-width: 360px; height: auto; }
.grid { stroke: #e5e7eb; }
.grid.zero { stroke: #9ca3af; }
.band { fill: #e0f2fe; }
.diagonal { stroke: #64748b; stroke-dasharray: 4 3; }
.axis { fill: #6b7280; font-size: 12px; }
.bars { display: grid; grid-template-columns: minmax(220px, 38%) 1fr auto; gap: 6px 12px;
        align-items: center; }
.bar { display: contents; }
.bar-label { text-align: right; }
.bar-label .dot { margin: 0 0 0 6px; }
.track { background: #f1f5f9; border-radius: 4px; height: 16px; overflow: hidden; }
.fill { display: block; height: 100%; border-radius: 4px; }
.bar-value { font-variant-numeric: tabular-nums; white-space: nowrap; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr));
           gap: 8px; margin: 8px 0; }
.figure b { display: block; font-size: 20px; }
.figure span { color: #6b7280; font-size: 12px; }
.calibration { display: grid; grid-template-columns: 360px 1fr; gap: 18px; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 5px 8px; border-bottom: 1px solid #f1f5f9; text-align: left; }
th { color: #6b7280; font-weight: 600; font-size: 12px; }
th[data-sort] { cursor: pointer; }
th[data-sort]::after { content: " \\2195"; color: #cbd5e1; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.few { color: #9ca3af; font-style: italic; }
.dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 6px; }
.spark { width: 120px; height: 28px; }
.note, .empty { color: #6b7280; }
.hidden { display: none; }
"""

SCRIPT = """
for (const box of document.querySelectorAll("[data-filter]")) {
  box.addEventListener("change", () => {
    for (const el of document.querySelectorAll(`[data-vendor="${box.dataset.filter}"]`)) {
      el.classList.toggle("hidden", !box.checked);
    }
  });
}
for (const th of document.querySelectorAll("th[data-sort]")) {
  th.addEventListener("click", () => {
    const body = th.closest("table").tBodies[0];
    const column = [...th.parentNode.children].indexOf(th);
    const numeric = th.dataset.sort === "number";
    const down = th.dataset.order !== "desc";
    th.dataset.order = down ? "desc" : "asc";
    const key = (row) => {
      const cell = row.children[column];
      const value = cell.dataset.value ?? cell.textContent.trim();
      return numeric ? (value === "" ? -Infinity : Number(value)) : value.toLowerCase();
    };
    const rows = [...body.rows].sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      const order = x < y ? -1 : x > y ? 1 : 0;
      return down ? -order : order;
    });
    body.append(...rows);
  });
}
"""
