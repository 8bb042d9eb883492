//!include step.wgsl
// grad_norm: the global L2 norm of every trained gradient of a learner, and the clipping scale
// min(1, step.max_norm / (norm + 1e-6)) that adam.wgsl applies (torch.nn.utils.clip_grad_norm_).
// One workgroup: each invocation sums squares over a strided slice, then a tree reduction in
// workgroup memory. Writes result = (scale, norm).

struct Params {
  count: u32, // vec4s of gradient
}

const WG = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> grads: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> result: array<f32>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32) {
  var acc = vec4<f32>(0.0);
  for (var i = li; i < p.count; i += WG) {
    let g = grads[i];
    acc += g * g;
  }
  partial[li] = acc.x + acc.y + acc.z + acc.w;
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width /= 2u) {
    if (li < width) { partial[li] += partial[li + width]; }
    workgroupBarrier();
  }
  if (li == 0u) {
    let norm = sqrt(partial[0]);
    result[0] = min(1.0, step.max_norm / (norm + 1e-6));
    result[1] = norm;
  }
}
