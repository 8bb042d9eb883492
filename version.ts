/** Eagle's version, kept equal to `version` in deno.json. */
export const VERSION = "0.1.0";
