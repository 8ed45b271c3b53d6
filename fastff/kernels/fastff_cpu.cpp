// fastff CPU kernels: hard-descent eval of FFF (leaf-MLP form) and FastFeedForward (node-neuron form).
// Plain C++ (no torch headers) compiled once with the system compiler, called through ctypes.
#include <cstdint>
#include <cstring>
#include <cmath>
#include <vector>
#include <type_traits>
#include <omp.h>

typedef uint16_t bf16_t;
static inline float bf2f(bf16_t u) { uint32_t v = (uint32_t)u << 16; float f; std::memcpy(&f, &v, 4); return f; }
static inline bf16_t f2bf(float f) {            // round to nearest even, NaN kept quiet
  uint32_t v; std::memcpy(&v, &f, 4);
  if ((v & 0x7fffffffu) > 0x7f800000u) return (bf16_t)((v >> 16) | 0x40);
  return (bf16_t)((v + 0x7fffu + ((v >> 16) & 1u)) >> 16);
}
template <typename T> struct Acc { typedef T type; };
template <> struct Acc<bf16_t> { typedef float type; };
template <typename A> static inline A cvt(float v) { return v; }
template <typename A> static inline A ld(const float* p, long i) { return p[i]; }
template <typename A> static inline A ld(const double* p, long i) { return p[i]; }
template <typename A> static inline A ld(const bf16_t* p, long i) { return bf2f(p[i]); }

// activations: 0 identity, 1 relu, 2 gelu (erf), 3 silu, 4 tanh, 5 sigmoid
template <typename A> static inline A act(int a, A z) {
  switch (a) {
    case 1: return z < 0 ? (A)0 : z;             // NaN stays NaN (as torch.relu)
    case 2: return (A)0.5 * z * ((A)1 + std::erf(z * (A)0.70710678118654752440));
    case 3: return z / ((A)1 + std::exp(-z));
    case 4: return std::tanh(z);
    case 5: return (A)1 / ((A)1 + std::exp(-z));
    default: return z;
  }
}

// Explicit SIMD through GCC/Clang vector extensions (portable: lowered to AVX2/AVX-512/NEON/SSE by the compiler).
template <typename A> struct VT;
template <> struct VT<float> { typedef float v __attribute__((vector_size(32))); static constexpr int W = 8; };
template <> struct VT<double> { typedef double v __attribute__((vector_size(32))); static constexpr int W = 4; };
typedef uint16_t u16x8 __attribute__((vector_size(16)));
typedef uint32_t u32x8 __attribute__((vector_size(32)));
template <typename A> static inline typename VT<A>::v vld(const A* p) { typename VT<A>::v r; std::memcpy(&r, p, sizeof(r)); return r; }
static inline VT<float>::v vld_bf(const bf16_t* p) {
  u16x8 h; std::memcpy(&h, p, 16);
  u32x8 w = __builtin_convertvector(h, u32x8) << 16;
  VT<float>::v r; std::memcpy(&r, &w, 32); return r;
}
template <typename A, typename T> static inline typename VT<A>::v vload(const T* p) {
  if constexpr (std::is_same<T, bf16_t>::value) return vld_bf(p); else return vld<A>((const A*)p);
}
template <typename A> static inline void vst(A* p, typename VT<A>::v v) { std::memcpy(p, &v, sizeof(v)); }

