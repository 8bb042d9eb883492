import { Rng } from "../../core/rng.ts";
import { assertClose, randomArray } from "./_grad_check.ts";
import { accumulateParamGrads, matmulBias, matmulTransposed } from "./gemm.ts";

// Shapes that hit full tiles, ragged rows and ragged columns in every product.
const SHAPES = [[1, 1, 1], [1, 4, 1], [3, 5, 2], [2, 8, 4], [7, 9, 6], [5, 3, 13], [4, 64, 64]];

Deno.test("blocked products match naive triple loops on ragged shapes", () => {
  const rng = new Rng(1);
  for (const [batch, inN, outN] of SHAPES) {
    const wOff = 3;
    const params = randomArray(rng, wOff + inN * outN + outN);
    const x = randomArray(rng, batch * inN);
    const dz = randomArray(rng, batch * outN);
    const label = `${batch}×${inN}→${outN}`;

    const y = new Float64Array(batch * outN);
    matmulBias(params, wOff, inN, outN, x, batch, y);
    const yRef = new Float64Array(batch * outN);
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < outN; j++) {
        let s = params[wOff + inN * outN + j];
        for (let i = 0; i < inN; i++) s += x[b * inN + i] * params[wOff + i * outN + j];
        yRef[b * outN + j] = s;
      }
    }
    assertClose(y, yRef, `${label} forward`, 1e-12, 1e-12);

    const grads = randomArray(rng, wOff + inN * outN + outN);
    const gRef = grads.slice();
    accumulateParamGrads(x, inN, dz, outN, batch, grads, wOff);
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < outN; j++) {
        gRef[wOff + inN * outN + j] += dz[b * outN + j];
        for (let i = 0; i < inN; i++) {
          gRef[wOff + i * outN + j] += x[b * inN + i] * dz[b * outN + j];
        }
      }
    }
    assertClose(grads, gRef, `${label} param grads`, 1e-12, 1e-12);

    const dx = randomArray(rng, batch * inN); // overwritten
    matmulTransposed(dz, outN, params, wOff, inN, batch, dx);
    const dxRef = new Float64Array(batch * inN);
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < inN; i++) {
        for (let j = 0; j < outN; j++) {
          dxRef[b * inN + i] += dz[b * outN + j] * params[wOff + i * outN + j];
        }
      }
    }
    assertClose(dx, dxRef, `${label} input grads`, 1e-12, 1e-12);
  }
});
