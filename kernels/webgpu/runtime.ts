/**
 * The machinery shared by the WebGPU learners: buffers, static uniforms, the ring of per-step
 * constants, a recorder that batches many dispatches into one submit, and the single readback.
 *
 * CPU–GPU sync points are marked `SYNC` in comments; there is exactly one per readback.
 * @module
 */

import { type GpuContext, GpuDeviceError } from "./device.ts";
import {
  type Constants,
  type KernelDef,
  type KernelPipeline,
  PipelineCache,
} from "./pipeline_cache.ts";
import { SHADER_SOURCES } from "./shaders.ts";

/** Buffer usages of a storage buffer that can be written from and read back to the host. */
export const STORAGE_USAGE: number = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST |
  GPUBufferUsage.COPY_SRC;

/** A device with its pipeline cache: one per backend. */
export class GpuRuntime {
  /** The device. */
  readonly ctx: GpuContext;
  /** Compiled pipelines. */
  readonly cache: PipelineCache;

  /** Wraps a device. */
  constructor(ctx: GpuContext) {
    this.ctx = ctx;
    this.cache = new PipelineCache(ctx.device, SHADER_SOURCES);
  }

  /** The device. */
  get device(): GPUDevice {
    return this.ctx.device;
  }

  /** A storage buffer of `floats` float32s (at least 16 bytes), zero-filled. */
  storage(floats: number, label: string): GPUBuffer {
    return this.device.createBuffer({
      size: Math.max(16, Math.ceil(floats / 4) * 16),
      usage: STORAGE_USAGE,
      label,
    });
  }

  /** The pipeline of `def` with `constants` (compiled once per process). */
  pipeline(def: KernelDef, constants: Constants = {}): Promise<KernelPipeline> {
    return this.cache.get(def, constants);
  }
}

/** One recorded dispatch: a pipeline, its group-0 bind group and its workgroup counts. */
export interface Dispatch {
  /** Pipeline to run. */
  readonly pipeline: GPUComputePipeline;
  /** Group 0. */
  readonly group: GPUBindGroup;
  /** Workgroups along x, y, z. */
  readonly grid: readonly [number, number, number];
  /** Whether group 1 (the step uniform) must be bound. */
  readonly step: boolean;
}

/** Workgroup counts covering `n` items with 64-wide workgroups (2-D past 65535 groups). */
export function grid1d(n: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(n / 64));
  if (groups <= 65535) return [groups, 1, 1];
  return [65535, Math.ceil(groups / 65535), 1];
}

/** A value of a uniform block: `u32` or `f32`. */
export type UniformField = { u: number } | { f: number };

/**
 * Uniform blocks that never change for the life of a learner (shapes, offsets, coefficients),
 * each at an aligned offset of one buffer and written once when added.
 */
export class UniformArena {
  readonly #rt: GpuRuntime;
  readonly #align: number;
  readonly #capacity: number;
  #used = 0;
  /** The buffer holding every block. */
  readonly buffer: GPUBuffer;

  /** An arena for up to `blocks` blocks of at most 64 bytes. */
  constructor(rt: GpuRuntime, blocks: number, label: string) {
    this.#rt = rt;
    this.#align = Math.max(64, rt.device.limits.minUniformBufferOffsetAlignment);
    this.#capacity = blocks * this.#align;
    this.buffer = rt.device.createBuffer({
      size: this.#capacity,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      label,
    });
  }

  /** Writes a block and returns its binding resource. */
  add(fields: readonly UniformField[]): GPUBufferBinding {
    const size = Math.max(16, Math.ceil(fields.length / 4) * 16);
    if (size > 64) throw new RangeError(`Uniform block of ${fields.length} fields is too large`);
    if (this.#used + this.#align > this.#capacity) {
      throw new RangeError(`Uniform arena full (${this.#capacity / this.#align} blocks)`);
    }
    const data = new ArrayBuffer(size);
    const u = new Uint32Array(data);
    const f = new Float32Array(data);
    fields.forEach((field, i) => {
      if ("u" in field) u[i] = field.u;
      else f[i] = field.f;
    });
    const offset = this.#used;
    this.#used += this.#align;
    this.#rt.device.queue.writeBuffer(this.buffer, offset, data);
    return { buffer: this.buffer, offset, size };
  }
}

