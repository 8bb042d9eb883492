/**
 * The `sortable` island: clicking a `th[data-sort]` header sorts the table's rows by that
 * column (numbers by `data-value` or text), a second click reverses the order.
 * @module
 */

/** Mounts the island on `el` (which contains the table). */
export function mountSortable(el: HTMLElement): void {
  const table = el.querySelector("table");
  const tbody = table?.tBodies[0];
  if (!table || !tbody) return;
  const headers = [...table.querySelectorAll<HTMLTableCellElement>("th[data-sort]")];
  headers.forEach((th, col) => {
    th.classList.add("sortable");
    th.tabIndex = 0;
    const sort = () => {
      const dir = th.dataset.dir === "asc" ? "desc" : "asc";
      for (const h of headers) delete h.dataset.dir;
      th.dataset.dir = dir;
      const numeric = th.dataset.sort === "num";
      const key = (row: HTMLTableRowElement) => {
        const cell = row.cells[col];
        const raw = cell.dataset.value ?? cell.textContent ?? "";
        return numeric ? Number(raw.replace(/,/g, "")) : raw;
      };
      const rows = [...tbody.rows];
      rows.sort((a, b) => {
        const ka = key(a), kb = key(b);
        const c = ka < kb ? -1 : ka > kb ? 1 : 0;
        return dir === "asc" ? c : -c;
      });
      tbody.append(...rows);
    };
    th.onclick = sort;
    th.onkeydown = (e) => (e.key === "Enter" || e.key === " ") && sort();
  });
}
