// fastff CPU kernels: hard-descent inference of FastFeedForward (node-neuron form) and FFF (leaf-MLP form).
// Plain C++17 (no torch or Python headers), compiled once by fastff.kernels.cpu.load_library, called through ctypes.
// Every entry point takes raw pointers to contiguous tensors of one dtype T (float, double or bf16) and accumulates
// in A (float for bf16, else T). NaN and inf propagate as in PyTorch: no fast-math, and ReLU keeps NaN.

// ==== scalars
#include <cstdint>
#include <cstring>
#include <cmath>
#include <vector>
#include <algorithm>
#include <type_traits>
#include <omp.h>
#if defined(__AVX__)
#include <immintrin.h>
#endif

typedef uint16_t bf16_t;
static inline float bf2f(bf16_t u) { uint32_t v = (uint32_t)u << 16; float f; std::memcpy(&f, &v, 4); return f; }
static inline bf16_t f2bf(float f) {                  // round to nearest even; NaN stays a (quiet) NaN
  uint32_t v; std::memcpy(&v, &f, 4);
  if ((v & 0x7fffffffu) > 0x7f800000u) return (bf16_t)((v >> 16) | 0x40);
  return (bf16_t)((v + 0x7fffu + ((v >> 16) & 1u)) >> 16);
}
template <typename T> struct Acc { typedef T type; };
template <> struct Acc<bf16_t> { typedef float type; };
template <typename A> static inline A ld(const float* p, long i) { return p[i]; }
template <typename A> static inline A ld(const double* p, long i) { return p[i]; }
template <typename A> static inline A ld(const bf16_t* p, long i) { return bf2f(p[i]); }
template <typename A> static inline void st(float* p, long i, A v) { p[i] = v; }
template <typename A> static inline void st(double* p, long i, A v) { p[i] = v; }
template <typename A> static inline void st(bf16_t* p, long i, A v) { p[i] = f2bf(v); }

// activations (codes as in ACT_CODES): 0 identity, 1 relu, 2 gelu (erf form), 3 silu, 4 tanh, 5 sigmoid
template <typename A> static inline A act(int a, A z) {
  switch (a) {
    case 1: return z < 0 ? (A)0 : z;                  // NaN stays NaN, as torch.relu
    case 2: return (A)0.5 * z * ((A)1 + std::erf(z * (A)0.70710678118654752440));
    case 3: return z / ((A)1 + std::exp(-z));
    case 4: return std::tanh(z);
    case 5: return (A)1 / ((A)1 + std::exp(-z));
    default: return z;
  }
}

// ==== vectors
// Explicit SIMD through GCC/Clang vector extensions: lowered to AVX2/AVX-512/NEON/SSE by -march=native.
template <typename A> struct VT;
template <> struct VT<float> { typedef float v __attribute__((vector_size(32))); static constexpr int W = 8; };
template <> struct VT<double> { typedef double v __attribute__((vector_size(32))); static constexpr int W = 4; };
typedef uint16_t u16x8 __attribute__((vector_size(16)));
typedef uint32_t u32x8 __attribute__((vector_size(32)));
template <typename A> static inline typename VT<A>::v vld(const A* p) { typename VT<A>::v r; std::memcpy(&r, p, sizeof(r)); return r; }
static inline VT<float>::v vld_bf(const bf16_t* p) {  // 8 bf16 -> 8 float: shift into the high half
  u16x8 h; std::memcpy(&h, p, 16);
  u32x8 w = __builtin_convertvector(h, u32x8) << 16;
  VT<float>::v r; std::memcpy(&r, &w, 32); return r;
}
template <typename A, typename T> static inline typename VT<A>::v vload(const T* p) {
  if constexpr (std::is_same<T, bf16_t>::value) return vld_bf(p); else return vld<A>((const A*)p);
}
template <typename A> static inline void vst(A* p, typename VT<A>::v v) { std::memcpy(p, &v, sizeof(v)); }

