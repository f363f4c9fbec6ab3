// The Frobenius norm of the full recurrent-kernel gradient (SPEC §2, last formula), fast:
// the official adaptive learning rate (SPEC §5) needs it at every step.
//
// [∂L/∂A]_ij = c_i b_j Q_ij with Q_ij = E[a_i, a_j], the divided difference of
// E(z) = Σ_l e_l z^l: Q_ii = E'(a_i), and for a_i ≠ a_j, Q_ij = (E(a_i) − E(a_j))/(a_i − a_j).
// The quotient loses about log10(max|a|/|a_i − a_j|) digits, so pairs closer than
// kClose (relative) — the tie-broken leading entries of the official inits are 1e−8 apart —
// take Horner's scheme for divided differences instead (O(K), sums of products only).
#include <cmath>
#include <cstdint>
#include <vector>

#include "checks.h"
#include "kernels.h"
#include "simd.h"
#include "ssm_train.h"

namespace ssm {
namespace {

constexpr double kClose = 1.0 / 64;  // the quotient keeps ≥ ~14 digits beyond this gap

// Σ_{l=1}^{K−1} e_l Σ_{k=0}^{l−1} a_i^k a_j^{l−1−k}: q ← q·a_j + p, p ← p·a_i + e_l (l descending).
double divided_difference_horner(double ai, double aj, int64_t K, const double* erev) {
  double p = 0.0, q = 0.0;
  for (int64_t t = 0; t < K; ++t) {
    q = q * aj + p;
    p = p * ai + erev[t];
  }
  return q;
}

}  // namespace

SSM_VECTOR_CLONES
double kernel_grad_norm_fast(int64_t d, const double* a, const double* b, const double* c, int64_t K,
                             const double* erev, const double* poly, const double* dpoly) {
  double sum = 0.0;
  for (int64_t i = 0; i < d; ++i) {
    const double gii = c[i] * b[i] * dpoly[i];
    sum += gii * gii;
    // far pairs by the quotient, branch-free so the loop vectorizes; close pairs below
    const double ai = a[i], pi = poly[i], ci = c[i], bi = b[i], abs_ai = std::fabs(ai);
    double row = 0.0;
    int64_t close = 0;
    for (int64_t j = i + 1; j < d; ++j) {
      const double gap = ai - a[j];
      const double abs_aj = std::fabs(a[j]);
      const bool far = std::fabs(gap) > kClose * (abs_ai > abs_aj ? abs_ai : abs_aj);
      const double q = (pi - poly[j]) / (far ? gap : 1.0);
      const double w = ci * b[j], v = c[j] * bi;  // Q is symmetric: G_ij and G_ji share q
      row += far ? q * q * (w * w + v * v) : 0.0;
      close += far ? 0 : 1;
    }
    if (close > 0) {
      for (int64_t j = i + 1; j < d; ++j) {
        const double abs_aj = std::fabs(a[j]);
        if (std::fabs(ai - a[j]) > kClose * (abs_ai > abs_aj ? abs_ai : abs_aj)) continue;
        const double q = divided_difference_horner(ai, a[j], K, erev);
        const double w = ci * b[j], v = c[j] * bi;
        row += q * q * (w * w + v * v);
      }
    }
    sum += row;
  }
  return std::sqrt(sum);
}

}  // namespace ssm

extern "C" ssm_status ssm_kernel_grad_norm_fast(int64_t d, int64_t length, const double* a, const double* b,
                                                const double* c, const double* e, double* norm) {
  using namespace ssm;
  if (d < 1 || length < 1 || element_count({d, d}) < 0 || element_count({length}) < 0 || !a || !b || !c || !e ||
      !norm || !all_finite(a, d) || !all_finite(b, d) || !all_finite(c, d) || !all_finite(e, length))
    return SSM_E_INVALID_ARGUMENT;
  return guarded([&] {
    std::vector<double> erev(static_cast<size_t>(length)), poly(static_cast<size_t>(d)), dpoly(poly);
    for (int64_t t = 0; t < length; ++t) erev[t] = e[length - 1 - t];
    e_polynomials(d, a, length, erev.data(), poly.data(), dpoly.data(), nullptr);
    *norm = kernel_grad_norm_fast(d, a, b, c, length, erev.data(), poly.data(), dpoly.data());
    return SSM_OK;
  });
}
