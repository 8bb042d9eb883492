/**
 * The sweep page's ranked table in the browser: drawn from the same cells as the server's
 * (`components/sweep_view.ts`), redrawn at every poll, sorted by a clicked header (a second
 * click reverses; the order survives the redraws).
 * @module
 */
import {
  type CellPart,
  type Column,
  type Row,
  sortRows,
  sweepTable,
  type SweepView,
} from "../components/sweep_view.ts";

/** Appends `parts` to `el` as the server renders them: spans and links, space-separated. */
export function appendParts(el: HTMLElement, parts: readonly CellPart[]): void {
  parts.forEach((p, i) => {
    if (i > 0 && !p.glue) el.append(" ");
    const node = document.createElement(p.href ? "a" : "span");
    if (p.href) (node as HTMLAnchorElement).href = p.href;
    if (p.class) node.className = p.class;
    if (p.title) node.title = p.title;
    node.textContent = p.text;
    el.append(node);
  });
}

/** The live ranked table inside `box`. */
export class SweepTable {
  readonly #box: HTMLElement;
  #sort: { col: string; dir: "asc" | "desc" } | null = null;
  #columns: Column[] = [];
  #rows: Row[] = [];

  /** A table drawn into `box` (replacing the server's at the first {@link update}). */
  constructor(box: HTMLElement) {
    this.#box = box;
  }

  /** Redraws the table from `view`. */
  update(view: SweepView): void {
    const { columns, rows } = sweepTable(view);
    this.#columns = columns;
    this.#rows = rows;
    this.#draw();
  }

  #draw(): void {
    const table = document.createElement("table");
    table.className = "sweep-table";
    const head = table.createTHead().insertRow();
    this.#columns.forEach((c) => {
      const th = document.createElement("th");
      th.dataset.col = c.key;
      th.textContent = c.label;
      if (c.title) th.title = c.title;
      if (c.numeric) th.classList.add("num");
      if (c.sortable) {
        th.classList.add("sortable");
        th.tabIndex = 0;
        if (this.#sort?.col === c.key) th.dataset.dir = this.#sort.dir;
        const sort = () => this.#sortBy(c.key);
        th.onclick = sort;
        th.onkeydown = (e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            sort();
          }
        };
      }
      head.append(th);
    });
    const body = table.createTBody();
    const col = this.#sort ? this.#columns.findIndex((c) => c.key === this.#sort!.col) : -1;
    const rows = col >= 0 ? sortRows(this.#rows, col, this.#sort!.dir) : this.#rows;
    for (const r of rows) {
      const tr = body.insertRow();
      tr.dataset.config = r.key;
      if (r.best) tr.className = "best";
      r.cells.forEach((cell, i) => {
        const td = tr.insertCell();
        if (this.#columns[i].numeric) td.className = "num";
        appendParts(td, cell.parts);
      });
    }
    const active = document.activeElement;
    const focused = active instanceof HTMLElement && this.#box.contains(active)
      ? active.dataset.col
      : undefined;
    this.#box.replaceChildren(table);
    if (this.#sort) this.#box.dataset.sort = `${this.#sort.col}:${this.#sort.dir}`;
    // Keyboard users keep their place across redraws.
    if (focused) table.querySelector<HTMLElement>(`th[data-col="${focused}"]`)?.focus();
  }

  #sortBy(key: string): void {
    const numeric = this.#columns.find((c) => c.key === key)?.numeric ?? false;
    // Numbers open with the largest first (scores), text and the rank in reading order.
    const first = numeric && key !== "rank" ? "desc" : "asc";
    this.#sort = this.#sort?.col === key
      ? { col: key, dir: this.#sort.dir === "asc" ? "desc" : "asc" }
      : { col: key, dir: first };
    this.#draw();
  }
}
