// fastff CPU training kernels for FastFeedForward's hard path (forward, backward for x, weight gradients).
// Plain C++ (no torch headers), built once by fastff.kernels.cpu.load_library and called through ctypes.
// Float32 and float64; every sum accumulates in the input's type (fp32 or fp64) in a fixed order: deterministic.
#include <cstdint>
#include <cmath>
#include <cstring>
#include <vector>
#include <omp.h>

// activations: 0 identity, 1 relu, 2 gelu (erf), 3 silu, 4 tanh, 5 sigmoid
template <typename A> static inline A act(int a, A z) {
  switch (a) {
    case 1: return z < 0 ? (A)0 : z;                         // NaN stays NaN
    case 2: return (A)0.5 * z * ((A)1 + std::erf(z * (A)0.70710678118654752440));
    case 3: return z / ((A)1 + std::exp(-z));
    case 4: return std::tanh(z);
    case 5: return (A)1 / ((A)1 + std::exp(-z));
    default: return z;
  }
}
template <typename A> static inline A dact(int a, A z) {
  switch (a) {
    case 1: return z > 0 ? (A)1 : (A)0;
    case 2: return (A)0.5 * ((A)1 + std::erf(z * (A)0.70710678118654752440)) + z * (A)0.39894228040143267794 * std::exp((A)-0.5 * z * z);
    case 3: { A s = (A)1 / ((A)1 + std::exp(-z)); return s * ((A)1 + z * ((A)1 - s)); }
    case 4: { A t = std::tanh(z); return (A)1 - t * t; }
    case 5: { A s = (A)1 / ((A)1 + std::exp(-z)); return s * ((A)1 - s); }
    default: return (A)1;
  }
}

template <typename T> static inline T dot(const T* __restrict a, const T* __restrict b, long n) {
  T s0 = 0, s1 = 0, s2 = 0, s3 = 0;                        // 4 chains: hides FMA latency, vectorised by the compiler
  long i = 0;
  for (; i + 4 <= n; i += 4) { s0 += a[i] * b[i]; s1 += a[i+1] * b[i+1]; s2 += a[i+2] * b[i+2]; s3 += a[i+3] * b[i+3]; }
  for (; i < n; i++) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}
template <typename T> static inline void axpy(T* __restrict y, T a, const T* __restrict x, long n) {
  #pragma omp simd
  for (long i = 0; i < n; i++) y[i] += a * x[i];
}

// forward: y (rows, dout), leaves (rows, trees), logits (rows, trees, depth+1)
template <typename T>
static void fwd(const T* x, const T* nw, const T* nb, const T* ow, const T* ob, T* y, int64_t* leaves, T* logits,
                long rows, long din, long dout, int trees, int depth, int a, int nt) {
  const long nn = (2L << depth) - 1, L = depth + 1;
  #pragma omp parallel for schedule(static) num_threads(nt)
  for (long r = 0; r < rows; r++) {
    const T* xr = x + r * din;
    T* yr = y + r * dout;
    for (long o = 0; o < dout; o++) yr[o] = ob ? ob[o] : (T)0;
    for (int t = 0; t < trees; t++) {
      long n = 0;
      for (int l = 0; l <= depth; l++) {
        const long g = (long)t * nn + n;
        T z = dot(xr, nw + g * din, din) + (nb ? nb[g] : (T)0);
        logits[(r * trees + t) * L + l] = z;
        axpy(yr, act(a, z), ow + g * dout, dout);
        if (l < depth) n = 2 * n + 1 + (z >= 0);
      }
      leaves[r * trees + t] = n - ((1L << depth) - 1);
    }
  }
}

