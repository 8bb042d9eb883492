//!include step.wgsl
// polyak: target ← tau·online + (1 − tau)·target over a whole network (tau = 1 copies exactly,
// since 1·x + 0·y = x for finite y).

struct Params {
  count: u32, // vec4s of parameters
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> online: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> target_net: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>) {
  let i = g.x + g.y * n.x * 64u;
  if (i >= p.count) { return; }
  target_net[i] = step.tau * online[i] + (1.0 - step.tau) * target_net[i];
}