// A store that bypasses the caches (a non-temporal store) where the address allows: a large y is written once and
// not read back here, so streaming it out keeps the weights in the last-level cache and saves the read-for-ownership.
template <typename A> static inline void vst_nt(A* p, typename VT<A>::v v) {
#if defined(__AVX__)
  if (((uintptr_t)p & 31) == 0) {
    if constexpr (std::is_same<A, float>::value) { __m256 m; std::memcpy(&m, &v, 32); _mm256_stream_ps(p, m); return; }
    else { __m256d m; std::memcpy(&m, &v, 32); _mm256_stream_pd(p, m); return; }
  }
#endif
  vst<A>(p, v);
}
template <bool NT, typename A> static inline void vstore(A* p, typename VT<A>::v v) { if (NT) vst_nt<A>(p, v); else vst<A>(p, v); }
static inline void store_fence() {                    // non-temporal stores are visible to others after this
#if defined(__AVX__)
  _mm_sfence();
#endif
}
static inline bool stream_out(long bytes) { return bytes >= (4L << 20); }   // y beyond the L2s: stream it

// <x0, w0> and <x1, w1> together: two independent chains overlap their memory latency; where the two rows sit at
// the same node (w0 == w1) each weight vector is loaded once for both.
template <typename T, typename A>
static inline void dot2(const A* __restrict x0, const A* __restrict x1, const T* w0, const T* w1, long n, A& s0, A& s1) {
  typedef typename VT<A>::v V; constexpr int W = VT<A>::W;
  V a0 = {}, a1 = {}, b0 = {}, b1 = {};
  long i = 0;
  if (w0 == w1) {
    for (; i + 2 * W <= n; i += 2 * W) {
      V u = vload<A, T>(w0 + i), v = vload<A, T>(w0 + i + W);
      a0 += vld<A>(x0 + i) * u; a1 += vld<A>(x0 + i + W) * v; b0 += vld<A>(x1 + i) * u; b1 += vld<A>(x1 + i + W) * v;
    }
  } else {
    for (; i + 2 * W <= n; i += 2 * W) {
      a0 += vld<A>(x0 + i) * vload<A, T>(w0 + i); a1 += vld<A>(x0 + i + W) * vload<A, T>(w0 + i + W);
      b0 += vld<A>(x1 + i) * vload<A, T>(w1 + i); b1 += vld<A>(x1 + i + W) * vload<A, T>(w1 + i + W);
    }
  }
  V a = a0 + a1, b = b0 + b1;
  A r0 = 0, r1 = 0;
  for (int k = 0; k < W; k++) { r0 += a[k]; r1 += b[k]; }
  for (; i < n; i++) { r0 += x0[i] * ld<A>(w0, i); r1 += x1[i] * ld<A>(w1, i); }
  s0 = r0; s1 = r1;
}
static inline void prefetch(const void* p, long bytes) {
  for (long b = 0; b < bytes; b += 64) __builtin_prefetch((const char*)p + b);
}

// ==== grouping
// counting sort of row ids by key in [0, nkeys): perm (rows,) lists the rows key by key
static void count_sort(const int32_t* key, long rows, long nkeys, int32_t* perm) {
  std::vector<long> pos(nkeys + 1, 0);
  for (long r = 0; r < rows; r++) pos[key[r] + 1]++;
  for (long k = 0; k < nkeys; k++) pos[k + 1] += pos[k];
  for (long r = 0; r < rows; r++) perm[pos[key[r]]++] = (int32_t)r;
}
// usage counts: counts[t * n_leaves + leaves[r, t]] += 1 (one thread: a few thousand increments)
static void count_leaves(int64_t* counts, const int64_t* leaves, long rows, long trees, long n_leaves) {
  if (!counts) return;
  for (long r = 0; r < rows; r++)
    for (long t = 0; t < trees; t++) counts[t * n_leaves + leaves[r * trees + t]]++;
}

