// linear_backward_weights: [dW; db] = [X, 1]ᵀ·dZ for one dense layer, over one chunk of rows.
//
// Appending a column of ones to X turns the bias gradient Σ_r dZ[r] into one more row of the
// weight gradient, and the layout stores b right after W, so the kernel writes the layer's
// whole gradient block (IN4·4 weight rows, then the bias row) in one go. Input rows are grouped
// in fours ("groups"); group IN4 is the bias group, whose X value is (1, 0, 0, 0).
//
// Large batches are split along the rows (workgroup z = split): split s sums rows
// [s·chunk, (s+1)·chunk) and writes its partial gradient at `out_offset + s·split_stride`;
// grad_reduce.wgsl then adds the splits. With one split the kernel writes the gradient itself.
// Each invocation owns IG groups (4·IG weight rows) × CB vec4 columns in registers and, per
// batch row, loads IG vec4s of X and CB vec4s of dZ.

struct Params {
  rows: u32,         // batch rows
  chunk: u32,        // rows per split
  x_offset: u32,     // vec4 offset of X in `x`
  dz_offset: u32,    // vec4 offset of dZ in `dz`
  out_offset: u32,   // vec4 offset of this layer's gradient block in `out`
  split_stride: u32, // vec4 distance between the partial gradients of consecutive splits
  in4: u32,          // padded input width / 4
  out4: u32,         // padded output width / 4
}

override CB: u32 = 4u; // vec4 columns per invocation: 1, 2 or 4
const IG = 2u;         // groups of 4 input rows per invocation

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> dz: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;

// The (group block, column block) pairs are numbered along x so that a workgroup's lanes are
// all busy even when the layer is narrow (a 2-D grid idled half the SIMD lanes on llvmpipe).
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let IN4 = p.in4;
  let OUT4 = p.out4;
  let group_blocks = (IN4 + IG) / IG; // ceil((IN4 + 1) / IG)
  let g0 = (g.x % group_blocks) * IG; // first group of input rows
  let c0 = (g.x / group_blocks) * CB;
  if (c0 >= OUT4) { return; }
  let r_begin = g.z * p.chunk;
  let r_end = min(p.rows, r_begin + p.chunk);
  var acc: array<vec4<f32>, 32>; // acc[(ig * 4 + t) * 4 + j]: input row 4·(g0 + ig) + t
  // Loop invariants: which vec4 of X each group reads, and whether it is the bias group (whose
  // "input" is the constant (1, 0, 0, 0)), folded into a multiply-add so the loop has no select.
  var x_col: array<u32, 2>;
  var keep: array<f32, 2>;
  for (var ig = 0u; ig < IG; ig++) {
    let group = g0 + ig;
    x_col[ig] = p.x_offset + min(group, IN4 - 1u);
    keep[ig] = select(1.0, 0.0, group >= IN4);
  }
  var d_col: array<u32, 4>;
  for (var j = 0u; j < CB; j++) { d_col[j] = p.dz_offset + min(c0 + j, OUT4 - 1u); }
  let one = vec4<f32>(1.0, 0.0, 0.0, 0.0);
  // Four batch rows per iteration: on llvmpipe each loop iteration carries a fixed overhead
  // (execution masks, bounds), so a longer body runs markedly faster; the rest one at a time.
  var r = r_begin;
  for (; r + 4u <= r_end; r += 4u) {
    var xs: array<vec4<f32>, 8>; // [u * 2 + ig]
    var ds: array<vec4<f32>, 16>; // [u * 4 + j]
    for (var u = 0u; u < 4u; u++) {
      for (var ig = 0u; ig < IG; ig++) {
        xs[u * 2u + ig] = x[x_col[ig] + (r + u) * IN4] * keep[ig] + one * (1.0 - keep[ig]);
      }
      for (var j = 0u; j < CB; j++) { ds[u * 4u + j] = dz[d_col[j] + (r + u) * OUT4]; }
    }
    for (var ig = 0u; ig < IG; ig++) {
      for (var t = 0u; t < 4u; t++) {
        for (var j = 0u; j < CB; j++) {
          var sum = acc[(ig * 4u + t) * 4u + j];
          for (var u = 0u; u < 4u; u++) { sum += xs[u * 2u + ig][t] * ds[u * 4u + j]; }
          acc[(ig * 4u + t) * 4u + j] = sum;
        }
      }
    }
  }
  for (; r < r_end; r++) {
    for (var ig = 0u; ig < IG; ig++) {
      let xv = x[x_col[ig] + r * IN4] * keep[ig] + one * (1.0 - keep[ig]);
      for (var j = 0u; j < CB; j++) {
        let d = dz[d_col[j] + r * OUT4];
        for (var t = 0u; t < 4u; t++) { acc[(ig * 4u + t) * 4u + j] += xv[t] * d; }
      }
    }
  }
  let base = p.out_offset + g.z * p.split_stride;
  for (var ig = 0u; ig < IG; ig++) {
    let group = g0 + ig;
    if (group > IN4) { break; }
    // The bias group holds one real row (the bias); rows 4·IN4 + 1.. do not exist.
    let count = select(4u, 1u, group == IN4);
    for (var t = 0u; t < count; t++) {
      let row = group * 4u + t;
      for (var j = 0u; j < CB; j++) {
        let c = c0 + j;
        if (c < OUT4) { out[base + row * OUT4 + c] = acc[(ig * 4u + t) * 4u + j]; }
      }
    }
  }
}
