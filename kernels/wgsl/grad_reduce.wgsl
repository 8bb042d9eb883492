// grad_reduce: adds the per-split partial gradients of linear_backward_weights,
// grads[offset + i] = Σ_s partial[s·stride + i], over a contiguous range of parameters.

struct Params {
  count: u32,  // vec4s to reduce
  splits: u32, // number of partial gradients
  stride: u32, // vec4 distance between consecutive splits in `partial`
  offset: u32, // vec4 offset of the range in `grads` (and in each split)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> grads: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>) {
  let i = g.x + g.y * n.x * 64u;
  if (i >= p.count) { return; }
  var sum = vec4<f32>(0.0);
  for (var s = 0u; s < p.splits; s++) { sum += partial[s * p.stride + p.offset + i]; }
  grads[p.offset + i] = sum;
}
