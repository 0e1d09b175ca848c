/*
 * Sparse kernels of @prunekit/tensor: the products a masked dense layer needs when most of its
 * weights are pruned (known zeros). WebAssembly with 128-bit SIMD, no libc, no allocation: the
 * caller (sparse-kernel.ts) owns the linear memory and passes byte offsets.
 *
 * The batch is the inner (SIMD) dimension: activations are stored transposed, one row of
 * `bp` floats per feature (`bp` = batch rounded up to a multiple of 16, the padding is zero).
 *
 * Build: node tools/scripts/build-sparse-wasm.mjs (clang-14 + lld-14 from Debian), which writes
 * sparse-wasm.generated.ts next to this file.
 */
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

/*
 * dst[c * ldd + r] = src[r * lds + c] for r < rows, c < cols (row strides `lds`, `ldd` floats):
 * 4×4 blocks through SIMD shuffles, scalar edges.
 */
EXPORT(transpose)
void transpose(const float *src, int lds, float *dst, int ldd, int rows, int cols) {
  const int r16 = rows & ~15, r4 = rows & ~3, c4 = cols & ~3;
  /* 16 rows at a time, so every 64-byte line of a destination row is written whole. */
  for (int r0 = 0; r0 < r4; r0 += (r0 < r16 ? 16 : 4)) {
    const int rn = r0 < r16 ? 16 : 4;
    for (int c = 0; c < c4; c += 4) {
      for (int r = r0; r < r0 + rn; r += 4) {
        const float *s0 = src + (long)r * lds + c;
        const v128_t a = wasm_v128_load(s0), b = wasm_v128_load(s0 + lds);
        const v128_t e = wasm_v128_load(s0 + 2 * (long)lds), f = wasm_v128_load(s0 + 3 * (long)lds);
        const v128_t t0 = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
        const v128_t t2 = wasm_i32x4_shuffle(e, f, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(e, f, 2, 6, 3, 7);
        float *d = dst + (long)c * ldd + r;
        wasm_v128_store(d, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
        wasm_v128_store(d + ldd, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
        wasm_v128_store(d + 2 * (long)ldd, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
        wasm_v128_store(d + 3 * (long)ldd, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
      }
    }
    for (int r = r0; r < r0 + rn; r++) {
      const float *s = src + (long)r * lds;
      for (int c = c4; c < cols; c++) dst[(long)c * ldd + r] = s[c];
    }
  }
  for (int r = r4; r < rows; r++) {
    const float *s = src + (long)r * lds;
    for (int c = 0; c < cols; c++) dst[(long)c * ldd + r] = s[c];
  }
}

/* Zero `n` floats (n a multiple of 4, p 16-byte aligned). */
EXPORT(zero)
void zero(float *p, int n) {
  v128_t z = wasm_f32x4_splat(0.0f);
  for (int i = 0; i < n; i += 4) wasm_v128_store(p + i, z);
}

/*
 * Gather product: out[o * bp + b] = sum over p in [ptr[o], ptr[o+1]) of vals[p] * in[idx[p] * bp + b],
 * for o < nout and b < bp (bp a multiple of 16). With the pattern by output column this is the
 * forward product (y^T = W^T x^T); by input row, the input gradient (dx^T = W dy^T).
 * Each output row is summed in registers in blocks of 16 batch entries and stored once.
 */
EXPORT(spmm)
void spmm(const float *in, float *out, int bp, const int32_t *ptr, const int32_t *idx,
          const float *vals, int nout) {
  for (int o = 0; o < nout; o++) {
    const int p0 = ptr[o], p1 = ptr[o + 1];
    float *dst = out + (long)o * bp;
    for (int b = 0; b < bp; b += 16) {
      v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
      for (int p = p0; p < p1; p++) {
        const v128_t w = wasm_f32x4_splat(vals[p]);
        const float *s = in + (long)idx[p] * bp + b;
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(w, wasm_v128_load(s)));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(w, wasm_v128_load(s + 4)));
        a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(w, wasm_v128_load(s + 8)));
        a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(w, wasm_v128_load(s + 12)));
      }
      wasm_v128_store(dst + b, a0);
      wasm_v128_store(dst + b + 4, a1);
      wasm_v128_store(dst + b + 8, a2);
      wasm_v128_store(dst + b + 12, a3);
    }
  }
}

/*
 * Sampled product (the weight gradient at unpruned positions only):
 * out[p] = sum over b < bp of a[rows[p] * bp + b] * c[cols[p] * bp + b], for p < nnz.
 * The batch is summed in four independent lanes-of-four, then across lanes, in a fixed order.
 */
EXPORT(sddmm)
void sddmm(const float *a, const float *c, int bp, const int32_t *rows, const int32_t *cols,
           int nnz, float *out) {
  for (int p = 0; p < nnz; p++) {
    const float *x = a + (long)rows[p] * bp;
    const float *y = c + (long)cols[p] * bp;
    v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
    for (int b = 0; b < bp; b += 16) {
      s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(x + b), wasm_v128_load(y + b)));
      s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(x + b + 4), wasm_v128_load(y + b + 4)));
      s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_v128_load(x + b + 8), wasm_v128_load(y + b + 8)));
      s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_v128_load(x + b + 12), wasm_v128_load(y + b + 12)));
    }
    const v128_t s = wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3));
    out[p] = (wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1)) +
             (wasm_f32x4_extract_lane(s, 2) + wasm_f32x4_extract_lane(s, 3));
  }
}