// dot product, 4 independent vector accumulators (hides FMA latency)
template <typename T, typename A> static inline A dot(const A* __restrict x, const T* __restrict w, long n) {
  typedef typename VT<A>::v V; constexpr int W = VT<A>::W;
  V a0 = {}, a1 = {}, a2 = {}, a3 = {};
  long i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    a0 += vld<A>(x + i) * vload<A, T>(w + i);
    a1 += vld<A>(x + i + W) * vload<A, T>(w + i + W);
    a2 += vld<A>(x + i + 2 * W) * vload<A, T>(w + i + 2 * W);
    a3 += vld<A>(x + i + 3 * W) * vload<A, T>(w + i + 3 * W);
  }
  for (; i + W <= n; i += W) a0 += vld<A>(x + i) * vload<A, T>(w + i);
  V a = (a0 + a1) + (a2 + a3);
  A s = 0;
  for (int k = 0; k < W; k++) s += a[k];
  for (; i < n; i++) s += x[i] * ld<A>(w, i);
  return s;
}
template <typename T, typename A> static inline void axpy(A* __restrict y, A h, const T* __restrict w, long n) {
  typedef typename VT<A>::v V; constexpr int W = VT<A>::W;
  long i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    vst<A>(y + i, vld<A>(y + i) + h * vload<A, T>(w + i));
    vst<A>(y + i + W, vld<A>(y + i + W) + h * vload<A, T>(w + i + W));
  }
  for (; i + W <= n; i += W) vst<A>(y + i, vld<A>(y + i) + h * vload<A, T>(w + i));
  for (; i < n; i++) y[i] += h * ld<A>(w, i);
}

// counting sort of row ids by key in [0, nkeys): perm (rows), off (nkeys + 1)
static void count_sort(const int32_t* key, long rows, long nkeys, int32_t* perm, std::vector<long>& off) {
  off.assign(nkeys + 1, 0);
  for (long r = 0; r < rows; r++) off[key[r] + 1]++;
  for (long k = 0; k < nkeys; k++) off[k + 1] += off[k];
  std::vector<long> pos(off.begin(), off.end() - 1);
  for (long r = 0; r < rows; r++) perm[pos[key[r]]++] = (int32_t)r;
}

// ---------------------------------------------------------------- FastFeedForward (node-neuron form)
// x (rows,in); nw (trees,nodes,in); nb (trees,nodes) or null; ow (trees,nodes,out); ob (out) or null;
// y (rows,out) written once. nodes = 2^(depth+1)-1, path length P = depth+1 per tree.
// Pass 1 walks levels [0,split) of every tree row by row and records (node, activation) per level.
// Rows are then grouped (counting sort) by tree 0's node at level `split`, so rows sharing a subtree run
// back to back and the deeper node weights are reused from cache. Pass 2 walks the remaining levels
// and writes y[r] = ob + sum over the path of act(z) * ow[node], accumulated in registers, 64 outputs
// at a time, so y is written once instead of read-modified-written once per level.
template <typename T, typename A>
static inline void walk(const A* xr, const T* nw, const T* nb, long in, long& node, int l0, int l1, int a,
                        int32_t* pn, A* ph) {
  for (int l = l0; l < l1; l++) {
    A z = dot<T, A>(xr, nw + node * in, in) + (nb ? ld<A>(nb, node) : (A)0);
    pn[l] = (int32_t)node; ph[l] = act<A>(a, z);
    node = 2 * node + 1 + (z >= 0);
  }
}
template <typename T, typename A>
static inline void gather_out(A* __restrict yr, const T* ow, const T* ob, long out, long nodes, int P, long trees,
                              const int32_t* pn, const A* ph) {
  typedef typename VT<A>::v V; constexpr int W = VT<A>::W;
  long o = 0;
  for (; o + 4 * W <= out; o += 4 * W) {
    V c0 = {}, c1 = {}, c2 = {}, c3 = {};
    if (ob) { c0 = vload<A, T>(ob + o); c1 = vload<A, T>(ob + o + W); c2 = vload<A, T>(ob + o + 2 * W); c3 = vload<A, T>(ob + o + 3 * W); }
    for (long k = 0; k < trees * P; k++) {
      const T* w = ow + ((k / P) * nodes + pn[k]) * out + o;
      const A h = ph[k];
      c0 += h * vload<A, T>(w); c1 += h * vload<A, T>(w + W); c2 += h * vload<A, T>(w + 2 * W); c3 += h * vload<A, T>(w + 3 * W);
    }
    vst<A>(yr + o, c0); vst<A>(yr + o + W, c1); vst<A>(yr + o + 2 * W, c2); vst<A>(yr + o + 3 * W, c3);
  }
  for (; o < out; o++) {
    A c = ob ? ld<A>(ob, o) : (A)0;
    for (long k = 0; k < trees * P; k++) c += ph[k] * ld<A>(ow + ((k / P) * nodes + pn[k]) * out, o);
    yr[o] = c;
  }
}

