/**
 * Compiled compute pipelines keyed by kernel and override constants, with explicit bind group
 * layouts, and shader compile errors reported with the kernel name, file, line and source line.
 * @module
 */

/** How a kernel binds one resource of group 0. */
export type BindingKind = "uniform" | "read" | "write";

/** A compute kernel: one `.wgsl` file and its bindings. */
export interface KernelDef {
  /** File name in `kernels/wgsl/`, e.g. `"adam.wgsl"`. */
  readonly file: string;
  /** Group 0 bindings, in binding order. */
  readonly bindings: readonly BindingKind[];
  /** Whether group 1 binding 0 is the per-step `Step` uniform (bound with a dynamic offset). */
  readonly step?: boolean;
}

/** Override constants of one pipeline (booleans as 0/1). */
export type Constants = Readonly<Record<string, number | boolean>>;

/** A pipeline and the layouts its bind groups are made from. */
export interface KernelPipeline {
  /** The kernel. */
  readonly def: KernelDef;
  /** The compiled pipeline. */
  readonly pipeline: GPUComputePipeline;
  /** Layout of group 0. */
  readonly group0: GPUBindGroupLayout;
  /** Layout of group 1 (the step uniform), when the kernel has one. */
  readonly group1: GPUBindGroupLayout | null;
}

/** Thrown when a WGSL kernel fails to compile or its pipeline cannot be created. */
export class ShaderCompileError extends Error {
  /** A message naming the kernel, with each diagnostic's file, line, column and source line. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ShaderCompileError";
  }
}

/** Where line `n` (1-based) of a composed shader came from. */
export interface SourceLine {
  /** WGSL file the line belongs to. */
  file: string;
  /** 1-based line number in that file. */
  line: number;
  /** The line's text. */
  text: string;
}

/** A shader with its `//!include` lines expanded, and where each line came from. */
export interface ComposedShader {
  /** The WGSL code. */
  code: string;
  /** Origin of each line of `code` (index = line − 1). */
  lines: SourceLine[];
}

/**
 * Expands `//!include other.wgsl` lines (each file at most once) from `sources` into one
 * module, keeping a map from composed line numbers back to files for error messages.
 */
export function composeShader(
  file: string,
  sources: Readonly<Record<string, string>>,
): ComposedShader {
  const lines: SourceLine[] = [];
  const seen = new Set<string>();
  const add = (name: string) => {
    const text = sources[name];
    if (text === undefined) throw new ShaderCompileError(`Unknown WGSL file "${name}"`);
    seen.add(name);
    text.split("\n").forEach((line, i) => {
      const m = /^\/\/!include\s+(\S+)\s*$/.exec(line);
      if (m) {
        if (!seen.has(m[1])) add(m[1]);
      } else {
        lines.push({ file: name, line: i + 1, text: line });
      }
    });
  };
  add(file);
  return { code: lines.map((l) => l.text).join("\n"), lines };
}

/** Formats compilation messages as `file:line:col severity: message`, the line and a caret. */
export function formatCompileMessages(
  kernel: string,
  shader: ComposedShader,
  messages: readonly GPUCompilationMessage[],
): string {
  const parts = messages.map((m) => {
    const origin = shader.lines[m.lineNum - 1];
    const where = origin ? `${origin.file}:${origin.line}:${m.linePos}` : `${kernel}:${m.lineNum}`;
    const summary = m.message.trim().split("\n")[0];
    let text = `  ${where} ${m.type}: ${summary}`;
    if (origin) {
      const gutter = String(origin.line).padStart(5);
      text += `\n${gutter} | ${origin.text}\n${" ".repeat(5)} | ${
        " ".repeat(Math.max(0, m.linePos - 1))
      }^`;
    }
    return text;
  });
  return `WGSL kernel "${kernel}" failed to compile:\n${parts.join("\n")}`;
}

const VISIBILITY = 4; // GPUShaderStage.COMPUTE

function layoutEntry(binding: number, kind: BindingKind): GPUBindGroupLayoutEntry {
  const type: GPUBufferBindingType = kind === "uniform"
    ? "uniform"
    : kind === "read"
    ? "read-only-storage"
    : "storage";
  return { binding, visibility: VISIBILITY, buffer: { type } };
}

/** Compiles each kernel once per set of override constants and hands out the pipelines. */
export class PipelineCache {
  readonly #device: GPUDevice;
  readonly #sources: Readonly<Record<string, string>>;
  readonly #modules = new Map<string, Promise<GPUShaderModule>>();
  readonly #pipelines = new Map<string, Promise<KernelPipeline>>();
  readonly #layouts = new Map<string, GPUBindGroupLayout>();