/* out[p] = src[flat[p]] for p < n: the kept weights, in pattern order. */
EXPORT(gather)
void gather(const float *src, const int32_t *flat, int n, float *out) {
  for (int p = 0; p < n; p++) out[p] = src[flat[p]];
}

/* dst[0 .. size) = 0, then dst[flat[p]] = vals[p] for p < n (size a multiple of 4, dst aligned). */
EXPORT(scatter)
void scatter(float *dst, int size, const int32_t *flat, const float *vals, int n) {
  zero(dst, (size + 3) & ~3);
  for (int p = 0; p < n; p++) dst[flat[p]] = vals[p];
}

/*
 * One SGD step of one parameter, in float32 exactly as the composed ops round it:
 * g' = g + w*wd (flag 1); with momentum (flag 2): b' = (b*mom + g') [*mask], d = nesterov (flag 4)
 * ? g' + b'*mom : b'; w' = (w - d*lr) [*mask] (mask: flag 8). `ob` and `b` only with flag 2.
 */
EXPORT(sgd_update)
void sgd_update(const float *w, const float *g, const float *b, const float *mask, float *ow, float *ob,
                int n, float lr, float mom, float wd, int flags) {
  const int decay = flags & 1, momentum = flags & 2, nesterov = flags & 4, masked = flags & 8;
  const v128_t vlr = wasm_f32x4_splat(lr), vmom = wasm_f32x4_splat(mom), vwd = wasm_f32x4_splat(wd);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t wi = wasm_v128_load(w + i);
    v128_t gi = wasm_v128_load(g + i);
    if (decay) gi = wasm_f32x4_add(gi, wasm_f32x4_mul(wi, vwd));
    v128_t d = gi;
    if (momentum) {
      v128_t nb = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(b + i), vmom), gi);
      if (masked) nb = wasm_f32x4_mul(nb, wasm_v128_load(mask + i));
      wasm_v128_store(ob + i, nb);
      d = nesterov ? wasm_f32x4_add(gi, wasm_f32x4_mul(nb, vmom)) : nb;
    }
    v128_t nw = wasm_f32x4_sub(wi, wasm_f32x4_mul(d, vlr));
    if (masked) nw = wasm_f32x4_mul(nw, wasm_v128_load(mask + i));
    wasm_v128_store(ow + i, nw);
  }
  for (; i < n; i++) {
    const float wi = w[i];
    float gi = g[i];
    if (decay) gi = gi + wi * wd;
    float d = gi;
    if (momentum) {
      float nb = b[i] * mom + gi;
      if (masked) nb = nb * mask[i];
      ob[i] = nb;
      d = nesterov ? gi + nb * mom : nb;
    }
    float nw = wi - d * lr;
    if (masked) nw = nw * mask[i];
    ow[i] = nw;
  }
}