// Two rows at once (neighbours after grouping share most of their path): where both rows use the same node its
// weights are loaded once for the two; elsewhere the two independent chains still overlap their memory latency.
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
template <typename T, typename A>
static inline void gather_out2(A* __restrict y0, A* __restrict y1, const T* ow, const T* ob, long out, long nodes, int P,
                               long trees, const int32_t* pn0, const A* ph0, const int32_t* pn1, const A* ph1) {
  typedef typename VT<A>::v V; constexpr int W = VT<A>::W;
  long o = 0;
  for (; o + 2 * W <= out; o += 2 * W) {
    V c0 = {}, c1 = {}, d0 = {}, d1 = {};
    if (ob) { c0 = d0 = vload<A, T>(ob + o); c1 = d1 = vload<A, T>(ob + o + W); }
    for (long k = 0; k < trees * P; k++) {
      const T* w0 = ow + ((k / P) * nodes + pn0[k]) * out + o;
      const T* w1 = ow + ((k / P) * nodes + pn1[k]) * out + o;
      const A h0 = ph0[k], h1 = ph1[k];
      if (w0 == w1) { V u = vload<A, T>(w0), v = vload<A, T>(w0 + W); c0 += h0 * u; c1 += h0 * v; d0 += h1 * u; d1 += h1 * v; }
      else { c0 += h0 * vload<A, T>(w0); c1 += h0 * vload<A, T>(w0 + W); d0 += h1 * vload<A, T>(w1); d1 += h1 * vload<A, T>(w1 + W); }
    }
    vst<A>(y0 + o, c0); vst<A>(y0 + o + W, c1); vst<A>(y1 + o, d0); vst<A>(y1 + o + W, d1);
  }
  for (; o < out; o++) {
    A c = ob ? ld<A>(ob, o) : (A)0, d = c;
    for (long k = 0; k < trees * P; k++) {
      c += ph0[k] * ld<A>(ow + ((k / P) * nodes + pn0[k]) * out, o);
      d += ph1[k] * ld<A>(ow + ((k / P) * nodes + pn1[k]) * out, o);
    }
    y0[o] = c; y1[o] = d;
  }
}

