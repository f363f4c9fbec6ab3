// Loss, residuals, e, gradients, γ, Hessian and the full recurrent-kernel gradient
// (SPEC §2) for a batch of students, in one call.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "blas.h"
#include "checks.h"
#include "kernels.h"
#include "parallel.h"
#include "simd.h"

namespace ssm {
namespace {

// Rows of the K×d factor processed per GEMM when forming J (bounds the work buffer).
constexpr int64_t kHessianChunk = 2048;

// H = (2/N) JᵀJ + diag(c_i b_i p''(a_i)) with J_ni = c_i b_i Σ_{l≥1} l a_i^{l−1} x_{n,K−1−l}.
// J is accumulated as Σ over chunks of X[:, K−l1 : K−l0] · D, D[r][i] = c_i b_i l a_i^{l−1}
// for l = l1−1−r (rows in ascending t = K−1−l, matching X's columns).
void hessian_one(int64_t d, const double* a, const double* b, const double* c, const ssm_sequences* x,
                 const double* erev, double* H) {
  const int64_t N = x->count, K = x->length;
  std::vector<double> J(static_cast<size_t>(N * d), 0.0);
  std::vector<double> D(static_cast<size_t>(std::min(K, kHessianChunk) * d));
  std::vector<double> pw(static_cast<size_t>(d), 1.0);  // a_i^{l−1}, starting at l = 1
  for (int64_t l0 = 1; l0 < K; l0 += kHessianChunk) {
    const int64_t l1 = std::min(K, l0 + kHessianChunk), rows = l1 - l0;
    for (int64_t l = l0; l < l1; ++l) {
      double* row = D.data() + (l1 - 1 - l) * d;
      for (int64_t i = 0; i < d; ++i) {
        row[i] = c[i] * b[i] * static_cast<double>(l) * pw[i];
        pw[i] *= a[i];
      }
    }
    blas::gemm(false, false, N, d, rows, 1.0, x->x + (K - l1), K, D.data(), d, 1.0, J.data(), d);
  }
  blas::gemm(true, false, d, d, N, 2.0 / static_cast<double>(N), J.data(), d, J.data(), d, 0.0, H, d);
  std::vector<double> d2(static_cast<size_t>(d));
  e_polynomials(d, a, K, erev, nullptr, nullptr, d2.data());
  for (int64_t i = 0; i < d; ++i) H[i * d + i] += c[i] * b[i] * d2[i];
}

// G_ij = c_i b_j Q_ij, Q_ij = Σ_{l=1}^{K−1} e_l Σ_{k=0}^{l−1} a_i^k a_j^{l−1−k}: the divided
// difference E[a_i, a_j] of E(z) = Σ_l e_l z^l, by Horner's scheme for divided differences
// (q ← q·a_j + p, p ← p·a_i + e_l). Only sums of products: stable when a_i ≈ a_j, where
// (E(a_i) − E(a_j)) / (a_i − a_j) would cancel. Q is symmetric; the upper half is mirrored.
SSM_VECTOR_CLONES
double kernel_grad_one(int64_t d, const double* a, const double* b, const double* c, int64_t K, const double* erev,
                       double* G) {
  std::vector<double> q(static_cast<size_t>(d));
  std::vector<double> Q(static_cast<size_t>(d * d));
  for (int64_t i = 0; i < d; ++i) {
    std::fill(q.begin(), q.end(), 0.0);
    double p = 0.0;
    const double ai = a[i];
    for (int64_t t = 0; t < K; ++t) {  // l = K−1−t, descending
      for (int64_t j = i; j < d; ++j) q[j] = q[j] * a[j] + p;
      p = p * ai + erev[t];
    }
    for (int64_t j = i; j < d; ++j) Q[i * d + j] = Q[j * d + i] = q[j];
  }
  double sum = 0.0;
  for (int64_t i = 0; i < d; ++i)
    for (int64_t j = 0; j < d; ++j) {
      const double g = c[i] * b[j] * Q[i * d + j];
      if (G) G[i * d + j] = g;
      sum += g * g;
    }
  return std::sqrt(sum);
}

ssm_status evaluate(const ssm_models* m, const ssm_sequences* x, const double* targets, ssm_evaluation* out) {
  if (!valid_models(m) || !valid_sequences(x) || targets == nullptr || out == nullptr || out->loss == nullptr ||
      !all_finite(targets, x->count))
    return SSM_E_INVALID_ARGUMENT;
  const int64_t S = m->count, d = m->dim, N = x->count, K = x->length;
  if (element_count({S, K}) < 0 || element_count({S, N}) < 0 || element_count({S, d}) < 0 ||
      ((out->hessian || out->kernel_grad) && element_count({S, d, d}) < 0) ||
      (out->hessian && element_count({N, d}) < 0))
    return SSM_E_INVALID_ARGUMENT;

  // Forward: y = hrev · Xᵀ, then residuals and the loss.
  std::unique_ptr<double[]> hrev(new double[static_cast<size_t>(S * K)]);
  reversed_impulses(m, K, hrev.get());
  std::vector<double> local_y;
  double* y = out->outputs;
  if (!y) {
    local_y.resize(static_cast<size_t>(S * N));
    y = local_y.data();
  }
  forward_from_impulses(S, x, hrev.get(), y);
  std::vector<double> r(static_cast<size_t>(S * N));
  for (int64_t s = 0; s < S; ++s) {
    double sum = 0.0;
    for (int64_t n = 0; n < N; ++n) {
      const double rn = y[s * N + n] - targets[n];
      r[s * N + n] = rn;
      sum += rn * rn;
    }
    out->loss[s] = sum / static_cast<double>(N);
  }
  if (out->residuals) std::copy(r.begin(), r.end(), out->residuals);

  const bool need_e = out->e || out->grad_a || out->grad_b || out->grad_c || out->gamma || out->hessian ||
                      out->kernel_grad || out->kernel_grad_norm;
  if (!need_e) return SSM_OK;

  // e_l = (2/N) Σ_n r_n x_{n,K−1−l}, reversed: erev = (2/N) R · X (S×K, one GEMM) reusing
  // the impulse-response buffer; erev[s][t] = e_{s,K−1−t}.
  double* erev = hrev.get();
  blas::gemm(false, false, S, K, N, 2.0 / static_cast<double>(N), r.data(), N, x->x, K, 0.0, erev, K);
  if (out->e)
    for (int64_t s = 0; s < S; ++s)
      for (int64_t l = 0; l < K; ++l) out->e[s * K + l] = erev[s * K + (K - 1 - l)];
  if (out->gamma)  // γ^(k) = −(k+1) e_{k+1}, k = 0 … K−2 (Proposition 1)
    for (int64_t s = 0; s < S; ++s)
      for (int64_t k = 0; k + 1 < K; ++k)
        out->gamma[s * (K - 1) + k] = -static_cast<double>(k + 1) * erev[s * K + (K - 2 - k)];

  if (out->grad_a || out->grad_b || out->grad_c) {
    parallel_for(S, static_cast<double>(2 * d * K), [&](int64_t s) {
      const double *a = m->a + s * d, *b = m->b + s * d, *c = m->c + s * d;
      std::vector<double> poly(static_cast<size_t>(d)), dpoly(static_cast<size_t>(d));
      e_polynomials(d, a, K, erev + s * K, poly.data(), dpoly.data(), nullptr);
      for (int64_t i = 0; i < d; ++i) {
        if (out->grad_a) out->grad_a[s * d + i] = c[i] * b[i] * dpoly[i];
        if (out->grad_b) out->grad_b[s * d + i] = c[i] * poly[i];
        if (out->grad_c) out->grad_c[s * d + i] = b[i] * poly[i];
      }
    });
  }
  if (out->hessian)  // one student at a time: the GEMMs inside use the BLAS threads
    for (int64_t s = 0; s < S; ++s)
      hessian_one(d, m->a + s * d, m->b + s * d, m->c + s * d, x, erev + s * K, out->hessian + s * d * d);
  if (out->kernel_grad || out->kernel_grad_norm)
    parallel_for(S, static_cast<double>(d * d * K), [&](int64_t s) {
      const double norm = kernel_grad_one(d, m->a + s * d, m->b + s * d, m->c + s * d, K, erev + s * K,
                                          out->kernel_grad ? out->kernel_grad + s * d * d : nullptr);
      if (out->kernel_grad_norm) out->kernel_grad_norm[s] = norm;
    });
  return SSM_OK;
}

}  // namespace
}  // namespace ssm

extern "C" ssm_status ssm_evaluate(const ssm_models* m, const ssm_sequences* x, const double* targets,
                                   ssm_evaluation* out) {
  return ssm::guarded([&]() { return ssm::evaluate(m, x, targets, out); });
}
