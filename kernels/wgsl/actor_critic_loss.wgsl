// actor_critic_loss: the PPO / A2C loss of one minibatch and its gradients w.r.t. the actor's
// outputs (logits, or Gaussian means), the critic's values and the log-stds, exactly as
// kernels/cpu/actor_critic_loss.ts (CleanRL's ppo.py, with PyTorch's tie rule for max):
//   A = (adv − mean) / (std_dev + 1e-8) per minibatch (unbiased std; 0 for a minibatch of 1),
//   ratio = exp(logp − old_logp),
//   PPO: pg = mean max(−A·ratio, −A·clamp(ratio, 1 ± ε)); A2C: pg = −mean(A·logp),
//   value: 0.5·mean (v − R)², or the clipped variant around the old values,
//   loss = pg − ent_coef·entropy + vf_coef·vloss.
// Adds (policy loss, value loss, entropy, approx KL, clip fraction) of this minibatch to
// stats[0..5], a GPU-side accumulator read back once per update. One workgroup: invocations
// take strided samples; minibatch-wide sums (advantage mean and std, statistics, log-std
// gradients) are tree reductions in workgroup memory.

struct Params {
  batch: u32,     // minibatch size
  clip_coef: f32,
  ent_coef: f32,
  vf_coef: f32,
  log_std4: u32,  // vec4 offset of the log-stds in `params` and `grads` (continuous heads)
}

override DISCRETE: bool;
override SIZE: u32;   // number of logits, or action dimensions
override SIZE4: u32;  // padded SIZE / 4 (at most 4 for continuous heads)
override PPO: bool = true;
override CLIP_VLOSS: bool = false;
override NORM_ADV: bool = true;

const WG = 256u;
const HALF_LOG_2PI = 0.91893853320467274;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> actor_out: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> critic_out: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> mb_act: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> mb_aux: array<vec4<f32>>; // (old logp, adv, ret, old value)
@group(0) @binding(5) var<storage, read> params: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> d_actor: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> d_critic: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> grads: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> stats: array<f32>;

var<workgroup> red: array<vec4<f32>, WG>;

// Sum of v over the workgroup; every invocation must call it (it contains barriers).
fn reduce_sum(v: vec4<f32>, li: u32) -> vec4<f32> {
  red[li] = v;
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width /= 2u) {
    if (li < width) { red[li] += red[li + width]; }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier();
  return total;
}

