// step: the per-step constants shared by the kernels that change from one step to the next.
// The host writes one Step per queued step into a ring of uniform slots (one writeBuffer per
// submit, never per step) and binds the slot with a dynamic offset.

struct Step {
  lr: f32,           // Adam learning rate
  bc1: f32,          // Adam bias correction 1 − β1^t
  bc2: f32,          // Adam bias correction 1 − β2^t
  beta1: f32,
  beta2: f32,
  eps: f32,
  weight_decay: f32, // decoupled weight decay
  tau: f32,          // Polyak coefficient of a target update
  counter: u32,      // RNG stream: DQN gradient step k, or PPO global epoch index
  size: u32,         // transitions in the replay ring, or rollout samples
  offset: u32,       // first permutation position of a PPO minibatch
  max_norm: f32,     // global-norm clipping threshold
}

@group(1) @binding(0) var<uniform> step: Step;
