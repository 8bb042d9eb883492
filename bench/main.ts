/**
 * Benchmark entry point: `deno task bench <name> [--json] [flags]`, where `<name>` is one of
 * the suites below; each suite lives in `bench/<name>.ts` and exports `main(args)`.
 * @module
 */

const suites: Record<string, string> = {
  env: "environment steps/s: planck vs box2d-wasm, single and vector envs",
  kernels: "training-step throughput: Eagle WebGPU/CPU kernels vs TensorFlow.js",
  train: "learning quality: steps and seconds to a mean return of 200 on LunarLander",
  api:
    "REST API load: /api/predict and /api/health req/s and latency, /api/health during 300 concurrent /api/play",
  sweep: "sweep runner: --parallel 2 vs 1 speed-up, overhead per trial, TPE vs random",
};

const [name, ...rest] = Deno.args;
if (!name || name === "--help" || name === "-h" || !(name in suites)) {
  const list = Object.entries(suites).map(([k, v]) => `  ${k.padEnd(8)} ${v}`).join("\n");
  const msg = `Usage: deno task bench <suite> [--json] [suite flags]\n\nSuites:\n${list}`;
  if (name && name !== "--help" && name !== "-h") {
    console.error(`Unknown benchmark suite "${name}".\n\n${msg}`);
    Deno.exit(2);
  }
  console.log(msg);
  Deno.exit(0);
}
const mod: { main(args: string[]): Promise<void> } = await import(`./${name}.ts`);
await mod.main(rest);