fn out_at(i: u32, k: u32) -> f32 { return actor_out[i * SIZE4 + k / 4u][k % 4u]; }
fn action_at(i: u32, k: u32) -> f32 { return mb_act[i * SIZE4 + k / 4u][k % 4u]; }
fn log_std(d: u32) -> f32 { return params[p.log_std4 + d / 4u][d % 4u]; }

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32) {
  let n = p.batch;
  let inv_b = 1.0 / f32(n);
  let c = p.clip_coef;

  var mean = 0.0;
  var std_dev = 0.0;
  if (NORM_ADV) {
    var s = 0.0;
    for (var i = li; i < n; i += WG) { s += mb_aux[i].y; }
    mean = reduce_sum(vec4<f32>(s, 0.0, 0.0, 0.0), li).x * inv_b;
    var ss = 0.0;
    for (var i = li; i < n; i += WG) {
      let d = mb_aux[i].y - mean;
      ss += d * d;
    }
    let var_sum = reduce_sum(vec4<f32>(ss, 0.0, 0.0, 0.0), li).x;
    if (n > 1u) { std_dev = sqrt(var_sum / f32(n - 1u)); }
  }

  var sums = vec4<f32>(0.0); // (Σ pg, Σ vloss, Σ entropy, Σ approx KL)
  var clipped = 0.0;
  var d_log_std: array<vec4<f32>, 4>;
  for (var i = li; i < n; i += WG) {
    let info = mb_aux[i];
    var adv = info.y;
    if (NORM_ADV) { adv = (adv - mean) / (std_dev + 1e-8); }

    // Log-probability of the taken action and entropy under the current policy.
    var new_logp = 0.0;
    var entropy = 0.0;
    var lse = 0.0;
    if (DISCRETE) {
      let a = u32(mb_act[i].x);
      var mx = out_at(i, 0u);
      for (var k = 1u; k < SIZE; k++) { mx = max(mx, out_at(i, k)); }
      var sum = 0.0;
      for (var k = 0u; k < SIZE; k++) { sum += exp(out_at(i, k) - mx); }
      lse = mx + log(sum);
      new_logp = out_at(i, a) - lse;
      for (var k = 0u; k < SIZE; k++) {
        let lp = out_at(i, k) - lse;
        entropy -= exp(lp) * lp;
      }
    } else {
      for (var d = 0u; d < SIZE; d++) {
        let ls = log_std(d);
        let z = (action_at(i, d) - out_at(i, d)) * exp(-ls);
        new_logp += -0.5 * z * z - ls - HALF_LOG_2PI;
        entropy += 0.5 + HALF_LOG_2PI + ls;
      }
    }
    let log_ratio = new_logp - info.x;
    let ratio = exp(log_ratio);

    // Policy loss and its derivative w.r.t. new_logp (already divided by the batch).
    var pg: f32;
    var g_logp: f32;
    if (PPO) {
      let t1 = -adv * ratio;
      let t2 = -adv * clamp(ratio, 1.0 - c, 1.0 + c);
      pg = max(t1, t2);
      g_logp = select(0.0, -adv * ratio * inv_b, t1 >= t2);
    } else {
      pg = -adv * new_logp;
      g_logp = -adv * inv_b;
    }

    // Actor output gradient: policy term plus the entropy bonus.
    if (DISCRETE) {
      let a = u32(mb_act[i].x);
      let ent_scale = p.ent_coef * inv_b;
      for (var q = 0u; q < SIZE4; q++) {
        var d = vec4<f32>(0.0);
        for (var t = 0u; t < 4u; t++) {
          let k = q * 4u + t;
          if (k < SIZE) {
            let lp = out_at(i, k) - lse;
            let pk = exp(lp);
            d[t] = g_logp * (select(0.0, 1.0, k == a) - pk) + ent_scale * pk * (lp + entropy);
          }
        }
        d_actor[i * SIZE4 + q] = d;
      }
    } else {
      for (var q = 0u; q < SIZE4; q++) {
        var d = vec4<f32>(0.0);
        for (var t = 0u; t < 4u; t++) {
          let k = q * 4u + t;
          if (k < SIZE) {
            let ls = log_std(k);
            let inv_var = exp(-2.0 * ls);
            let diff = action_at(i, k) - out_at(i, k);
            d[t] = g_logp * diff * inv_var;
            d_log_std[q][t] += g_logp * (diff * diff * inv_var - 1.0);
          }
        }
        d_actor[i * SIZE4 + q] = d;
      }
    }

    // Value loss (0.5 · squared error, or the clipped variant) and dvalue.
    let v = critic_out[i].x;
    let ret = info.z;
    let l1 = (v - ret) * (v - ret);
    var vloss: f32;
    var dv: f32;
    if (CLIP_VLOSS) {
      let delta = v - info.w;
      let vc = info.w + clamp(delta, -c, c);
      let l2 = (vc - ret) * (vc - ret);
      vloss = 0.5 * max(l1, l2);
      let g1 = 2.0 * (v - ret);
      let g2 = select(0.0, 2.0 * (vc - ret), delta >= -c && delta <= c);
      var g = 0.5 * (g1 + g2);
      if (l1 > l2) { g = g1; } else if (l1 < l2) { g = g2; }
      dv = p.vf_coef * 0.5 * g * inv_b;
    } else {
      vloss = 0.5 * l1;
      dv = p.vf_coef * (v - ret) * inv_b;
    }
    d_critic[i] = vec4<f32>(dv, 0.0, 0.0, 0.0);

    sums += vec4<f32>(pg, vloss, entropy, ratio - 1.0 - log_ratio);
    clipped += select(0.0, 1.0, abs(ratio - 1.0) > c);
  }

  let totals = reduce_sum(sums, li);
  let clip_total = reduce_sum(vec4<f32>(clipped, 0.0, 0.0, 0.0), li).x;
  if (li == 0u) {
    stats[0] += totals.x * inv_b;
    stats[1] += totals.y * inv_b;
    stats[2] += totals.z * inv_b;
    stats[3] += totals.w * inv_b;
    stats[4] += clip_total * inv_b;
  }
  if (!DISCRETE) {
    // d loss / d log σ_d = Σ_i g_logp·((a − μ)²/σ² − 1) − ent_coef (entropy is Σ_d log σ_d + …).
    for (var q = 0u; q < SIZE4; q++) {
      let total = reduce_sum(d_log_std[q], li);
      if (li == 0u) {
        let lanes = vec4<u32>(q * 4u) + vec4<u32>(0u, 1u, 2u, 3u);
        grads[p.log_std4 + q] = select(vec4<f32>(0.0), total - p.ent_coef, lanes < vec4<u32>(SIZE));
      }
    }
  }
}