// ==== fastff: pass 1
// Pass 1: levels [0, split) of every tree, two rows at a time, recording (node, act(z)) per level.
template <typename T, typename A>
static inline void walk2(const A* x0, const A* x1, const T* nw, const T* nb, long in, long& n0, long& n1, int l0, int l1,
                         int a, int32_t* pn0, A* ph0, int32_t* pn1, A* ph1) {
  for (int l = l0; l < l1; l++) {
    A z0, z1;
    dot2<T, A>(x0, x1, nw + n0 * in, nw + n1 * in, in, z0, z1);
    if (nb) { z0 += ld<A>(nb, n0); z1 += ld<A>(nb, n1); }
    pn0[l] = (int32_t)n0; ph0[l] = act<A>(a, z0); pn1[l] = (int32_t)n1; ph1[l] = act<A>(a, z1);
    n0 = 2 * n0 + 1 + (z0 >= 0); n1 = 2 * n1 + 1 + (z1 >= 0);
  }
}
// ==== fastff: output
// y0, y1 = ob + sum_k h[k] * p[k][:] for two rows: the K output-weight rows of each path summed in registers,
// 32 outputs at a time, so y is written once. The leading rows both paths share (their common ancestors: rows are
// paired in subtree order) are loaded once for both. Rows k >= k0 (the deep levels, rarely in cache) are prefetched
// PFD bytes ahead: the hardware prefetchers do not follow 2K interleaved streams.
template <typename T, typename A, bool NT>
static inline void gather2(A* __restrict y0, A* __restrict y1, const T* ob, long out, int K, int k0,
                           const T* const* p0, const A* h0, const T* const* p1, const A* h1) {
  typedef typename VT<A>::v V; constexpr int W = VT<A>::W;
  constexpr long PFD = 512;
  const long bytes = out * (long)sizeof(T);
  int ks = 0;                                         // leading path entries the two rows share
  while (ks < K && p0[ks] == p1[ks]) ks++;
  for (int k = k0; k < K; k++) { prefetch(p0[k], std::min(PFD, bytes)); prefetch(p1[k], std::min(PFD, bytes)); }
  long o = 0;
  for (; o + 4 * W <= out; o += 4 * W) {
    V c0 = {}, c1 = {}, c2 = {}, c3 = {};
    if (ob) { c0 = vload<A, T>(ob + o); c1 = vload<A, T>(ob + o + W); c2 = vload<A, T>(ob + o + 2 * W); c3 = vload<A, T>(ob + o + 3 * W); }
    V d0 = c0, d1 = c1, d2 = c2, d3 = c3;
    if ((o + 4 * W) * (long)sizeof(T) + PFD <= bytes + 64)
      for (int k = k0; k < K; k++) {
        prefetch((const char*)(p0[k] + o) + PFD, 4 * W * sizeof(T)); prefetch((const char*)(p1[k] + o) + PFD, 4 * W * sizeof(T));
      }
    int k = 0;
    for (; k < ks; k++) {                             // the rows' shared ancestors: one load feeds both rows
      const T* a = p0[k] + o; const A ha = h0[k], hb = h1[k];
      const V u0 = vload<A, T>(a), u1 = vload<A, T>(a + W), u2 = vload<A, T>(a + 2 * W), u3 = vload<A, T>(a + 3 * W);
      c0 += ha * u0; c1 += ha * u1; c2 += ha * u2; c3 += ha * u3;
      d0 += hb * u0; d1 += hb * u1; d2 += hb * u2; d3 += hb * u3;
    }
    for (; k < K; k++) {
      const T* a = p0[k] + o; const T* b = p1[k] + o; const A ha = h0[k], hb = h1[k];
      c0 += ha * vload<A, T>(a); c1 += ha * vload<A, T>(a + W); c2 += ha * vload<A, T>(a + 2 * W); c3 += ha * vload<A, T>(a + 3 * W);
      d0 += hb * vload<A, T>(b); d1 += hb * vload<A, T>(b + W); d2 += hb * vload<A, T>(b + 2 * W); d3 += hb * vload<A, T>(b + 3 * W);
    }
    vstore<NT, A>(y0 + o, c0); vstore<NT, A>(y0 + o + W, c1); vstore<NT, A>(y0 + o + 2 * W, c2); vstore<NT, A>(y0 + o + 3 * W, c3);
    vstore<NT, A>(y1 + o, d0); vstore<NT, A>(y1 + o + W, d1); vstore<NT, A>(y1 + o + 2 * W, d2); vstore<NT, A>(y1 + o + 3 * W, d3);
  }
  for (; o < out; o++) {
    A c = ob ? ld<A>(ob, o) : (A)0, d = c;
    for (int k = 0; k < K; k++) { c += h0[k] * ld<A>(p0[k], o); d += h1[k] * ld<A>(p1[k], o); }
    y0[o] = c; y1[o] = d;
  }
}
// ==== fastff: driver
// x (rows, in); nw (trees, nodes, in); nb (trees, nodes) or null; ow (trees, nodes, out); ob (out,) or null;
// y (rows, out); leaves (rows, trees); counts (trees * 2^depth) or null. nodes = 2^(depth+1) - 1, P = depth + 1.
// Pass 1 walks levels [0, split) row by row; rows are then grouped (counting sort) by tree 0's node at level
// `split`, so rows sharing a subtree run back to back and its weights are reused from cache. Pass 2 takes the
// grouped rows CH at a time and walks the remaining levels level by level (two rows at a time), then sums each
// row's output in registers (gather2).
template <typename T>
static void fastff_impl(const T* x, const T* nw, const T* nb, const T* ow, const T* ob, T* y, int64_t* leaves,
                        int64_t* counts, long rows, long in, long out, long trees, int depth, int a, int split,
                        int nthreads) {
  typedef typename Acc<T>::type A;
  constexpr bool conv = !std::is_same<T, A>::value;
  constexpr long CH = 32;
  const long nodes = (2L << depth) - 1;
  const int P = depth + 1;
  split = std::max(0, std::min(split, depth));
  const long nkeys = 1L << split;
  std::vector<int32_t> key(rows), perm(rows), pnode(rows * trees * P);
  std::vector<A> phs(rows * trees * P);
  if (rows * P * (in + out) * trees < 1000000) nthreads = 1;     // fork-join is not worth it below ~1 M FMA
  const bool nt = !conv && stream_out(rows * out * (long)sizeof(T));
#pragma omp parallel num_threads(nthreads)
  {
    std::vector<A> xb(conv ? CH * in : 0), yb(conv ? 2 * out : 0);
    std::vector<const T*> wp0(trees * P), wp1(trees * P);
    const A* xs[CH];
    long nd[CH], rid[CH];
    auto xrow = [&](long r, int s) -> const A* {                 // row r as A (bf16 is widened into slot s)
      if (!conv) return (const A*)(x + r * in);
      A* b = xb.data() + s * in;
      for (long i = 0; i < in; i++) b[i] = ld<A>(x + r * in, i);
      return b;
    };
    if (split > 0) {
      const long pairs = (rows + 1) / 2;
#pragma omp for schedule(static)
      for (long q = 0; q < pairs; q++) {
        const long r0 = 2 * q, r1 = r0 + 1 < rows ? r0 + 1 : r0;   // an odd last row is paired with itself
        const A *x0 = xrow(r0, 0), *x1 = xrow(r1, 1);
        for (long t = 0; t < trees; t++) {
          long n0 = 0, n1 = 0;
          int32_t *pn0 = &pnode[(r0 * trees + t) * P], *pn1 = &pnode[(r1 * trees + t) * P];
          walk2<T, A>(x0, x1, nw + t * nodes * in, nb ? nb + t * nodes : nullptr, in, n0, n1, 0, split, a,
                      pn0, &phs[(r0 * trees + t) * P], pn1, &phs[(r1 * trees + t) * P]);
          pn0[P - 1] = (int32_t)n0; pn1[P - 1] = (int32_t)n1;      // level-`split` node, parked until pass 2
          if (t == 0) { key[r0] = (int32_t)(n0 - (nkeys - 1)); key[r1] = (int32_t)(n1 - (nkeys - 1)); }
        }
      }
#pragma omp single
      count_sort(key.data(), rows, nkeys, perm.data());
    }
    const long chunks = (rows + CH - 1) / CH;
#pragma omp for schedule(static)
    for (long c = 0; c < chunks; c++) {
      const long c0 = c * CH, cn = std::min(CH, rows - c0);
      for (long i = 0; i < cn; i++) { rid[i] = split > 0 ? perm[c0 + i] : c0 + i; xs[i] = xrow(rid[i], (int)i); }
      for (long t = 0; t < trees; t++) {
        const T* nwt = nw + t * nodes * in;
        const T* nbt = nb ? nb + t * nodes : nullptr;
        for (long i = 0; i < cn; i++) nd[i] = split > 0 ? pnode[(rid[i] * trees + t) * P + P - 1] : 0;
        for (int l = split; l < P; l++) {
          for (long i = 0; i < cn; i += 2) {
            const long j = i + 1 < cn ? i + 1 : i;
            A z0, z1;
            dot2<T, A>(xs[i], xs[j], nwt + nd[i] * in, nwt + nd[j] * in, in, z0, z1);
            if (nbt) { z0 += ld<A>(nbt, nd[i]); z1 += ld<A>(nbt, nd[j]); }
            const long k0 = (rid[i] * trees + t) * P + l, k1 = (rid[j] * trees + t) * P + l;
            pnode[k0] = (int32_t)nd[i]; phs[k0] = act<A>(a, z0);
            pnode[k1] = (int32_t)nd[j]; phs[k1] = act<A>(a, z1);
            nd[i] = 2 * nd[i] + 1 + (z0 >= 0);
            if (j != i) nd[j] = 2 * nd[j] + 1 + (z1 >= 0);
          }
        }
        for (long i = 0; i < cn; i++) leaves[rid[i] * trees + t] = pnode[(rid[i] * trees + t) * P + P - 1] - ((1L << depth) - 1);
      }
      for (long i = 0; i < cn; i += 2) {
        const long r0 = rid[i], r1 = rid[i + 1 < cn ? i + 1 : i];
        A* y0 = conv ? yb.data() : (A*)(y + r0 * out);
        A* y1 = conv ? yb.data() + out : (A*)(y + r1 * out);
        for (long k = 0; k < trees * P; k++) {
          wp0[k] = ow + ((k / P) * nodes + pnode[r0 * trees * P + k]) * out;
          wp1[k] = ow + ((k / P) * nodes + pnode[r1 * trees * P + k]) * out;
        }
        if (nt) gather2<T, A, true>(y0, y1, ob, out, (int)(trees * P), trees > 1 ? 0 : split, wp0.data(),
                                    &phs[r0 * trees * P], wp1.data(), &phs[r1 * trees * P]);
        else gather2<T, A, false>(y0, y1, ob, out, (int)(trees * P), trees > 1 ? 0 : split, wp0.data(),
                                  &phs[r0 * trees * P], wp1.data(), &phs[r1 * trees * P]);
        if (conv) for (long o = 0; o < out; o++) { st<A>(y, r0 * out + o, y0[o]); st<A>(y, r1 * out + o, y1[o]); }
      }
    }
    if (nt) store_fence();
  }
  count_leaves(counts, leaves, rows, trees, 1L << depth);
}

