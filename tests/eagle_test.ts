/**
 * `eagle.ts`, the entry point of the single binary: it lists its subcommands and runs each
 * command's own `main` with the arguments after the subcommand's name.
 */
import assert from "node:assert/strict";
import { INTERNAL_SUBCOMMANDS, SUBCOMMANDS, usage } from "../eagle.ts";
import { VERSION } from "../version.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function eagle(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "eagle.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("eagle --help lists every subcommand; --version prints the version", async () => {
  const help = await eagle("--help");
  assert.equal(help.code, 0, help.stderr);
  assert.equal(help.stdout.trim(), usage());
  for (const name of Object.keys(SUBCOMMANDS)) {
    assert.match(help.stdout, new RegExp(`^  ${name} +\\S`, "m"), name);
  }
  assert.equal((await eagle()).stdout.trim(), usage(), "no arguments: the same help");
  const v = await eagle("--version");
  assert.match(v.stdout, new RegExp(`^eagle ${VERSION.replaceAll(".", "\\.")} \\(deno `));
});

Deno.test("every subcommand loads its command's main; internal ones stay out of --help", async () => {
  for (const [name, sub] of Object.entries({ ...SUBCOMMANDS, ...INTERNAL_SUBCOMMANDS })) {
    assert.equal(typeof await sub.load(), "function", name);
  }
  for (const name of Object.keys(INTERNAL_SUBCOMMANDS)) {
    assert.doesNotMatch(usage(), new RegExp(name));
  }
});

Deno.test("eagle <command> --help is the command's own help", async () => {
  const cases: [string[], RegExp][] = [
    [["train", "--help"], /Usage: .*train[\s\S]*--algo[\s\S]*\[default: ppo\]/],
    [["eval", "--help"], /--episodes N.*\[default: 100\]/],
    [["help", "record"], /--out FILE\.mp4\|FILE\.gif[\s\S]*--episodes N/],
    [["plot", "-h"], /--window N.*\[default: 100\]/],
    [["dashboard", "--help"], /--port N.*\[default: 8000\]/],
    [["serve", "--help"], /--port N.*\[default: 8000\]/],
    [["sweep", "--help"], /SWEEP\.json/],
  ];
  for (const [args, re] of cases) {
    const r = await eagle(...args);
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stdout, re, args.join(" "));
  }
});

Deno.test("eagle eval RUN is eval.ts RUN: same report, same exit code for a mistake", async () => {
  const out = await Deno.makeTempDir();
  const t = await eagle(
    ...["train", "--algo", "qlearning", "--env", "FrozenLake-v1", "--out", out, "--name", "fl"],
    "--quiet",
  );
  assert.equal(t.code, 0, t.stderr);
  const viaEagle = await eagle("eval", `${out}/fl`, "--json", "--episodes", "50");
  assert.equal(viaEagle.code, 0, viaEagle.stderr);
  const direct = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "eval.ts", `${out}/fl`, "--json", "--episodes", "50"],
    cwd: ROOT,
    stdout: "piped",
  }).output();
  const { evaluated_at: _a, ...a } = JSON.parse(viaEagle.stdout);
  const { evaluated_at: _b, ...b } = JSON.parse(new TextDecoder().decode(direct.stdout));
  assert.deepEqual(a, b);
  assert.equal(a.episodes, 50);

  const bad = await eagle("eval", `${out}/missing`);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr.trim(), /^error: Run folder ".*missing" does not exist$/);
  await Deno.remove(out, { recursive: true });
});
