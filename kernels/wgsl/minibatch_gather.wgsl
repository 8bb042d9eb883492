//!include step.wgsl
//!include counter_rng.wgsl
// minibatch_gather: the rows of one PPO / A2C minibatch. Minibatch position i takes rollout
// sample permute_index(step.offset + i, step.size, seed, step.counter) (step.counter is the
// global epoch index floor(adamStep / numMinibatches)) and copies its observation, action and
// (old log-prob, advantage, return, old value) into contiguous minibatch buffers.

struct Params {
  batch: u32, // minibatch size
  obs4: u32,  // padded observation width / 4
  act4: u32,  // padded action width / 4
  seed: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> roll_obs: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> roll_act: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> roll_aux: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> mb_obs: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> mb_act: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> mb_aux: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let i = g.x;
  if (i >= p.batch) { return; }
  let s = permute_index(step.offset + i, step.size, p.seed, step.counter);
  for (var k = 0u; k < p.obs4; k++) { mb_obs[i * p.obs4 + k] = roll_obs[s * p.obs4 + k]; }
  for (var k = 0u; k < p.act4; k++) { mb_act[i * p.act4 + k] = roll_act[s * p.act4 + k]; }
  mb_aux[i] = roll_aux[s];
}
