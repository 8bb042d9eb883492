/**
 * Small server-rendered widgets: KPI tiles, horizontal bar lists, state badges.
 * @module
 */
import type { ComponentChildren } from "preact";

/** One KPI tile. */
export function Kpi(
  { label, value, hint, id }: { label: string; value: string; hint?: string; id?: string },
) {
  return (
    <div class="kpi" data-kpi={id ?? label}>
      <div class="kpi-value">{value}</div>
      <div class="kpi-label">{label}</div>
      {hint ? <div class="kpi-hint">{hint}</div> : null}
    </div>
  );
}

/** A row of KPI tiles. */
export function KpiRow({ children }: { children?: ComponentChildren }) {
  return <div class="kpis">{children}</div>;
}

/** One bar of {@link BarList}. */
export interface Bar {
  /** Label left of the bar. */
  label: string;
  /** Value (bar length is value / max). */
  value: number;
  /** CSS colour class: `good`, `bad` or none. */
  tone?: "good" | "bad";
}

/** Horizontal bars with labels and values, scaled to the largest. */
export function BarList({ bars, total }: { bars: Bar[]; total?: number }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const sum = total ?? bars.reduce((a, b) => a + b.value, 0);
  return (
    <div class="bars">
      {bars.map((b) => (
        <div class="bar-row" key={b.label}>
          <span class="bar-label">{b.label}</span>
          <span class="bar-track">
            <span
              class={`bar-fill ${b.tone ?? ""}`}
              style={`width:${((b.value / max) * 100).toFixed(1)}%`}
            />
          </span>
          <span class="bar-value">
            {b.value.toLocaleString("en-US")}
            {sum > 0 ? ` (${((b.value / sum) * 100).toFixed(1)}%)` : ""}
          </span>
        </div>
      ))}
    </div>
  );
}

/** A run state badge. */
export function StateBadge({ state, stale }: { state: string; stale?: boolean }) {
  return (
    <span class={`badge state-${state}`} title={stale ? "no update for over 5 minutes" : undefined}>
      {stale ? `${state}?` : state}
    </span>
  );
}

/** A titled card. */
export function Card(
  { title, children, wide }: { title: string; children?: ComponentChildren; wide?: boolean },
) {
  return (
    <section class={wide ? "card wide" : "card"}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}