template <typename T>
static void fastff_impl(const T* x, const T* nw, const T* nb, const T* ow, const T* ob, T* y, int64_t* leaves,
                        long rows, long in, long out, long trees, int depth, int a, int split, int nthreads) {
  typedef typename Acc<T>::type A;
  const long nodes = (2L << depth) - 1;
  const int P = depth + 1;
  const bool conv = !std::is_same<T, A>::value;
  if (split > depth) split = depth;
  if (split < 0) split = 0;
  const long nkeys = 1L << split;
  std::vector<int32_t> key(rows), perm(rows), pnode(rows * trees * P);
  std::vector<A> phs(rows * trees * P);
  std::vector<long> off;
  if (rows * P * (in + out) * trees < 1000000) nthreads = 1;   // fork-join is not worth it below ~1 M FMA
#pragma omp parallel num_threads(nthreads)
  {
    std::vector<A> xb(conv ? 2 * in : 0), yb(conv ? 2 * out : 0);
    auto xrow = [&](long r, int s) -> const A* {
      if (!conv) return (const A*)(x + r * in);
      A* b = xb.data() + s * in;
      for (long i = 0; i < in; i++) b[i] = ld<A>(x + r * in, i);
      return b;
    };
    const long pairs = (rows + 1) / 2;
    if (split > 0) {
#pragma omp for schedule(static)
      for (long q = 0; q < pairs; q++) {
        const long r0 = 2 * q, r1 = r0 + 1 < rows ? r0 + 1 : r0;   // an odd last row is paired with itself
        const A *x0 = xrow(r0, 0), *x1 = xrow(r1, 1);
        for (long t = 0; t < trees; t++) {
          long n0 = 0, n1 = 0;
          int32_t *pn0 = &pnode[(r0 * trees + t) * P], *pn1 = &pnode[(r1 * trees + t) * P];
          walk2<T, A>(x0, x1, nw + t * nodes * in, nb ? nb + t * nodes : nullptr, in, n0, n1, 0, split, a,
                      pn0, &phs[(r0 * trees + t) * P], pn1, &phs[(r1 * trees + t) * P]);
          pn0[P - 1] = (int32_t)n0; pn1[P - 1] = (int32_t)n1;  // level-`split` nodes, parked until pass 2
          if (t == 0) { key[r0] = (int32_t)(n0 - (nkeys - 1)); key[r1] = (int32_t)(n1 - (nkeys - 1)); }
        }
      }
#pragma omp single
      count_sort(key.data(), rows, nkeys, perm.data(), off);
    }
#pragma omp for schedule(static)
    for (long q = 0; q < pairs; q++) {
      const long p1 = 2 * q + 1 < rows ? 2 * q + 1 : 2 * q;
      const long r0 = split > 0 ? perm[2 * q] : 2 * q, r1 = split > 0 ? perm[p1] : p1;
      const A *x0 = xrow(r0, 0), *x1 = xrow(r1, 1);
      for (long t = 0; t < trees; t++) {
        int32_t *pn0 = &pnode[(r0 * trees + t) * P], *pn1 = &pnode[(r1 * trees + t) * P];
        long n0 = split > 0 ? pn0[P - 1] : 0, n1 = split > 0 ? pn1[P - 1] : 0;
        walk2<T, A>(x0, x1, nw + t * nodes * in, nb ? nb + t * nodes : nullptr, in, n0, n1, split, P, a,
                    pn0, &phs[(r0 * trees + t) * P], pn1, &phs[(r1 * trees + t) * P]);
      }
      for (long t = 0; t < trees; t++) {
        leaves[r0 * trees + t] = pnode[(r0 * trees + t) * P + P - 1] - ((1L << depth) - 1);
        leaves[r1 * trees + t] = pnode[(r1 * trees + t) * P + P - 1] - ((1L << depth) - 1);
      }
      A* y0 = conv ? yb.data() : (A*)(y + r0 * out);
      A* y1 = conv ? yb.data() + out : (A*)(y + r1 * out);
      gather_out2<T, A>(y0, y1, ow, ob, out, nodes, P, trees, &pnode[r0 * trees * P], &phs[r0 * trees * P],
                        &pnode[r1 * trees * P], &phs[r1 * trees * P]);
      if (conv) for (long o = 0; o < out; o++) { ((bf16_t*)y)[r0 * out + o] = f2bf(y0[o]); ((bf16_t*)y)[r1 * out + o] = f2bf(y1[o]); }
    }
  }
}

