// dqn_loss: the TD loss of one DQN gradient step and its gradient w.r.t. the online Q-values
// (kernels/cpu/dqn_loss.ts is the reference):
//   q = Q(s)[a],  a* = argmax_a' Q(s')[a'] (online net if DOUBLE, else target; ties → lowest),
//   y = r + discount·Q⁻(s')[a*] (discount: γᵐ of an m-step transition, 0 if terminal),  δ = q − y,
//   Huber (δ = 1): ℓ = 0.5δ² if |δ| < 1 else |δ| − 0.5, dℓ/dq = clamp(δ, −1, 1);
//   MSE: ℓ = δ², dℓ/dq = 2δ;  loss = mean ℓ.
// Writes dQ (zero except at the taken actions, times the output activation's derivative) and
// adds (loss, mean q) of this step to stats[0..2], a GPU-side accumulator read back at flush.
// One workgroup: invocations take strided samples, then a tree reduction.

struct Params {
  batch: u32,
}

override ACTIONS: u32;         // number of actions
override ACT4: u32;            // padded number of actions / 4
override DOUBLE: bool = false; // double DQN: a* from the online net (rows batch.. of q_online)
override HUBER: bool = true;
override OUT_ACT: u32 = 0u;    // output activation of the Q net: 0 identity, 1 ReLU, 2 tanh

const WG = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q_online: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> q_target: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> aux: array<vec4<f32>>; // (action, reward, discount, 0)
@group(0) @binding(4) var<storage, read_write> dq: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;

var<workgroup> partial: array<vec2<f32>, WG>;

fn q_at(row: u32, a: u32, target_net: bool) -> f32 {
  if (target_net) { return q_target[row * ACT4 + a / 4u][a % 4u]; }
  return q_online[row * ACT4 + a / 4u][a % 4u];
}

fn output_grad(y: f32) -> f32 {
  switch OUT_ACT {
    case 1u: { return select(0.0, 1.0, y > 0.0); }
    case 2u: { return 1.0 - y * y; }
    default: { return 1.0; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32) {
  var sums = vec2<f32>(0.0); // (Σ ℓ, Σ q)
  let inv_batch = 1.0 / f32(p.batch);
  for (var j = li; j < p.batch; j += WG) {
    // Greedy next action: online net on s' (rows batch + j) for double DQN, else the target.
    let next_row = select(j, p.batch + j, DOUBLE);
    var best = 0u;
    var best_q = q_at(next_row, 0u, !DOUBLE);
    for (var a = 1u; a < ACTIONS; a++) {
      let v = q_at(next_row, a, !DOUBLE);
      if (v > best_q) { best_q = v; best = a; }
    }
    let info = aux[j];
    let action = u32(info.x);
    let y = info.y + info.z * q_at(j, best, true);
    let q = q_at(j, action, false);
    let delta = q - y;
    var loss: f32;
    var grad: f32;
    if (HUBER) {
      let ad = abs(delta);
      loss = select(ad - 0.5, 0.5 * delta * delta, ad < 1.0);
      grad = clamp(delta, -1.0, 1.0);
    } else {
      loss = delta * delta;
      grad = 2.0 * delta;
    }
    sums += vec2<f32>(loss, q);
    let g = grad * inv_batch * output_grad(q);
    for (var c = 0u; c < ACT4; c++) {
      let lanes = vec4<u32>(c * 4u) + vec4<u32>(0u, 1u, 2u, 3u);
      dq[j * ACT4 + c] = select(vec4<f32>(0.0), vec4<f32>(g), lanes == vec4<u32>(action));
    }
  }
  partial[li] = sums;
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width /= 2u) {
    if (li < width) { partial[li] += partial[li + width]; }
    workgroupBarrier();
  }
  if (li == 0u) {
    stats[0] += partial[0].x * inv_batch;
    stats[1] += partial[0].y * inv_batch;
  }
}
