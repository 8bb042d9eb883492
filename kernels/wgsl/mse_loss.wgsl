// mse_loss: L = mean((Y − T)²) over the batch × the real output width, and dY = 2(Y − T) / n.
// Used by the supervised training steps of the standalone Mlp (benchmarks, tests). One
// workgroup; the loss of each step is added to stats[0] (a GPU-side accumulator that is read
// back once, with the parameters).

struct Params {
  count: u32,    // vec4s of Y (batch × padded width / 4)
  inv_n: f32,    // 1 / (batch × real width)
}

const WG = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> y: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> t: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dy: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32) {
  var acc = vec4<f32>(0.0);
  for (var i = li; i < p.count; i += WG) {
    let d = y[i] - t[i]; // padded columns are 0 − 0
    acc += d * d;
    dy[i] = 2.0 * p.inv_n * d;
  }
  partial[li] = acc.x + acc.y + acc.z + acc.w;
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width /= 2u) {
    if (li < width) { partial[li] += partial[li + width]; }
    workgroupBarrier();
  }
  if (li == 0u) { stats[0] += partial[0] * p.inv_n; }
}
