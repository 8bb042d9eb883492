// linear_forward: Y = act(X·W + b) for one dense layer of an MLP.
//
// Layout (kernels/webgpu/gpu_layout.ts): widths are padded to multiples of 4 so that every row
// is a whole number of vec4s; padded weights and biases are zero, so padded outputs are exactly
// act(0) = 0 and never leak into the next layer. W is stored as IN4·4 rows of OUT4 vec4s, then
// the bias row.
//
// Tiling: each invocation accumulates an RB-row × CB-vec4 block (up to 8 × 16 outputs) in
// registers, loading one vec4 of X per row and one vec4 of W per column block for every four
// products. On llvmpipe every load costs the same (workgroup memory included, plus a barrier),
// so the load count per multiply-add is what matters: staging W in workgroup memory measured
// 35% slower there than this register tiling, and 4×4 blocks of scalars 4× slower. Rows past
// the batch are clamped on load and skipped on store, so any batch size works.

struct Params {
  rows: u32,     // batch rows of X and Y
  x_offset: u32, // vec4 offset of X in `x`
  w_offset: u32, // vec4 offset of this layer's W (then b) in `params`
  y_offset: u32, // vec4 offset of Y in `y`
  in4: u32,      // padded input width / 4
  out4: u32,     // padded output width / 4
}

// Shapes are uniforms, not override constants: llvmpipe compiles a pipeline at its first
// dispatch (about a second for these unrolled blocks), so one pipeline per activation and
// column block serves every layer shape and batch size.
override ACT: u32 = 0u; // 0 identity, 1 ReLU, 2 tanh
override CB: u32 = 4u;  // vec4 columns per invocation: 1, 2 or 4
const RB = 8u;          // rows per invocation

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> params: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4<f32>>;

fn activate(v: vec4<f32>) -> vec4<f32> {
  switch ACT {
    case 1u: { return max(v, vec4<f32>(0.0)); }
    case 2u: { return tanh(v); }
    default: { return v; }
  }
}

// Invocations run along the rows (the long dimension), so a SIMD batch of invocations on a CPU
// adapter has all its lanes busy; workgroup y selects the column block.
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let r0 = g.x * RB;
  let c0 = g.y * CB;
  let IN4 = p.in4;
  let OUT4 = p.out4;
  if (r0 >= p.rows || c0 >= OUT4) { return; }
  let last_row = p.rows - 1u;
  var acc: array<vec4<f32>, 32>; // acc[i * 4 + j]: row r0 + i, vec4 column c0 + j
  for (var j = 0u; j < CB; j++) {
    let bias = params[p.w_offset + IN4 * 4u * OUT4 + min(c0 + j, OUT4 - 1u)];
    for (var i = 0u; i < RB; i++) { acc[i * 4u + j] = bias; }
  }
  for (var k4 = 0u; k4 < IN4; k4++) {
    var xs: array<vec4<f32>, 8>;
    for (var i = 0u; i < RB; i++) { xs[i] = x[p.x_offset + min(r0 + i, last_row) * IN4 + k4]; }
    for (var kk = 0u; kk < 4u; kk++) {
      let w_row = p.w_offset + (k4 * 4u + kk) * OUT4;
      for (var j = 0u; j < CB; j++) {
        let w = params[w_row + min(c0 + j, OUT4 - 1u)];
        for (var i = 0u; i < RB; i++) { acc[i * 4u + j] += xs[i][kk] * w; }
      }
    }
  }
  for (var i = 0u; i < RB; i++) {
    let r = r0 + i;
    if (r > last_row) { break; }
    for (var j = 0u; j < CB; j++) {
      let c = c0 + j;
      if (c < OUT4) { y[p.y_offset + r * OUT4 + c] = activate(acc[i * 4u + j]); }
    }
  }
}
