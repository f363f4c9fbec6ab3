// Impulse response and the impulse-form forward pass (SPEC §1).
#include <algorithm>
#include <memory>
#include <vector>

#include "blas.h"
#include "checks.h"
#include "kernels.h"
#include "parallel.h"
#include "simd.h"

namespace ssm {

namespace {

// Entries of a processed together, held in registers (four v4 vectors).
constexpr int64_t kBlock = 16;
// Impulse-response entries accumulated per pass over the blocks (lane sums stay in L1).
constexpr int64_t kChunk = 512;

int64_t padded(int64_t d) { return (d + kBlock - 1) / kBlock * kBlock; }

}  // namespace

SSM_VECTOR_CLONES
void impulse_one(int64_t d, const double* a, const double* b, const double* c, int64_t L, bool reversed,
                 double* out, double* work) {
  // Blocks of 16 entries: w = c_i b_i a_i^l in registers, advanced one power per step; per l
  // the block adds its four-lane partial sum to lanes[l]. The padding has c_i b_i = 0.
  const int64_t dp = padded(d);
  double* A = work;       // dp entries: a, zero-padded
  double* W = work + dp;  // dp entries: c_i b_i a_i^l at the start of the current chunk
  for (int64_t i = 0; i < dp; ++i) {
    A[i] = i < d ? a[i] : 0.0;
    W[i] = i < d ? c[i] * b[i] : 0.0;
  }
  v4 lanes[kChunk];
  for (int64_t l0 = 0; l0 < L; l0 += kChunk) {
    const int64_t n = L - l0 < kChunk ? L - l0 : kChunk;
    for (int64_t l = 0; l < n; ++l) lanes[l] = splat4(0.0);
    for (int64_t i = 0; i < dp; i += kBlock) {
      v4 w0 = load4(W + i), w1 = load4(W + i + 4), w2 = load4(W + i + 8), w3 = load4(W + i + 12);
      const v4 a0 = load4(A + i), a1 = load4(A + i + 4), a2 = load4(A + i + 8), a3 = load4(A + i + 12);
      for (int64_t l = 0; l < n; ++l) {
        lanes[l] += (w0 + w1) + (w2 + w3);
        w0 *= a0;
        w1 *= a1;
        w2 *= a2;
        w3 *= a3;
      }
      store4(W + i, w0), store4(W + i + 4, w1), store4(W + i + 8, w2), store4(W + i + 12, w3);
    }
    for (int64_t l = 0; l < n; ++l) out[reversed ? L - 1 - (l0 + l) : l0 + l] = sum4(lanes[l]);
  }
}

int64_t impulse_work_size(int64_t d) { return 2 * padded(d); }

namespace {

// Horner's scheme for 16 entries at once: p ← p·a + e_l and p' ← p'·a + p (old p), and
// with second derivatives p''/2 ← (p''/2)·a + p' (old p').
template <bool kSecond>
inline __attribute__((always_inline)) void horner_block(const double* a, int64_t K, const double* erev, double* p_out, double* dp_out, double* hd2_out) {
  const v4 a0 = load4(a), a1 = load4(a + 4), a2 = load4(a + 8), a3 = load4(a + 12);
  v4 p0 = splat4(0), p1 = p0, p2 = p0, p3 = p0, d0 = p0, d1 = p0, d2 = p0, d3 = p0;
  v4 h0 = p0, h1 = p0, h2 = p0, h3 = p0;
  for (int64_t t = 0; t < K; ++t) {  // l = K−1−t, descending
    const v4 el = splat4(erev[t]);
    if (kSecond) {
      h0 = h0 * a0 + d0;
      h1 = h1 * a1 + d1;
      h2 = h2 * a2 + d2;
      h3 = h3 * a3 + d3;
    }
    d0 = d0 * a0 + p0;
    d1 = d1 * a1 + p1;
    d2 = d2 * a2 + p2;
    d3 = d3 * a3 + p3;
    p0 = p0 * a0 + el;
    p1 = p1 * a1 + el;
    p2 = p2 * a2 + el;
    p3 = p3 * a3 + el;
  }
  store4(p_out, p0), store4(p_out + 4, p1), store4(p_out + 8, p2), store4(p_out + 12, p3);
  store4(dp_out, d0), store4(dp_out + 4, d1), store4(dp_out + 8, d2), store4(dp_out + 12, d3);
  if (kSecond) store4(hd2_out, h0), store4(hd2_out + 4, h1), store4(hd2_out + 8, h2), store4(hd2_out + 12, h3);
}

}  // namespace

void e_polynomials(int64_t d, const double* a, int64_t K, const double* erev, double* poly, double* dpoly,
                   double* d2poly) {
  std::vector<double> work(static_cast<size_t>(e_polynomials_work_size(d)));
  e_polynomials_into(d, a, K, erev, poly, dpoly, d2poly, work.data());
}

int64_t e_polynomials_work_size(int64_t d) { return 4 * padded(d); }

SSM_VECTOR_CLONES
void e_polynomials_into(int64_t d, const double* a, int64_t K, const double* erev, double* poly, double* dpoly,
                        double* d2poly, double* work) {
  const int64_t dp = padded(d);
  double* A = work;
  double* P = work + dp;
  double* DP = work + 2 * dp;
  double* H = work + 3 * dp;
  std::fill(A, A + dp, 0.0);
  std::copy(a, a + d, A);
  for (int64_t i = 0; i < dp; i += kBlock) {
    if (d2poly) horner_block<true>(A + i, K, erev, P + i, DP + i, H + i);
    else horner_block<false>(A + i, K, erev, P + i, DP + i, nullptr);
  }
  for (int64_t i = 0; i < d; ++i) {
    if (poly) poly[i] = P[i];
    if (dpoly) dpoly[i] = DP[i];
    if (d2poly) d2poly[i] = 2.0 * H[i];
  }
}

// Reversed impulse responses of all students (S×K), in parallel over students.
void reversed_impulses(const ssm_models* m, int64_t K, double* hrev) {
  const int64_t d = m->dim;
  parallel_for(m->count, static_cast<double>(d * K), [&](int64_t s) {
    std::vector<double> work(static_cast<size_t>(impulse_work_size(d)));
    impulse_one(d, m->a + s * d, m->b + s * d, m->c + s * d, K, true, hrev + s * K, work.data());
  });
}

// y (S×N) = hrev (S×K) · Xᵀ: y_{s,n} = Σ_t x_{n,t} h_{s,K−1−t}.
void forward_from_impulses(int64_t S, const ssm_sequences* x, const double* hrev, double* y) {
  blas::gemm(false, true, S, x->count, x->length, 1.0, hrev, x->length, x->x, x->length, 0.0, y, x->count);
}

}  // namespace ssm

