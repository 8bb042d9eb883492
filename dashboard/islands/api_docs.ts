/**
 * The `api-docs` island: sends each docs form (`form[data-op]`) with `fetch`, substituting
 * path parameters and adding query parameters, and shows the status and JSON answer.
 * @module
 */

/** Longest answer shown in full (a played episode can be long). */
const SHOW_CHARS = 20_000;

/** Mounts the island on `el` (which contains the forms). */
export function mountApiDocs(el: HTMLElement): void {
  for (const form of el.querySelectorAll<HTMLFormElement>("form[data-op]")) {
    form.onsubmit = async (e) => {
      e.preventDefault();
      const out = form.querySelector<HTMLElement>("pre.response")!;
      let path = form.dataset.path ?? "";
      const query = new URLSearchParams();
      for (const input of form.querySelectorAll<HTMLInputElement>("input[data-in]")) {
        if (input.dataset.in === "path") {
          path = path.replace(`{${input.name}}`, encodeURIComponent(input.value));
        } else if (input.value !== "") query.set(input.name, input.value);
      }
      const url = path + (query.size ? `?${query}` : "");
      const method = form.dataset.method ?? "GET";
      const body = form.querySelector("textarea")?.value;
      out.textContent = `${method} ${url} …`;
      const t0 = performance.now();
      try {
        const res = await fetch(url, {
          method,
          headers: body === undefined ? {} : { "content-type": "application/json" },
          body: method === "GET" ? undefined : body,
        });
        const text = await res.text();
        let shown = text;
        try {
          shown = JSON.stringify(JSON.parse(text), null, 2);
        } catch { /* not JSON: show as is */ }
        if (shown.length > SHOW_CHARS) {
          shown = shown.slice(0, SHOW_CHARS) + `\n… (${shown.length} characters)`;
        }
        out.textContent = `${method} ${url} → HTTP ${res.status} in ${
          Math.round(performance.now() - t0)
        } ms\n${shown}`;
        out.dataset.status = String(res.status);
      } catch (err) {
        out.textContent = `${method} ${url} failed: ${err instanceof Error ? err.message : err}`;
      }
    };
  }
}