/*
 * Column sums of a row-major [rows, cols] matrix: out[c] = x[0][c] + x[1][c] + ... in row order
 * (the reduction of a leading axis, as a bias gradient needs).
 */
EXPORT(colsum)
void colsum(const float *x, int rows, int cols, float *out) {
  const int c4 = cols & ~3;
  for (int c = 0; c < cols; c++) out[c] = 0.0f;
  for (int r = 0; r < rows; r++) {
    const float *s = x + (long)r * cols;
    int c = 0;
    for (; c < c4; c += 4) wasm_v128_store(out + c, wasm_f32x4_add(wasm_v128_load(out + c), wasm_v128_load(s + c)));
    for (; c < cols; c++) out[c] += s[c];
  }
}

/*
 * In-place masked multiply: w[i] = w[i] * m[i], stored only for the blocks of 4 whose bits change
 * (after the first application a mask changes nothing, and the pass only reads). The result is
 * bit-identical to writing every product.
 */
EXPORT(mask_mul)
void mask_mul(float *w, const float *m, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t wi = wasm_v128_load(w + i);
    const v128_t p = wasm_f32x4_mul(wi, wasm_v128_load(m + i));
    if (wasm_v128_any_true(wasm_v128_xor(p, wi))) wasm_v128_store(w + i, p);
  }
  for (; i < n; i++) w[i] = w[i] * m[i];
}

/* The 0/1 flags of 16 sign comparisons as bytes: sign(a) != sign(b), sign(0) = sign(NaN) = 0. */
static inline v128_t flips16(const float *a, const float *b) {
  const v128_t z = wasm_f32x4_splat(0.0f);
  v128_t f[4];
  for (int j = 0; j < 4; j++) {
    const v128_t x = wasm_v128_load(a + 4 * j), y = wasm_v128_load(b + 4 * j);
    f[j] = wasm_v128_or(wasm_v128_xor(wasm_f32x4_gt(x, z), wasm_f32x4_gt(y, z)),
                        wasm_v128_xor(wasm_f32x4_lt(x, z), wasm_f32x4_lt(y, z)));
  }
  const v128_t lo = wasm_i16x8_narrow_i32x4(f[0], f[1]), hi = wasm_i16x8_narrow_i32x4(f[2], f[3]);
  return wasm_i8x16_narrow_i16x8(lo, hi); /* -1 / 0 per byte */
}

/* Sum of the 16 unsigned bytes of v. */
static inline int32_t bytesum(v128_t v) {
  const v128_t s = wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(v));
  return wasm_i32x4_extract_lane(s, 0) + wasm_i32x4_extract_lane(s, 1) + wasm_i32x4_extract_lane(s, 2) +
         wasm_i32x4_extract_lane(s, 3);
}

/*
 * Sign flips between a and b among kept weights (m[i] = 1; mask bytes are 0 or 1):
 * out[0] = #{i : m[i], sign(a[i]) != sign(b[i])}, out[1] = #{i : m[i]}. Counts are added to out.
 */
EXPORT(flip_count)
void flip_count(const float *a, const float *b, const uint8_t *m, int n, int32_t *out) {
  int32_t flipped = 0, kept = 0;
  int i = 0;
  while (i + 16 <= n) {
    /* Byte counters hold at most 255 blocks before they are folded into 32-bit sums. */
    v128_t fb = wasm_i8x16_splat(0), kb = wasm_i8x16_splat(0);
    for (int blocks = 0; blocks < 255 && i + 16 <= n; blocks++, i += 16) {
      const v128_t k = wasm_v128_load(m + i);
      fb = wasm_i8x16_add(fb, wasm_v128_and(flips16(a + i, b + i), k));
      kb = wasm_i8x16_add(kb, k);
    }
    flipped += bytesum(fb);
    kept += bytesum(kb);
  }
  for (; i < n; i++) {
    const float x = a[i], y = b[i];
    const int sx = (x > 0.0f) - (x < 0.0f), sy = (y > 0.0f) - (y < 0.0f);
    kept += m[i];
    flipped += m[i] & (sx != sy);
  }
  out[0] += flipped;
  out[1] += kept;
}