/** The per-step constants of `wgsl/step.wgsl`. */
export interface StepValues {
  /** Adam learning rate. */
  lr?: number;
  /** `1 − β1^t`. */
  bc1?: number;
  /** `1 − β2^t`. */
  bc2?: number;
  /** Adam β1. */
  beta1?: number;
  /** Adam β2. */
  beta2?: number;
  /** Adam ε. */
  eps?: number;
  /** Decoupled weight decay. */
  weightDecay?: number;
  /** Polyak coefficient. */
  tau?: number;
  /** RNG stream (DQN step or PPO epoch). */
  counter?: number;
  /** Replay size or rollout size. */
  size?: number;
  /** First permutation position of a minibatch. */
  offset?: number;
  /** Global-norm clipping threshold. */
  maxNorm?: number;
}

const STEP_BYTES = 48;

/**
 * Records dispatches into one command encoder and one compute pass, and the per-step constants
 * they use into a ring of uniform slots bound with dynamic offsets. `submit` writes the used
 * slots with ONE `writeBuffer` and submits everything recorded so far; no step ever causes a
 * `writeBuffer` or a submit of its own. When the ring is full, `step` submits what came before
 * (the queue runs writes and submits in order, so reusing the slots afterwards is safe).
 */
export class Recorder {
  readonly #rt: GpuRuntime;
  readonly #slotBytes: number;
  readonly #slots: number;
  readonly #ring: GPUBuffer;
  readonly #staging: ArrayBuffer;
  readonly #stagingU32: Uint32Array;
  readonly #stagingF32: Float32Array;
  /** Group 1: the step ring, bound with a dynamic offset. */
  readonly stepGroup: GPUBindGroup;
  #used = 0;
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #errors: Promise<GPUError | null>[] = [];
  #spare: GPUBuffer[] = [];
  /** Submits made so far (for tests and benchmarks). */
  submits = 0;

