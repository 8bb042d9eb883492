/**
 * The OpenAPI 3.1 document of the REST API, generated from the route schemas of
 * `api_schema.ts` (the same declarations that validate requests), and the operations the
 * `/api/docs` page builds its forms from, read back out of that document: one contract,
 * written once.
 * @module
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { VERSION } from "../version.ts";
import { MODEL_PATHS } from "./api_schema.ts";

/** A JSON Schema fragment. */
export type Schema = Record<string, unknown>;

/** One operation, as the docs page needs it. */
export interface Operation {
  /** HTTP method, lower case. */
  method: "get" | "post";
  /** Path with `{param}` placeholders. */
  path: string;
  /** One line. */
  summary: string;
  /** Longer description. */
  description: string;
  /** Path and query parameters. */
  parameters: { name: string; in: "path" | "query"; description: string; example?: string }[];
  /** Example request body (POST), pretty-printed in the docs form. */
  example?: Record<string, unknown>;
  /** Request body schema (POST). */
  body?: Schema;
  /** Success response schema. */
  response: Schema;
}

/** The OpenAPI 3.1 document of `api` (the routes under `/api`), with `/api` paths. */
export function openApiDocument(api: OpenAPIHono): Record<string, unknown> {
  const doc = api.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Eagle REST API",
      version: VERSION,
      description: "Trained reinforcement-learning policies and their run folders. " +
        `${MODEL_PATHS.join(", ")} are also served at the root, as the FastAPI tutorial's ` +
        "service has them. Errors carry FastAPI's detail and {error: {field, message}}. " +
        "Interactive forms: /api/docs.",
    },
  });
  const paths: Record<string, unknown> = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) paths[`/api${path}`] = item;
  return { ...doc, paths };
}

/** The operations of an OpenAPI document, in its order, as the docs page lists them. */
export function operationsOf(doc: Record<string, unknown>): Operation[] {
  const out: Operation[] = [];
  const paths = doc.paths as Record<string, Record<string, Schema>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of ["get", "post"] as const) {
      const op = item[method];
      if (!op) continue;
      const params = (op.parameters ?? []) as {
        name: string;
        in: string;
        description?: string;
        schema?: Schema;
      }[];
      const json = (op.requestBody as Schema | undefined)?.content as
        | Record<string, { schema: Schema }>
        | undefined;
      const body = json?.["application/json"]?.schema;
      const ok = (op.responses as Record<string, Schema>)["200"]?.content as
        | Record<string, { schema: Schema }>
        | undefined;
      out.push({
        method,
        path,
        summary: String(op.summary ?? ""),
        description: String(op.description ?? ""),
        parameters: params
          .filter((p) => p.in === "path" || p.in === "query")
          .map((p) => {
            const description = p.description ?? String(p.schema?.description ?? "");
            const example = p.schema?.default ?? p.schema?.example;
            return {
              name: p.name,
              in: p.in as "path" | "query",
              description,
              ...(example === undefined ? {} : { example: String(example) }),
            };
          }),
        ...(body
          ? {
            body,
            ...(body.example ? { example: body.example as Record<string, unknown> } : {}),
          }
          : {}),
        response: ok?.["application/json"]?.schema ?? {},
      });
    }
  }
  return out;
}
