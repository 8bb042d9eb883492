// activation_backward: dZ = dY ⊙ act'(Y) for an output layer whose activation is not the
// identity (the standalone Mlp's backward; the RL loss heads fuse this themselves). The
// derivative is evaluated from the output: ReLU' = [Y > 0], tanh' = 1 − Y².

struct Params {
  count: u32, // vec4s
}

override ACT: u32 = 0u; // 0 identity, 1 ReLU, 2 tanh

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> y: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dz: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>) {
  let i = g.x + g.y * n.x * 64u;
  if (i >= p.count) { return; }
  var d = dy[i];
  switch ACT {
    case 1u: { d = select(vec4<f32>(0.0), d, y[i] > vec4<f32>(0.0)); }
    case 2u: { d *= 1.0 - y[i] * y[i]; }
    default: {}
  }
  dz[i] = d;
}
