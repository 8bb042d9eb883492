/**
 * Which requests the server accepts at all. The Host header must name the interface the
 * server is bound to (or `localhost`, or a host given with `--allow-host`): otherwise a web
 * page whose domain re-resolves to 127.0.0.1 (DNS rebinding) could read the API from the
 * user's own browser. Requests from another site's page (a foreign `Origin`, or
 * `Sec-Fetch-Site: cross-site` other than following a link to a page) are refused too, so no
 * page can start plays or evaluations; scripts and the dashboard's own pages are unaffected.
 * @module
 */
import { hostname as osHostname, networkInterfaces } from "node:os";
import type { MiddlewareHandler } from "hono";
import { HttpError } from "./validate.ts";

/** The host names a server accepts, or `"any"` (`--allow-host '*'`). */
export type HostAllowList = ReadonlySet<string> | "any";

/**
 * The hosts a server bound to `bindHost` accepts: the bind address and `localhost`, every
 * local address and the machine's name when bound to all interfaces, and `extra`.
 */
export function allowedHosts(bindHost: string, extra: readonly string[] = []): HostAllowList {
  if (extra.includes("*")) return "any";
  const hosts = new Set<string>(["localhost", normalise(bindHost)]);
  if (bindHost === "localhost") ["127.0.0.1", "::1"].forEach((h) => hosts.add(h));
  if (bindHost === "0.0.0.0" || bindHost === "::") {
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) hosts.add(normalise(a.address));
    }
    hosts.add(normalise(osHostname()));
  }
  for (const h of extra) hosts.add(normalise(h));
  return hosts;
}

/** `Host`-header check for every request (pages too: they show run data). */
export function hostGuard(allowed: HostAllowList): MiddlewareHandler {
  return async (c, next) => {
    if (allowed !== "any") {
      const host = hostOf(c.req.header("host") ?? new URL(c.req.url).host);
      if (!allowed.has(host)) {
        throw new HttpError(
          403,
          null,
          `Host ${JSON.stringify(host)} is not served here (accepted: ${
            [...allowed].join(", ")
          }); start the server with --allow-host ${host} to accept it`,
        );
      }
    }
    await next();
  };
}

/**
 * Refuses what another site's page sends: any request with a foreign `Origin` (a form post, a
 * `fetch`), and any `Sec-Fetch-Site: cross-site` request but a navigation to a page (so links
 * to the dashboard still work; `isApi` paths refuse those too, since the API is for scripts).
 */
export function sameOriginGuard(
  allowed: HostAllowList,
  isApi: (path: string) => boolean,
): MiddlewareHandler {
  return async (c, next) => {
    const origin = c.req.header("origin");
    const site = c.req.header("sec-fetch-site");
    let foreign = site === "cross-site" &&
      (isApi(c.req.path) || c.req.header("sec-fetch-mode") !== "navigate");
    if (origin !== undefined && allowed !== "any") {
      let host: string | null = null;
      try {
        host = hostOf(new URL(origin).host);
      } catch { /* "null" and other opaque origins */ }
      foreign ||= host === null || !allowed.has(host);
    }
    if (foreign) {
      throw new HttpError(
        403,
        null,
        `Cross-site requests are refused (Origin ${JSON.stringify(origin ?? null)}, ` +
          `Sec-Fetch-Site ${JSON.stringify(site ?? null)}); call the API from a script or ` +
          "from this server's pages",
      );
    }
    await next();
  };
}

/** `Host` header value without its port, lower case, IPv6 without brackets. */
function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]") < 0 ? undefined : h.indexOf("]"));
  return normalise(h.replace(/:\d*$/, ""));
}

function normalise(host: string): string {
  return host.trim().toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
}
