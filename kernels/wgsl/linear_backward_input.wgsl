// linear_backward_input: dX = (dZ·Wᵀ) ⊙ act'(X) for one dense layer, where dZ is the gradient
// w.r.t. this layer's pre-activation and X its input. Fusing the derivative of the PREVIOUS
// layer's activation (evaluated from its output X: ReLU' = [X > 0], tanh' = 1 − X²) means the
// result is directly the next dZ of the backward pass; for the first layer ACT_IN = 0 gives the
// plain input gradient.
//
// Same register tiling as linear_forward: each invocation owns RB rows × CB vec4 columns of dX
// and, per vec4 of dZ, loads RB vec4s of dZ and CB·4 vec4 rows of W.
// Padded rows of W are zero, so padded columns of dX come out exactly 0.

struct Params {
  rows: u32,      // batch rows
  dz_offset: u32, // vec4 offset of dZ in `dz`
  w_offset: u32,  // vec4 offset of this layer's W in `params`
  x_offset: u32,  // vec4 offset of X (this layer's input) in `xin`
  dx_offset: u32, // vec4 offset of dX in `dx`
  in4: u32,       // padded input width / 4
  out4: u32,      // padded output width / 4
}

override ACT_IN: u32 = 0u; // activation that produced X: 0 none, 1 ReLU, 2 tanh
override CB: u32 = 4u;     // vec4 columns per invocation: 1, 2 or 4
const RB = 8u;             // rows per invocation

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dz: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> params: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> xin: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> dx: array<vec4<f32>>;

fn activation_grad(x: vec4<f32>) -> vec4<f32> {
  switch ACT_IN {
    case 1u: { return select(vec4<f32>(0.0), vec4<f32>(1.0), x > vec4<f32>(0.0)); }
    case 2u: { return 1.0 - x * x; }
    default: { return vec4<f32>(1.0); }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let r0 = g.x * RB;
  let c0 = g.y * CB; // vec4 column of dX, i.e. inputs 4·c0 …
  let IN4 = p.in4;
  let OUT4 = p.out4;
  if (r0 >= p.rows || c0 >= IN4) { return; }
  let last_row = p.rows - 1u;
  var acc: array<vec4<f32>, 32>;
  for (var o4 = 0u; o4 < OUT4; o4++) {
    var d: array<vec4<f32>, 8>;
    for (var i = 0u; i < RB; i++) { d[i] = dz[p.dz_offset + min(r0 + i, last_row) * OUT4 + o4]; }
    for (var j = 0u; j < CB; j++) {
      let in_row = min(c0 + j, IN4 - 1u) * 4u; // first of the 4 W rows of this vec4 of inputs
      let w0 = params[p.w_offset + (in_row + 0u) * OUT4 + o4];
      let w1 = params[p.w_offset + (in_row + 1u) * OUT4 + o4];
      let w2 = params[p.w_offset + (in_row + 2u) * OUT4 + o4];
      let w3 = params[p.w_offset + (in_row + 3u) * OUT4 + o4];
      // Columns of Wᵀ: on a SIMD-across-invocations CPU adapter a vec4's components are
      // separate registers, so regrouping them is free and each product is a plain FMA (dot
      // products cost twice the instructions).
      let t0 = vec4<f32>(w0.x, w1.x, w2.x, w3.x);
      let t1 = vec4<f32>(w0.y, w1.y, w2.y, w3.y);
      let t2 = vec4<f32>(w0.z, w1.z, w2.z, w3.z);
      let t3 = vec4<f32>(w0.w, w1.w, w2.w, w3.w);
      for (var i = 0u; i < RB; i++) {
        acc[i * 4u + j] += d[i].x * t0 + d[i].y * t1 + d[i].z * t2 + d[i].w * t3;
      }
    }
  }
  for (var i = 0u; i < RB; i++) {
    let r = r0 + i;
    if (r > last_row) { break; }
    for (var j = 0u; j < CB; j++) {
      let c = c0 + j;
      if (c < IN4) {
        var v = acc[i * 4u + j];
        if (ACT_IN != 0u) { v *= activation_grad(xin[p.x_offset + r * IN4 + c]); }
        dx[p.dx_offset + r * IN4 + c] = v;
      }
    }
  }
}