using namespace ssm;

extern "C" ssm_status ssm_impulse_response(const ssm_models* m, int64_t L, double* h) {
  return guarded([&]() -> ssm_status {
    if (!valid_models(m) || h == nullptr || element_count({m->count, L}) < 0) return SSM_E_INVALID_ARGUMENT;
    const int64_t d = m->dim;
    parallel_for(m->count, static_cast<double>(d * L), [&](int64_t s) {
      std::vector<double> work(static_cast<size_t>(impulse_work_size(d)));
      impulse_one(d, m->a + s * d, m->b + s * d, m->c + s * d, L, false, h + s * L, work.data());
    });
    return SSM_OK;
  });
}

extern "C" ssm_status ssm_forward(const ssm_models* m, const ssm_sequences* x, double* y) {
  return guarded([&]() -> ssm_status {
    if (!valid_models(m) || !valid_sequences(x) || y == nullptr || element_count({m->count, x->length}) < 0 ||
        element_count({m->count, x->count}) < 0)
      return SSM_E_INVALID_ARGUMENT;
    std::unique_ptr<double[]> hrev(new double[static_cast<size_t>(m->count * x->length)]);
    reversed_impulses(m, x->length, hrev.get());
    forward_from_impulses(m->count, x, hrev.get(), y);
    return SSM_OK;
  });
}
