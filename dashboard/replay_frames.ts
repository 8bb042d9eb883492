/**
 * The replay page's episode: the server plays one greedy episode and draws every step with the
 * env's own `render()` (the terrain, flags, flames and particles the env really has), each frame
 * a lossless PNG, streamed with the step's action and reward in the record format of
 * `islands/protocol.ts` (`ReplayRecord`). The stream is pulled a frame at a time: the server
 * renders only as fast as the page reads, and stops as soon as the page goes away.
 * @module
 */
import type { Policy } from "../agents/algorithm.ts";
import { envSpec, isSuccess, make } from "../envs/registry.ts";
import type { Action, AnyEnv, RgbaFrame } from "../envs/types.ts";
import { encodePng } from "../render/png.ts";
import type { CheckpointChoice, ReplayRecord } from "./islands/protocol.ts";
import { HttpError } from "./validate.ts";

/** Steps after which a replay is cut: an env without a time limit could play forever. */
export const REPLAY_STEP_CAP = 5000;

/** Options of {@link replayStream}. */
export interface ReplayOptions {
  /** Env id. */
  env: string;
  /** Env options of the run. */
  envOptions?: Record<string, unknown>;
  /** Seed to reset with. */
  seed: number;
  /** Checkpoint the policy was loaded from (reported in the meta record). */
  checkpoint: CheckpointChoice;
  /** Steps after which the episode is cut (default {@link REPLAY_STEP_CAP}). */
  stepCap?: number;
}

const enc = new TextEncoder();

/** One record of the stream: u32 length + JSON, u32 length + PNG (empty: no frame). */
export function encodeRecord(record: ReplayRecord, png: Uint8Array | null = null): Uint8Array {
  const json = enc.encode(JSON.stringify(record));
  const image = png ?? new Uint8Array(0);
  const out = new Uint8Array(8 + json.length + image.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length);
  out.set(json, 4);
  view.setUint32(4 + json.length, image.length);
  out.set(image, 8 + json.length);
  return out;
}

/**
 * Plays one greedy episode of `policy` and streams it. Throws an `HttpError` 409 before
 * anything is sent when the env cannot be built or cannot render.
 */
export function replayStream(policy: Policy, options: ReplayOptions): ReadableStream<Uint8Array> {
  let env: AnyEnv;
  try {
    env = make(options.env, options.envOptions ?? {});
  } catch (err) {
    throw new HttpError(409, "run", `Cannot build ${options.env}: ${message(err)}`);
  }
  if (!env.render) {
    env.close();
    throw new HttpError(409, "run", `${options.env} cannot render frames, so it has no replay`);
  }
  const render = env.render.bind(env);
  const spec = envSpec(options.env);
  const cap = options.stepCap ?? REPLAY_STEP_CAP;
  const png = (frame: RgbaFrame) => encodePng(frame);
  let obs = env.reset({ seed: options.seed }).obs;
  let step = 0, total = 0, finished = false, terminated = false;
  let closed = false;
  const close = () => {
    if (!closed) env.close();
    closed = true;
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      const frame = render();
      controller.enqueue(encodeRecord({
        kind: "meta",
        env: options.env,
        seed: options.seed,
        checkpoint: options.checkpoint,
        fps: spec.renderFps ?? 30,
        width: frame.width,
        height: frame.height,
        action_names: spec.actionNames ? [...spec.actionNames] : null,
      }, png(frame)));
    },
    pull(controller) {
      try {
        if (finished || step >= cap) {
          controller.enqueue(encodeRecord({
            kind: "end",
            steps: step,
            total_reward: total,
            success: isSuccess(options.env, total),
            terminated,
          }));
          close();
          controller.close();
          return;
        }
        const { action } = policy.decide(obs);
        const r = env.step(action as Action);
        step++;
        total += r.reward;
        obs = r.obs;
        terminated = r.terminated;
        finished = r.terminated || r.truncated;
        controller.enqueue(encodeRecord({
          kind: "step",
          step,
          action: typeof action === "number" ? action : Array.from(action, round),
          reward: round(r.reward),
          return: round(total),
        }, png(render())));
      } catch (err) {
        controller.enqueue(encodeRecord({ kind: "error", message: message(err) }));
        close();
        controller.close();
      }
    },
    cancel() {
      // The page went away (or asked for another episode): stop playing.
      close();
    },
  });
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
