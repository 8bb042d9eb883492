// counter_rng: the counter-based generator of kernels/counter_rng.ts, bit for bit (wrapping u32
// arithmetic is WGSL's u32 semantics).

// PCG-RXS-M-XS 32-bit hash (Jarzynski & Olano 2020).
fn pcg_hash(x: u32) -> u32 {
  let state = x * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

// The counter-th u32 of stream `stream` of generator `seed`.
fn rand_u32(seed: u32, stream: u32, counter: u32) -> u32 {
  return pcg_hash(pcg_hash(pcg_hash(seed ^ 0x9e3779b9u) + stream) + counter);
}

// Half the bit width of the Feistel domain for n items: max(1, ceil(ceil(log2 n) / 2)).
fn feistel_half_bits(n: u32) -> u32 {
  var bits = 0u;
  if (n > 1u) { bits = 32u - countLeadingZeros(n - 1u); }
  return max(1u, (bits + 1u) / 2u);
}

// Position i of the permutation of [0, n) for epoch `epoch`: a 4-round Feistel network on
// [0, 4^half) with cycle walking (see permuteIndex in kernels/counter_rng.ts).
fn permute_index(i: u32, n: u32, seed: u32, epoch: u32) -> u32 {
  let half = feistel_half_bits(n);
  let mask = (1u << half) - 1u;
  let stream = 0x80000000u + epoch;
  var x = i;
  loop {
    var l = x >> half;
    var r = x & mask;
    for (var round = 0u; round < 4u; round++) {
      let f = rand_u32(seed, stream, (round << 24u) ^ r) & mask;
      let t = r;
      r = l ^ f;
      l = t;
    }
    x = (l << half) | r;
    if (x < n) { break; }
  }
  return x;
}