// backward for x: dz (rows, trees, depth+1) = act'(z) * (dy . out_weights[node]); dx (rows, din) = sum dz * node_weights[node]
template <typename T>
static void bwd_x(const T* dy, const T* nw, const T* ow, const int64_t* leaves, const T* logits, T* dz, T* dx,
                  long rows, long din, long dout, int trees, int depth, int a, int nt) {
  const long nn = (2L << depth) - 1, L = depth + 1;
  #pragma omp parallel for schedule(static) num_threads(nt)
  for (long r = 0; r < rows; r++) {
    T* dxr = dx ? dx + r * din : nullptr;
    if (dxr) for (long i = 0; i < din; i++) dxr[i] = 0;
    for (int t = 0; t < trees; t++) {
      const long leaf = leaves[r * trees + t];
      for (int l = 0; l <= depth; l++) {
        const long g = (long)t * nn + ((1L << l) - 1) + (leaf >> (depth - l));
        const long k = (r * trees + t) * L + l;
        T d = dot(dy + r * dout, ow + g * dout, dout) * dact(a, logits[k]);
        dz[k] = d;
        if (dxr) axpy(dxr, d, nw + g * din, din);
      }
    }
  }
}

// weight gradients: rows grouped by node (a stable counting sort by leaf per tree groups them at every level);
// each node's sums run over its rows in row order on one thread, so the result is deterministic.
template <typename T>
static void bwd_w(const T* x, const T* dy, const int64_t* leaves, const T* logits, const T* dz,
                  T* dnw, T* dnb, T* dow, long rows, long din, long dout, int trees, int depth, int a, int nt) {
  const long nn = (2L << depth) - 1, nl = 1L << depth, L = depth + 1;
  std::vector<long> off((size_t)trees * (nl + 1), 0), perm((size_t)trees * rows);
  for (int t = 0; t < trees; t++) {
    long* o = off.data() + (size_t)t * (nl + 1);
    for (long r = 0; r < rows; r++) o[leaves[r * trees + t] + 1]++;
    for (long j = 0; j < nl; j++) o[j + 1] += o[j];
    std::vector<long> pos(o, o + nl);
    for (long r = 0; r < rows; r++) perm[(size_t)t * rows + pos[leaves[r * trees + t]]++] = r;
  }
  #pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
  for (long gi = 0; gi < (long)trees * nn; gi++) {
    const int t = (int)(gi % trees);
    const long n = gi / trees;                               // root first: the biggest groups start first
    const int l = 63 - __builtin_clzll((unsigned long long)(n + 1));
    const long j = n - ((1L << l) - 1), g = (long)t * nn + n;
    const long* o = off.data() + (size_t)t * (nl + 1);
    const long lo = o[j << (depth - l)], hi = o[(j + 1) << (depth - l)];
    T* w = dnw ? dnw + g * din : nullptr;
    T* v = dow ? dow + g * dout : nullptr;
    if (w) for (long i = 0; i < din; i++) w[i] = 0;
    if (v) for (long i = 0; i < dout; i++) v[i] = 0;
    T sb = 0;
    for (long p = lo; p < hi; p++) {
      const long r = perm[(size_t)t * rows + p], k = (r * trees + t) * L + l;
      if (w) axpy(w, dz[k], x + r * din, din);
      if (v) axpy(v, act(a, logits[k]), dy + r * dout, dout);
      sb += dz[k];
    }
    if (dnb) dnb[g] = sb;
  }
}

#define DEF(S, T) \
extern "C" void fastff_train_fwd_##S(const T* x, const T* nw, const T* nb, const T* ow, const T* ob, T* y, int64_t* leaves, \
    T* logits, long rows, long din, long dout, int trees, int depth, int a, int nt) \
  { fwd<T>(x, nw, nb, ow, ob, y, leaves, logits, rows, din, dout, trees, depth, a, nt); } \
extern "C" void fastff_train_bwd_x_##S(const T* dy, const T* nw, const T* ow, const int64_t* leaves, const T* logits, T* dz, \
    T* dx, long rows, long din, long dout, int trees, int depth, int a, int nt) \
  { bwd_x<T>(dy, nw, ow, leaves, logits, dz, dx, rows, din, dout, trees, depth, a, nt); } \
extern "C" void fastff_train_bwd_w_##S(const T* x, const T* dy, const int64_t* leaves, const T* logits, const T* dz, \
    T* dnw, T* dnb, T* dow, long rows, long din, long dout, int trees, int depth, int a, int nt) \
  { bwd_w<T>(x, dy, leaves, logits, dz, dnw, dnb, dow, rows, din, dout, trees, depth, a, nt); }
DEF(f32, float)
DEF(f64, double)
extern "C" int fastff_train_abi_version() { return 1; }
