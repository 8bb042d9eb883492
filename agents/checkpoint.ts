/**
 * Checkpoints in the safetensors format (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length, a JSON header giving each tensor's `dtype` (`F32`), `shape` and
 * `data_offsets` plus string-valued `__metadata__`, then the raw little-endian float32 data.
 *
 * Network checkpoints (`best.safetensors`, `latest.safetensors`) hold one tensor per weight and
 * bias, named and shaped as PyTorch's `nn.Sequential` of `nn.Linear` would (`q.0.weight` is
 * `[out, in]`; our flat layout is `[in][out]`, so weights are transposed on save and load), so
 * `safetensors.torch.load_file` gives a `state_dict` a matching PyTorch module loads. The
 * metadata names the format, the architecture, the env and the algorithm. Optimizer state
 * for resuming lives in a separate file ({@link saveTrainingState}).
 * @module
 */
import { writeFileAtomic } from "../core/atomic_write.ts";
import {
  actorCriticLayout,
  type ActorCriticShape,
  mlpLayers,
  paramCount,
} from "../kernels/layout.ts";
import type { LearnerState, MlpSpec } from "../kernels/types.ts";

/** Format tag written to `__metadata__.format` of network checkpoints. */
export const CHECKPOINT_FORMAT = "eagle-checkpoint/1";
/** Format tag of training-state files. */
export const STATE_FORMAT = "eagle-train-state/1";

/** A float32 tensor. */
export interface Tensor {
  /** Dimensions, outermost first. */
  shape: number[];
  /** Row-major values (`shape` product of them). */
  data: Float32Array;
}

/** A decoded safetensors file. */
export interface SafetensorsFile {
  /** Tensors by name, in file order. */
  tensors: Map<string, Tensor>;
  /** The `__metadata__` strings (empty when absent). */
  metadata: Record<string, string>;
}

/** A checkpoint file that cannot be read: corrupt, truncated, or not what was expected. */
export class CheckpointError extends TypeError {
  /** Creates the error; the message names the file and what is wrong. */
  constructor(message: string) {
    super(message);
    this.name = "CheckpointError";
  }
}

/** Serialises tensors and string metadata as safetensors bytes. */
export function encodeSafetensors(
  tensors: Iterable<[string, Tensor]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const list: Tensor[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new RangeError(`Tensor ${name} has shape [${t.shape}] but ${t.data.length} values`);
    }
    header[name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
    list.push(t);
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference implementation does.
  const enc = new TextEncoder();
  let headerBytes = enc.encode(json);
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad) {
    json += " ".repeat(pad);
    headerBytes = enc.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of list) {
    for (let k = 0; k < t.data.length; k++, at += 4) view.setFloat32(at, t.data[k], true);
  }
  return out;
}

