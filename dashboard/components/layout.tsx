/**
 * The page frame: head with the stylesheets and the islands script, and the navigation bar.
 * @module
 */
import type { ComponentChildren } from "preact";

/** Props of {@link Layout}. */
export interface LayoutProps {
  /** Page title (after "Eagle — "). */
  title: string;
  /** Which nav entry is current. */
  nav?: "runs" | "sweeps" | "compare" | "docs";
  /** Page content. */
  children?: ComponentChildren;
}

/** A full HTML document around `children`. */
export function Layout({ title, nav, children }: LayoutProps) {
  const link = (href: string, key: LayoutProps["nav"], label: string) => (
    <a href={href} class={nav === key ? "current" : undefined}>{label}</a>
  );
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`Eagle — ${title}`}</title>
        <link rel="stylesheet" href="/static/islands.css" />
        <link rel="stylesheet" href="/static/style.css" />
        <script type="module" src="/static/islands.js"></script>
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/">Eagle</a>
          <nav>
            {link("/", "runs", "Runs")}
            {link("/sweeps", "sweeps", "Sweeps")}
            {link("/compare", "compare", "Compare")}
            {link("/api/docs", "docs", "API")}
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