  /** A cache for `device`, with the WGSL files by name. */
  constructor(device: GPUDevice, sources: Readonly<Record<string, string>>) {
    this.#device = device;
    this.#sources = sources;
  }

  /** Number of distinct pipelines compiled so far. */
  get size(): number {
    return this.#pipelines.size;
  }

  #layout(kinds: readonly BindingKind[], dynamic: boolean): GPUBindGroupLayout {
    const key = `${kinds.join(",")}${dynamic ? "+dyn" : ""}`;
    let layout = this.#layouts.get(key);
    if (!layout) {
      const entries = kinds.map((k, i) => layoutEntry(i, k));
      if (dynamic) entries[0].buffer = { type: "uniform", hasDynamicOffset: true };
      layout = this.#device.createBindGroupLayout({ entries, label: key });
      this.#layouts.set(key, layout);
    }
    return layout;
  }

  /** Layout of the per-step uniform group (group 1). */
  stepLayout(): GPUBindGroupLayout {
    return this.#layout(["uniform"], true);
  }

  #module(file: string): Promise<GPUShaderModule> {
    let module = this.#modules.get(file);
    if (!module) {
      module = (async () => {
        const shader = composeShader(file, this.#sources);
        // The scope captures the compile error, which would otherwise reach the device's
        // uncaptured-error handler and fail every later operation on the device.
        this.#device.pushErrorScope("validation");
        const m = this.#device.createShaderModule({ code: shader.code, label: file });
        const scope = this.#device.popErrorScope();
        const info = await m.getCompilationInfo();
        const scoped = await scope;
        const errors = info.messages.filter((x) => x.type === "error");
        if (errors.length > 0) {
          throw new ShaderCompileError(formatCompileMessages(file, shader, errors));
        }
        if (scoped) {
          throw new ShaderCompileError(
            `WGSL kernel "${file}" is invalid: ${scoped.message.trim()}`,
          );
        }
        return m;
      })();
      module.catch(() => this.#modules.delete(file));
      this.#modules.set(file, module);
    }
    return module;
  }

  /**
   * The pipeline of `def` with `constants` (compiled on first request). Throws a
   * `ShaderCompileError` naming the kernel if the WGSL or the pipeline is invalid.
   */
  get(def: KernelDef, constants: Constants = {}): Promise<KernelPipeline> {
    const sorted = Object.keys(constants).sort().map((k) => [k, Number(constants[k])]);
    const key = `${def.file}|${JSON.stringify(sorted)}`;
    let entry = this.#pipelines.get(key);
    if (!entry) {
      entry = (async () => {
        const module = await this.#module(def.file);
        const group0 = this.#layout(def.bindings, false);
        const group1 = def.step ? this.stepLayout() : null;
        const layout = this.#device.createPipelineLayout({
          bindGroupLayouts: group1 ? [group0, group1] : [group0],
        });
        try {
          const pipeline = await this.#device.createComputePipelineAsync({
            label: key,
            layout,
            compute: { module, entryPoint: "main", constants: Object.fromEntries(sorted) },
          });
          return { def, pipeline, group0, group1 };
        } catch (e) {
          const why = e instanceof Error ? e.message : String(e);
          throw new ShaderCompileError(
            `WGSL kernel "${def.file}" failed to build a pipeline with constants ` +
              `${JSON.stringify(constants)}: ${why.trim()}`,
            { cause: e },
          );
        }
      })();
      // A failed compile is not cached, so a fixed source can be retried.
      entry.catch(() => this.#pipelines.delete(key));
      this.#pipelines.set(key, entry);
    }
    return entry;
  }
}