// ==== fff: descent
// FFF's hard descent, two rows at a time: nw (2^depth - 1, in), nb (2^depth - 1,) -> leaf (rows,) in [0, 2^depth).
template <typename T>
static void descend_impl(const T* x, const T* nw, const T* nb, int64_t* leaf, long rows, long in, int depth, int nthreads) {
  typedef typename Acc<T>::type A;
  constexpr bool conv = !std::is_same<T, A>::value;
  if (rows * depth * in < 1000000) nthreads = 1;
#pragma omp parallel num_threads(nthreads)
  {
    std::vector<A> xb(conv ? 2 * in : 0);
    const long pairs = (rows + 1) / 2;
#pragma omp for schedule(static)
    for (long q = 0; q < pairs; q++) {
      const long r0 = 2 * q, r1 = r0 + 1 < rows ? r0 + 1 : r0;
      const A *x0 = (const A*)(x + r0 * in), *x1 = (const A*)(x + r1 * in);
      if (conv) {
        for (long i = 0; i < in; i++) { xb[i] = ld<A>(x + r0 * in, i); xb[in + i] = ld<A>(x + r1 * in, i); }
        x0 = xb.data(); x1 = xb.data() + in;
      }
      long n0 = 0, n1 = 0;
      for (int l = 0; l < depth; l++) {
        A z0, z1;
        dot2<T, A>(x0, x1, nw + n0 * in, nw + n1 * in, in, z0, z1);
        if (nb) { z0 += ld<A>(nb, n0); z1 += ld<A>(nb, n1); }
        n0 = 2 * n0 + 1 + (z0 >= 0); n1 = 2 * n1 + 1 + (z1 >= 0);
      }
      leaf[r0] = n0 - ((1L << depth) - 1); leaf[r1] = n1 - ((1L << depth) - 1);
    }
  }
}
// ==== fff: leaf MLP
// y[r] = act(x[r] @ w1[e] + b1[e]) @ w2[e] + b2[e], e = leaf[r]; w1 (leaves, in, L), w2 (leaves, L, out).
// Rows are grouped by leaf (counting sort) so each leaf's two matrices are read from memory once per call.
// Leaf MLPs as small matrix products: the rows of one leaf are taken R = 4 at a time, so every weight vector loaded
// from W1 or W2 feeds 4 rows' FMAs (a register-blocked GEMM micro-kernel: 4 rows x NV vectors of accumulators).
// out[r][c0 : c0 + NV*W] = bias + sum_i a[r][i] * M[i][c0 : ...] for 4 rows, M with rows `stride` apart:
// H = x W1 + b1 (M = W1, stride L) and y = act(H) W2 + b2 (M = W2, stride out).
template <typename T, typename A, int NV, bool NT>
static inline void mm(const A* const* a, const T* M, const T* bias, long K, long stride, long c0, A* const* out) {
  typedef typename VT<A>::v V; constexpr int W = VT<A>::W;
  V c[4][NV];
  for (int v = 0; v < NV; v++) { V b = bias ? vload<A, T>(bias + c0 + v * W) : V{}; for (int r = 0; r < 4; r++) c[r][v] = b; }
  for (long i = 0; i < K; i++) {
    V w[NV];
    for (int v = 0; v < NV; v++) w[v] = vload<A, T>(M + i * stride + c0 + v * W);
    for (int r = 0; r < 4; r++) { const A ai = a[r][i]; for (int v = 0; v < NV; v++) c[r][v] += ai * w[v]; }
  }
  for (int r = 0; r < 4; r++) for (int v = 0; v < NV; v++) vstore<NT, A>(out[r] + c0 + v * W, c[r][v]);
}
// out[r][0:n] = bias[0:n] + sum_i a[r][i] * M[i * stride + 0:n] for R rows, n < W: the columns past the last
// full vector of `mm` (M = W1 or W2), still reading M row by row in order.
template <typename T, typename A, int R>
static inline void tail_cols(const A* const* a, const T* M, const T* bias, long K, long stride, long n, A* const* out) {
  A s[R][VT<A>::W];
  for (int r = 0; r < R; r++) for (long k = 0; k < n; k++) s[r][k] = bias ? ld<A>(bias, k) : (A)0;
  for (long i = 0; i < K; i++)
    for (int r = 0; r < R; r++) { const A ai = a[r][i]; for (long k = 0; k < n; k++) s[r][k] += ai * ld<A>(M + i * stride, k); }
  for (int r = 0; r < R; r++) for (long k = 0; k < n; k++) out[r][k] = s[r][k];
}
// Returns 1 (and writes nothing) if a leaf index is out of range.
template <typename T>
static int leaf_mlp_impl(const T* x, const int64_t* leaf, const T* w1, const T* b1, const T* w2, const T* b2, T* y,
                         long rows, long in, long L, long out, long leaves, int a, int nthreads) {
  typedef typename Acc<T>::type A;
  constexpr bool conv = !std::is_same<T, A>::value;
  constexpr int W = VT<A>::W, R = 4;
  std::vector<int32_t> key(rows), perm(rows);
  for (long r = 0; r < rows; r++) { if (leaf[r] < 0 || leaf[r] >= leaves) return 1; key[r] = (int32_t)leaf[r]; }
  count_sort(key.data(), rows, leaves, perm.data());
  std::vector<long> blk;                                         // start of each block of <= R rows of one leaf
  for (long p = 0; p < rows; p++) if (p == 0 || key[perm[p]] != key[perm[p - 1]] || p - blk.back() == R) blk.push_back(p);
  const long nblk = (long)blk.size();
  blk.push_back(rows);
  if (rows * L * (in + out) < 1000000) nthreads = 1;
  const long Lv = L / W * W, Ov = out / W * W;
  const bool nt = !conv && stream_out(rows * out * (long)sizeof(T));
#pragma omp parallel num_threads(nthreads)
  {
    std::vector<A> xb(conv ? R * in : 0), H(R * L), yb(R * out);
    const A* xs[R]; A* ys[R];
#pragma omp for schedule(static)
    for (long b = 0; b < nblk; b++) {
      const long p0 = blk[b], n = blk[b + 1] - p0, e = key[perm[p0]];
      for (int r = 0; r < R; r++) {                              // a short block repeats its last row
        const long row = perm[p0 + (r < n ? r : n - 1)];
        if (conv) { for (long i = 0; i < in; i++) xb[r * in + i] = ld<A>(x + row * in, i); xs[r] = xb.data() + r * in; }
        else xs[r] = (const A*)(x + row * in);
        ys[r] = (conv || r >= n) ? yb.data() + r * out : (A*)(y + row * out);
      }
      const T* W1 = w1 + e * in * L; const T* W2 = w2 + e * L * out;
      const T* B1 = b1 ? b1 + e * L : nullptr; const T* B2 = b2 ? b2 + e * out : nullptr;
      A* hs[R]; const A* hr[R];
      for (int r = 0; r < R; r++) hr[r] = hs[r] = H.data() + r * L;
      long j = 0;
      for (; j + 4 * W <= Lv; j += 4 * W) mm<T, A, 4, false>(xs, W1, B1, in, L, j, hs);
      for (; j + W <= Lv; j += W) mm<T, A, 1, false>(xs, W1, B1, in, L, j, hs);
      if (j < L) {                                               // the < W columns past the last full vector
        A* hj[R];
        for (int r = 0; r < R; r++) hj[r] = hs[r] + j;
        tail_cols<T, A, R>(xs, W1 + j, B1 ? B1 + j : nullptr, in, L, L - j, hj);
      }
      for (long k = 0; k < R * L; k++) H[k] = act<A>(a, H[k]);
      long o = 0;
      for (; o + 4 * W <= Ov; o += 4 * W)
        if (nt) mm<T, A, 4, true>(hr, W2, B2, L, out, o, ys); else mm<T, A, 4, false>(hr, W2, B2, L, out, o, ys);
      for (; o + W <= Ov; o += W) mm<T, A, 1, false>(hr, W2, B2, L, out, o, ys);
      if (o < out) {                                             // the < W outputs past the last full vector
        A* yo[R];
        for (int r = 0; r < R; r++) yo[r] = ys[r] + o;
        tail_cols<T, A, R>(hr, W2 + o, B2 ? B2 + o : nullptr, L, out, out - o, yo);
      }
      if (conv) for (long r = 0; r < n; r++) for (long oo = 0; oo < out; oo++) st<A>(y, perm[p0 + r] * out + oo, ys[r][oo]);
    }
    if (nt) store_fence();
  }
  return 0;
}