// ---------------------------------------------------------------- FFF (leaf-MLP form)
// hard descent: nw (nodes,in), nb (nodes) -> leaf (rows,) int64; nodes = 2^depth - 1
template <typename T>
static void descend_impl(const T* x, const T* nw, const T* nb, int64_t* leaf, long rows, long in, int depth, int nthreads) {
  typedef typename Acc<T>::type A;
  const bool conv = !std::is_same<T, A>::value;
  if (rows * depth * in < 1000000) nthreads = 1;
#pragma omp parallel num_threads(nthreads)
  {
    std::vector<A> xb(conv ? in : 0);
#pragma omp for schedule(static)
    for (long r = 0; r < rows; r++) {
      const A* xr;
      if (conv) { for (long i = 0; i < in; i++) xb[i] = ld<A>(x + r * in, i); xr = xb.data(); }
      else xr = (const A*)(x + r * in);
      long node = 0;
      for (int l = 0; l < depth; l++) {
        A z = dot<T, A>(xr, nw + node * in, in) + (nb ? ld<A>(nb, node) : (A)0);
        node = 2 * node + 1 + (z >= 0);
      }
      leaf[r] = node - ((1L << depth) - 1);
    }
  }
}

// leaf MLP: y[r] = act(x[r] @ w1[leaf] + b1[leaf]) @ w2[leaf] + b2[leaf]; w1 (leaves,in,L), w2 (leaves,L,out).
// Rows are grouped by leaf so each leaf's weights are read once per call and reused from cache.
template <typename T>
static int leaf_mlp_impl(const T* x, const int64_t* leaf, const T* w1, const T* b1, const T* w2, const T* b2, T* y,
                         long rows, long in, long L, long out, long leaves, int a, int nthreads) {
  typedef typename Acc<T>::type A;
  const bool conv = !std::is_same<T, A>::value;
  std::vector<int32_t> key(rows), perm(rows);
  for (long r = 0; r < rows; r++) { if (leaf[r] < 0 || leaf[r] >= leaves) return 1; key[r] = (int32_t)leaf[r]; }
  std::vector<long> off;
  count_sort(key.data(), rows, leaves, perm.data(), off);
  if (rows * L * (in + out) < 1000000) nthreads = 1;
#pragma omp parallel num_threads(nthreads)
  {
    std::vector<A> xb(conv ? in : 0), h(L), yb(conv ? out : 0);
#pragma omp for schedule(static)
    for (long p = 0; p < rows; p++) {
      const long r = perm[p], e = key[r];
      const A* xr;
      if (conv) { for (long i = 0; i < in; i++) xb[i] = ld<A>(x + r * in, i); xr = xb.data(); }
      else xr = (const A*)(x + r * in);
      const T* W1 = w1 + e * in * L;
      const T* W2 = w2 + e * L * out;
      for (long j = 0; j < L; j++) h[j] = b1 ? ld<A>(b1 + e * L, j) : (A)0;
      for (long i = 0; i < in; i++) axpy<T, A>(h.data(), xr[i], W1 + i * L, L);
      A* yr = conv ? yb.data() : (A*)(y + r * out);
      for (long o = 0; o < out; o++) yr[o] = b2 ? ld<A>(b2 + e * out, o) : (A)0;
      for (long j = 0; j < L; j++) axpy<T, A>(yr, act<A>(a, h[j]), W2 + j * out, out);
      if (conv) for (long o = 0; o < out; o++) ((bf16_t*)y)[r * out + o] = f2bf(yb[o]);
    }
  }
  return 0;
}

#define DEF(SUF, T)                                                                                              \
  extern "C" void fastff_##SUF(const void* x, const void* nw, const void* nb, const void* ow, const void* ob,     \
                               void* y, int64_t* leaves, long rows, long in, long out, long trees, int depth,    \
                               int a, int split, int nthreads) {                                                \
    fastff_impl<T>((const T*)x, (const T*)nw, (const T*)nb, (const T*)ow, (const T*)ob, (T*)y, leaves, rows, in,  \
                   out, trees, depth, a, split, nthreads);                                                      \
  }                                                                                                             \
  extern "C" void descend_##SUF(const void* x, const void* nw, const void* nb, int64_t* leaf, long rows, long in,  \
                                int depth, int nthreads) {                                                       \
    descend_impl<T>((const T*)x, (const T*)nw, (const T*)nb, leaf, rows, in, depth, nthreads);                   \
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
extern "C" int fastff_abi_version() { return 1; }
