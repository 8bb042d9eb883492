//!include step.wgsl
// adam: one fused Adam(W) step over every parameter of a learner, as PyTorch computes it:
// g = scale·grad (scale from grad_norm.wgsl when clipping), m = β1·m + (1 − β1)·g,
// v = β2·v + (1 − β2)·g², p −= lr·(m / bc1) / (sqrt(v / bc2) + eps), then the decoupled weight
// decay p −= lr·wd·p on the updated p (kernels/cpu/optim.ts does the same). Padded parameters
// have zero gradients and stay exactly zero.

struct Params {
  count: u32, // vec4s of parameters
}

override CLIP: bool = false; // read the clipping scale from `norm`

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> grads: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> norm: array<f32>;
@group(0) @binding(3) var<storage, read_write> params: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> m: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> v: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>) {
  let i = g.x + g.y * n.x * 64u;
  if (i >= p.count) { return; }
  var grad = grads[i];
  if (CLIP) { grad *= norm[0]; }
  let mi = step.beta1 * m[i] + (1.0 - step.beta1) * grad;
  let vi = step.beta2 * v[i] + (1.0 - step.beta2) * grad * grad;
  m[i] = mi;
  v[i] = vi;
  var pi = params[i] - step.lr * (mi / step.bc1) / (sqrt(vi / step.bc2) + step.eps);
  pi -= step.lr * step.weight_decay * pi;
  params[i] = pi;
}