// ==== entry points
#define DEF(SUF, T)                                                                                              \
  extern "C" void fastff_##SUF(const void* x, const void* nw, const void* nb, const void* ow, const void* ob,     \
                               void* y, int64_t* leaves, int64_t* counts, long rows, long in, long out,          \
                               long trees, int depth, int a, int split, int nthreads) {                          \
    fastff_impl<T>((const T*)x, (const T*)nw, (const T*)nb, (const T*)ow, (const T*)ob, (T*)y, leaves, counts,    \
                   rows, in, out, trees, depth, a, split, nthreads);                                            \
  }                                                                                                             \
  extern "C" void fff_##SUF(const void* x, const void* nw, const void* nb, const void* w1, const void* b1,        \
                            const void* w2, const void* b2, void* y, int64_t* leaf, int64_t* counts, long rows,  \
                            long in, long L, long out, int depth, int a, int nthreads) {                         \
    descend_impl<T>((const T*)x, (const T*)nw, (const T*)nb, leaf, rows, in, depth, nthreads);                   \
    leaf_mlp_impl<T>((const T*)x, leaf, (const T*)w1, (const T*)b1, (const T*)w2, (const T*)b2, (T*)y, rows, in,  \
                     L, out, 1L << depth, a, nthreads);                                                         \
    count_leaves(counts, leaf, rows, 1, 1L << depth);                                                            \
  }                                                                                                             \
  extern "C" int leaf_mlp_##SUF(const void* x, const int64_t* leaf, const void* w1, const void* b1,               \
                                const void* w2, const void* b2, void* y, long rows, long in, long L, long out,   \
                                long leaves, int a, int nthreads) {                                              \
    return leaf_mlp_impl<T>((const T*)x, leaf, (const T*)w1, (const T*)b1, (const T*)w2, (const T*)b2, (T*)y,    \
                            rows, in, L, out, leaves, a, nthreads);                                              \
  }
DEF(f32, float)
DEF(f64, double)
DEF(bf16, bf16_t)
