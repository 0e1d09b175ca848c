import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@prunekit/tensor';
await initBackend({ log: () => {} });
const kern = (x, dy, C, O) => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [3, 3, C, O] });
function batched(x, dy, C, O, B) {
  return tf.tidy(() => {
    const [N, H, W] = x.shape;
    const xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const parts = [];
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) parts.push(tf.slice(xp, [0, a, b, 0], [N, H, W, C]));
    const P = tf.concat(parts, 3); // [N,H,W,9C]
    const M = N * H * W;
    const r = tf.matMul(tf.reshape(P, [B, M / B, 9 * C]), tf.reshape(dy, [B, M / B, O]), true, false); // [B, 9C, O]
    return tf.reshape(tf.sum(r, 0), [3, 3, C, O]);
  });
}
function batchedT(x, dy, C, O, B) { // flipped: dyT · P  → [B, O, 9C]
  return tf.tidy(() => {
    const [N, H, W] = x.shape;
    const xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const parts = [];
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) parts.push(tf.slice(xp, [0, a, b, 0], [N, H, W, C]));
    const P = tf.concat(parts, 3);
    const M = N * H * W;
    const dyT = tf.transpose(tf.reshape(dy, [B, M / B, O]), [0, 2, 1]);
    const r = tf.matMul(dyT, tf.reshape(P, [B, M / B, 9 * C])); // [B, O, 9C]
    return tf.reshape(tf.transpose(tf.sum(r, 0)), [3, 3, C, O]);
  });
}
for (const [H, C, O] of [[28, 64, 64], [14, 64, 128], [14, 128, 128], [28, 1, 64]]) {
  const x = tf.randomNormal([128, H, H, C]); const dy = tf.randomNormal([128, H, H, O]);
  const cases = [['old', () => kern(x, dy, C, O)]];
  for (const B of [16, 64, 128]) { cases.push([`b${B}`, () => batched(x, dy, C, O, B)]); cases.push([`t${B}`, () => batchedT(x, dy, C, O, B)]); }
  let ref;
  for (const [nm, f] of cases) {
    const ts = []; let r;
    for (let i = 0; i < 3; i++) { const t = performance.now(); r = f(); r.dataSync(); ts.push((performance.now() - t).toFixed(0)); if (i < 2) r.dispose(); }
    let err = '';
    if (!ref) ref = r; else { err = tf.tidy(() => (tf.max(tf.abs(tf.sub(r, ref))).dataSync()[0] / tf.max(tf.abs(ref)).dataSync()[0]).toExponential(1)); r.dispose(); }
    console.log(H, C, O, nm, ts.join(' '), err);
  }
  tf.dispose([x, dy, ref]);
}