/** Parses safetensors bytes; `source` (a path) names the file in error messages. */
export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsFile {
  const bad = (what: string) => new CheckpointError(`Checkpoint ${source} ${what}`);
  if (bytes.length < 8) {
    throw bad(`is truncated: ${bytes.length} bytes, shorter than the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8) {
    throw bad(
      `is truncated or not a safetensors file: its header claims ${headerLen} bytes but only ${
        bytes.length - 8
      } follow`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(
      bytes.subarray(8, 8 + headerLen),
    ));
  } catch (err) {
    throw bad(`has a corrupt header (not JSON): ${(err as Error).message}`);
  }
  if (!header || typeof header !== "object" || Array.isArray(header)) {
    throw bad("has a corrupt header: expected a JSON object");
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, Tensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      if (!entry || typeof entry !== "object") throw bad("has a corrupt __metadata__ entry");
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== "string") throw bad(`has a non-string __metadata__ value "${k}"`);
        metadata[k] = v;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e?.dtype !== "F32") {
      throw bad(`holds tensor "${name}" of dtype ${JSON.stringify(e?.dtype)}; only F32 is read`);
    }
    const shape = e.shape, offs = e.data_offsets;
    if (
      !Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0) ||
      !Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o))
    ) {
      throw bad(`has a corrupt entry for tensor "${name}"`);
    }
    const [begin, end] = offs as number[];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== 4 * count || begin < 0) {
      throw bad(
        `has a corrupt entry for tensor "${name}": shape [${shape}] needs ${
          4 * count
        } bytes, data_offsets [${begin}, ${end}] span ${end - begin}`,
      );
    }
    if (end > dataLen) {
      throw bad(`is truncated: tensor "${name}" ends at byte ${end} of ${dataLen} data bytes`);
    }
    const data = new Float32Array(count);
    const at = dataStart + begin;
    for (let k = 0; k < count; k++) data[k] = view.getFloat32(at + 4 * k, true);
    tensors.set(name, { shape: shape as number[], data });
  }
  return { tensors, metadata };
}

/** Writes a safetensors file atomically (a reader never sees half a checkpoint). */
export function saveSafetensors(
  path: string,
  tensors: Iterable<[string, Tensor]>,
  metadata: Record<string, string> = {},
): Promise<void> {
  return writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads a safetensors file; a missing or unreadable file gives an error naming it. */
export async function loadSafetensors(path: string): Promise<SafetensorsFile> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new CheckpointError(`Checkpoint ${path} does not exist`);
    }
    throw new CheckpointError(`Cannot read checkpoint ${path}: ${(err as Error).message}`);
  }
  return decodeSafetensors(bytes, path);
}

// ---------------------------------------------------------------------------------------------
// Networks

/** The architecture of a checkpointed network, stored as JSON in `__metadata__.architecture`. */
export type Architecture =
  | { kind: "q"; spec: MlpSpec }
  | { kind: "actor-critic"; shape: ActorCriticShape };

/** Tensor-name prefix and parameter offset of each MLP of an architecture. */
function mlpsOf(arch: Architecture): { prefix: string; spec: MlpSpec; offset: number }[] {
  if (arch.kind === "q") return [{ prefix: "q", spec: arch.spec, offset: 0 }];
  const layout = actorCriticLayout(arch.shape);
  return [
    { prefix: "actor", spec: layout.actor.spec, offset: layout.actor.offset },
    { prefix: "critic", spec: layout.critic.spec, offset: layout.critic.offset },
  ];
}

/** Number of parameters of an architecture. */
export function architectureSize(arch: Architecture): number {
  return arch.kind === "q" ? paramCount(arch.spec) : actorCriticLayout(arch.shape).total;
}

/**
 * PyTorch-named tensors of an architecture's flat parameters: `<mlp>.<2l>.weight` (`[out, in]`)
 * and `<mlp>.<2l>.bias` per layer (the indices of `nn.Linear` in an `nn.Sequential` that
 * alternates linear layers and activations), plus `actor_logstd` (`[1, dim]`, CleanRL's name)
 * for Gaussian heads.
 */
export function networkTensors(arch: Architecture, params: Float32Array): [string, Tensor][] {
  const want = architectureSize(arch);
  if (params.length !== want) {
    throw new RangeError(`The architecture has ${want} parameters, got ${params.length}`);
  }
  const out: [string, Tensor][] = [];
  for (const { prefix, spec, offset } of mlpsOf(arch)) {
    mlpLayers(spec, offset).forEach((layer, l) => {
      const { inSize, outSize, weightOffset, biasOffset } = layer;
      const w = new Float32Array(inSize * outSize);
      for (let i = 0; i < inSize; i++) {
        for (let j = 0; j < outSize; j++) {
          w[j * inSize + i] = params[weightOffset + i * outSize + j];
        }
      }
      out.push([`${prefix}.${2 * l}.weight`, { shape: [outSize, inSize], data: w }]);
      out.push([`${prefix}.${2 * l}.bias`, {
        shape: [outSize],
        data: params.slice(biasOffset, biasOffset + outSize),
      }]);
    });
  }
  if (arch.kind === "actor-critic" && arch.shape.action.kind === "continuous") {
    const ls = actorCriticLayout(arch.shape).logStd;
    out.push(["actor_logstd", {
      shape: [1, ls.count],
      data: params.slice(ls.offset, ls.offset + ls.count),
    }]);
  }
  return out;
}

/** The flat parameters of `arch` from its PyTorch-named tensors, checking every shape. */
export function paramsFromTensors(
  arch: Architecture,
  tensors: Map<string, Tensor>,
  source: string,
): Float32Array {
  const params = new Float32Array(architectureSize(arch));
  const take = (name: string, shape: number[]): Float32Array => {
    const t = tensors.get(name);
    if (!t) {
      throw new CheckpointError(
        `Checkpoint ${source} lacks tensor "${name}" that its architecture needs; it holds ${
          [...tensors.keys()].join(", ") || "no tensors"
        }`,
      );
    }
    if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
      throw new CheckpointError(
        `Checkpoint ${source} has tensor "${name}" of shape [${t.shape}], expected [${shape}]`,
      );
    }
    return t.data;
  };
  for (const { prefix, spec, offset } of mlpsOf(arch)) {
    mlpLayers(spec, offset).forEach((layer, l) => {
      const { inSize, outSize, weightOffset, biasOffset } = layer;
      const w = take(`${prefix}.${2 * l}.weight`, [outSize, inSize]);
      for (let i = 0; i < inSize; i++) {
        for (let j = 0; j < outSize; j++) {
          params[weightOffset + i * outSize + j] = w[j * inSize + i];
        }
      }
      params.set(take(`${prefix}.${2 * l}.bias`, [outSize]), biasOffset);
    });
  }
  if (arch.kind === "actor-critic" && arch.shape.action.kind === "continuous") {
    const ls = actorCriticLayout(arch.shape).logStd;
    params.set(take("actor_logstd", [1, ls.count]), ls.offset);
  }
  return params;
}

/** What a network checkpoint says about itself. */
export interface CheckpointInfo {
  /** Algorithm id. */
  algo: string;
  /** Env id. */
  env: string;
  /** Env steps taken when saved. */
  globalStep: number;
}

/** The index of the first non-finite value, or −1. */
function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** Saves a network checkpoint (atomically); refuses parameters that are not all finite. */
export function saveNetworkCheckpoint(
  path: string,
  arch: Architecture,
  params: Float32Array,
  info: CheckpointInfo,
): Promise<void> {
  const bad = firstNonFinite(params);
  if (bad >= 0) {
    throw new CheckpointError(
      `Refusing to save ${path}: parameter ${bad} is ${params[bad]} (the run diverged)`,
    );
  }
  return saveSafetensors(path, networkTensors(arch, params), {
    format: CHECKPOINT_FORMAT,
    architecture: JSON.stringify(arch),
    algo: info.algo,
    env: info.env,
    global_step: String(info.globalStep),
  });
}

/** A loaded network checkpoint. */
export interface NetworkCheckpoint extends CheckpointInfo {
  /** The architecture recorded in the file. */
  arch: Architecture;
  /** Flat parameters in the kernels' layout. */
  params: Float32Array;
}

/**
 * Loads a network checkpoint, checking its format tag, architecture and every tensor shape;
 * `expect` (optional) must match the file's algorithm and env.
 */
export async function loadNetworkCheckpoint(
  path: string,
  expect: { algo?: string; env?: string } = {},
): Promise<NetworkCheckpoint> {
  const { tensors, metadata } = await loadSafetensors(path);
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      `Checkpoint ${path} is not an ${CHECKPOINT_FORMAT} file (format ${
        JSON.stringify(metadata.format ?? null)
      })`,
    );
  }
  let arch: Architecture;
  try {
    arch = JSON.parse(metadata.architecture);
    architectureSize(arch);
  } catch (err) {
    throw new CheckpointError(
      `Checkpoint ${path} has an invalid architecture entry: ${(err as Error).message}`,
    );
  }
  for (const key of ["algo", "env"] as const) {
    const want = expect[key];
    if (want !== undefined && metadata[key] !== want) {
      throw new CheckpointError(
        `Checkpoint ${path} was trained with ${key} ${metadata[key]}, expected ${want}`,
      );
    }
  }
  const params = paramsFromTensors(arch, tensors, path);
  const bad = firstNonFinite(params);
  if (bad >= 0) {
    throw new CheckpointError(
      `Checkpoint ${path} holds non-finite values (parameter ${bad} is ${params[bad]}): the ` +
        `run that wrote it diverged; train again with a smaller learningRate`,
    );
  }
  return {
    arch,
    params,
    algo: metadata.algo,
    env: metadata.env,
    globalStep: Number(metadata.global_step ?? 0),
  };
}

// ---------------------------------------------------------------------------------------------
// Training state (resume)

/** A training-state file: the learner's optimizer state plus the algorithm's counters. */
export interface TrainingState<C> {
  /** Parameters, target network, Adam moments and step. */
  learner: LearnerState;
  /** Counters and generator states (JSON-serialisable). */
  counters: C;
  /** Extra float32 tensors (e.g. a replay memory). */
  extra?: Map<string, Tensor>;
}

const flat = (data: Float32Array): Tensor => ({ shape: [data.length], data });

/** Saves the learner state and the algorithm's counters as one safetensors file (atomically). */
export function saveTrainingState<C>(path: string, state: TrainingState<C>): Promise<void> {
  const { learner } = state;
  const tensors: [string, Tensor][] = [
    ["params", flat(learner.params)],
    ["adam_m", flat(learner.adamM)],
    ["adam_v", flat(learner.adamV)],
  ];
  if (learner.target) tensors.push(["target", flat(learner.target)]);
  for (const [name, t] of state.extra ?? []) tensors.push([`extra.${name}`, t]);
  return saveSafetensors(path, tensors, {
    format: STATE_FORMAT,
    adam_step: String(learner.adamStep),
    counters: JSON.stringify(state.counters),
  });
}

/** Loads a training-state file whose parameter vectors must hold `paramCount` values. */
export async function loadTrainingState<C>(
  path: string,
  paramCount: number,
): Promise<TrainingState<C>> {
  const { tensors, metadata } = await loadSafetensors(path);
  if (metadata.format !== STATE_FORMAT) {
    throw new CheckpointError(
      `Training state ${path} is not an ${STATE_FORMAT} file (format ${
        JSON.stringify(metadata.format ?? null)
      })`,
    );
  }
  const vec = (name: string, optional = false): Float32Array | undefined => {
    const t = tensors.get(name);
    if (!t) {
      if (optional) return undefined;
      throw new CheckpointError(`Training state ${path} lacks tensor "${name}"`);
    }
    if (t.data.length !== paramCount) {
      throw new CheckpointError(
        `Training state ${path} has "${name}" of ${t.data.length} values, expected ${paramCount} ` +
          `(was it written for another architecture?)`,
      );
    }
    return t.data;
  };
  const adamStep = Number(metadata.adam_step);
  let counters: C;
  try {
    counters = JSON.parse(metadata.counters);
  } catch {
    throw new CheckpointError(`Training state ${path} has corrupt counters`);
  }
  if (!Number.isInteger(adamStep) || adamStep < 0) {
    throw new CheckpointError(`Training state ${path} has an invalid adam_step`);
  }
  const extra = new Map<string, Tensor>();
  for (const [name, t] of tensors) if (name.startsWith("extra.")) extra.set(name.slice(6), t);
  return {
    learner: {
      params: vec("params")!,
      target: vec("target", true),
      adamM: vec("adam_m")!,
      adamV: vec("adam_v")!,
      adamStep,
    },
    counters,
    extra,
  };
}
