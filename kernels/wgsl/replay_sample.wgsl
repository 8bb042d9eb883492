//!include step.wgsl
//!include counter_rng.wgsl
// replay_sample: the replay draw of DQN gradient step k = step.counter. Sample j reads ring slot
// rand_u32(seed, k, j) % size (size = step.size, the transitions held when the step runs) and
// copies its observation to row j and its next observation to row batch + j of `xin` (the
// online net reads rows [0, batch), or [0, 2·batch) for double DQN; the target net rows
// [batch, 2·batch)), and its (action, reward, terminated) to `aux[j]`.

struct Params {
  batch: u32,
  obs4: u32,  // padded observation width / 4
  seed: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ring_obs: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> ring_next: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> ring_aux: array<vec4<f32>>; // (action, reward, terminated, 0)
@group(0) @binding(4) var<storage, read_write> xin: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> aux: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let j = g.x;
  if (j >= p.batch) { return; }
  let slot = rand_u32(p.seed, step.counter, j) % step.size;
  for (var i = 0u; i < p.obs4; i++) {
    xin[j * p.obs4 + i] = ring_obs[slot * p.obs4 + i];
    xin[(p.batch + j) * p.obs4 + i] = ring_next[slot * p.obs4 + i];
  }
  aux[j] = ring_aux[slot];
}
