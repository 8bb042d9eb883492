/**
 * `/api/docs`: one form per API operation, built from the OpenAPI operations, sent with
 * `fetch` by the `api-docs` island. Everything is served locally (no CDN).
 * @module
 */
import type { Operation } from "../openapi.ts";
import { Layout } from "../components/layout.tsx";
import { Island } from "../components/island.tsx";

/** Props of {@link ApiDocsPage}. */
export interface ApiDocsProps {
  /** The operations. */
  operations: readonly Operation[];
  /** Example bodies overriding the operations' own (fitted to the served model). */
  examples: Record<string, Record<string, unknown>>;
  /** A run id to prefill path parameters with. */
  exampleRun: string | null;
}

/** The interactive API page. */
export function ApiDocsPage({ operations, examples, exampleRun }: ApiDocsProps) {
  return (
    <Layout title="API" nav="docs">
      <h1>REST API</h1>
      <p class="meta">
        OpenAPI 3.1 document: <a href="/api/openapi.json">/api/openapi.json</a>. Errors are JSON
        {" "}
        <code>{`{"error": {"field": ..., "message": ...}}`}</code> with a 4xx status.
      </p>
      <Island name="api-docs" props={{}}>
        {operations.map((op) => {
          const key = `${op.method} ${op.path}`;
          const example = examples[key] ?? op.example;
          return (
            <form
              key={key}
              class="op"
              data-op={key}
              data-method={op.method.toUpperCase()}
              data-path={op.path}
            >
              <h3>
                <span class={`method ${op.method}`}>{op.method.toUpperCase()}</span>{" "}
                <code>{op.path}</code> — {op.summary}
              </h3>
              <p>{op.description}</p>
              {op.parameters.map((p) => (
                <label key={p.name} class="param">
                  <code>{p.name}</code> ({p.in}) {p.description}{" "}
                  <input
                    name={p.name}
                    data-in={p.in}
                    value={p.in === "path" ? exampleRun ?? "" : p.example ?? ""}
                  />
                </label>
              ))}
              {op.body
                ? (
                  <label class="param">
                    JSON body
                    <textarea name="body" rows={4} spellcheck={false}>
                      {JSON.stringify(example ?? {})}
                    </textarea>
                  </label>
                )
                : null}
              <button type="submit">Send</button>
              <pre class="response" aria-live="polite"></pre>
            </form>
          );
        })}
      </Island>
    </Layout>
  );
}