  /** A recorder whose ring holds `slots` steps between submits. */
  constructor(rt: GpuRuntime, slots = 1024) {
    this.#rt = rt;
    this.#slotBytes = Math.max(STEP_BYTES, rt.device.limits.minUniformBufferOffsetAlignment);
    this.#slots = slots;
    this.#ring = rt.device.createBuffer({
      size: this.#slotBytes * slots,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      label: "step ring",
    });
    this.#staging = new ArrayBuffer(this.#slotBytes * slots);
    this.#stagingU32 = new Uint32Array(this.#staging);
    this.#stagingF32 = new Float32Array(this.#staging);
    this.stepGroup = rt.device.createBindGroup({
      layout: rt.cache.stepLayout(),
      entries: [{ binding: 0, resource: { buffer: this.#ring, offset: 0, size: STEP_BYTES } }],
    });
  }

  /** Whether anything is recorded and not yet submitted. */
  get pending(): boolean {
    return this.#encoder !== null;
  }

  /** Frees the step ring and the readback buffers. */
  destroy(): void {
    this.#ring.destroy();
    for (const b of this.#spare) b.destroy();
    this.#spare = [];
  }

  /** Appends one step's constants and returns its dynamic offset. */
  step(values: StepValues): number {
    if (this.#used === this.#slots) this.submit();
    const slot = this.#used++;
    const f = this.#stagingF32;
    const u = this.#stagingU32;
    const at = (slot * this.#slotBytes) / 4;
    f[at + 0] = values.lr ?? 0;
    f[at + 1] = values.bc1 ?? 1;
    f[at + 2] = values.bc2 ?? 1;
    f[at + 3] = values.beta1 ?? 0;
    f[at + 4] = values.beta2 ?? 0;
    f[at + 5] = values.eps ?? 0;
    f[at + 6] = values.weightDecay ?? 0;
    f[at + 7] = values.tau ?? 0;
    u[at + 8] = (values.counter ?? 0) >>> 0;
    u[at + 9] = (values.size ?? 0) >>> 0;
    u[at + 10] = (values.offset ?? 0) >>> 0;
    f[at + 11] = values.maxNorm ?? 0;
    return slot * this.#slotBytes;
  }

  #computePass(): GPUComputePassEncoder {
    if (!this.#pass) {
      this.#encoder ??= this.#rt.device.createCommandEncoder();
      this.#pass = this.#encoder.beginComputePass();
    }
    return this.#pass;
  }

  /** Records dispatches; those that use the step uniform get `stepOffset`. */
  dispatch(list: readonly Dispatch[], stepOffset = 0): void {
    const pass = this.#computePass();
    for (const d of list) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.group);
      if (d.step) pass.setBindGroup(1, this.stepGroup, [stepOffset]);
      pass.dispatchWorkgroups(d.grid[0], d.grid[1], d.grid[2]);
    }
  }

  /** The command encoder, with the compute pass closed (for copies and clears). */
  encoder(): GPUCommandEncoder {
    this.#pass?.end();
    this.#pass = null;
    this.#encoder ??= this.#rt.device.createCommandEncoder();
    return this.#encoder;
  }

  /**
   * Submits everything recorded so far (after one `writeBuffer` of the used step slots). Cheap:
   * it does not wait for the device. Validation errors are collected for the next readback.
   */
  submit(): void {
    this.#rt.ctx.check();
    if (!this.#encoder) return;
    const device = this.#rt.device;
    if (this.#used > 0) {
      device.queue.writeBuffer(this.#ring, 0, this.#staging, 0, this.#used * this.#slotBytes);
      this.#used = 0;
    }
    this.#pass?.end();
    this.#pass = null;
    device.pushErrorScope("validation");
    device.queue.submit([this.#encoder.finish()]);
    this.#errors.push(device.popErrorScope());
    this.#encoder = null;
    this.submits++;
  }

  /**
   * Copies buffer ranges to the host: records the copies after everything queued (then
   * `after`, e.g. clearing accumulators that were just copied), submits, and
   * waits for the device (SYNC: the one CPU–GPU synchronisation of a flush/update). Rejects with
   * a `GpuDeviceError` if the device is lost or reported a validation error.
   */
  async read(
    ranges: readonly { buffer: GPUBuffer; offset: number; size: number }[],
    after?: (encoder: GPUCommandEncoder) => void,
  ): Promise<Float32Array[]> {
    const total = ranges.reduce((s, r) => s + r.size, 0);
    // Staging buffers are reused across readbacks (a spare one is taken while a read is in
    // flight, so overlapping reads never map the same buffer twice).
    const index = this.#spare.findIndex((b) => b.size >= total);
    const staging = index >= 0 ? this.#spare.splice(index, 1)[0] : this.#rt.device.createBuffer({
      size: Math.max(256, total),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      label: "readback",
    });
    let reusable = false;
    try {
      const encoder = this.encoder();
      let at = 0;
      for (const r of ranges) {
        encoder.copyBufferToBuffer(r.buffer, r.offset, staging, at, r.size);
        at += r.size;
      }
      after?.(encoder);
      this.submit();
      const errors = this.#errors;
      this.#errors = [];
      const lost = this.#rt.ctx.lost.then((info) => {
        throw new GpuDeviceError(`The WebGPU device was lost (${info.reason}) during a readback`);
      });
      // SYNC: wait for every submitted command, then map the staging buffer.
      await Promise.race([staging.mapAsync(GPUMapMode.READ), lost]);
      for (const e of await Promise.all(errors)) {
        if (e) throw new GpuDeviceError(`WebGPU validation error: ${e.message.trim()}`);
      }
      this.#rt.ctx.check();
      const data = new Float32Array(staging.getMappedRange(0, total).slice(0));
      staging.unmap();
      reusable = true;
      let offset = 0;
      return ranges.map((r) => {
        const part = data.subarray(offset / 4, (offset + r.size) / 4);
        offset += r.size;
        return part;
      });
    } catch (e) {
      if (e instanceof GpuDeviceError) throw e;
      // A failed map is usually the symptom of a lost device, whose notice may come a moment
      // later: give it that moment so the error names the real cause.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#rt.ctx.lost,
        new Promise((resolve) => timer = setTimeout(resolve, 100)),
      ]);
      clearTimeout(timer);
      this.#rt.ctx.check();
      throw new GpuDeviceError(`WebGPU readback failed: ${e instanceof Error ? e.message : e}`, {
        cause: e,
      });
    } finally {
      if (reusable) this.#spare.push(staging);
      else staging.destroy();
    }
  }
}

/** A bind group for group 0 of `kernel`, binding `resources` in order. */
export function bindGroup(
  rt: GpuRuntime,
  kernel: KernelPipeline,
  resources: readonly (GPUBuffer | GPUBufferBinding)[],
): GPUBindGroup {
  return rt.device.createBindGroup({
    layout: kernel.group0,
    entries: resources.map((r, binding) => ({
      binding,
      resource: r instanceof GPUBuffer ? { buffer: r } : r,
    })),
  });
}

/** A dispatch of `kernel` over `grid` with group 0 bound to `resources`. */
export function makeDispatch(
  rt: GpuRuntime,
  kernel: KernelPipeline,
  resources: readonly (GPUBuffer | GPUBufferBinding)[],
  grid: readonly [number, number, number],
): Dispatch {
  return {
    pipeline: kernel.pipeline,
    group: bindGroup(rt, kernel, resources),
    grid,
    step: kernel.group1 !== null,
  };
}
