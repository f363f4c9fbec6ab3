// Fixed-order arithmetic for the gradient flows (fixed_order.h). Compiled with
// -ffp-contract=off (binding.gyp target ssm_exact; the WebAssembly build everywhere): the
// only fused multiply-adds are the explicit std::fma calls.
#include "fixed_order.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "kernels.h"
#include "simd.h"

namespace ssm::fixed_order {

// Horner's scheme per entry, in the order of impulse.cc's horner_block: p''/2 ← (p''/2)·a + p',
// p' ← p'·a + p, p ← p·a + e_l (old values on the right), each one rounding.
SSM_VECTOR_CLONES
void e_polynomials(int64_t d, const double* a, int64_t K, const double* erev, double* poly, double* dpoly,
                   double* d2poly) {
  for (int64_t i = 0; i < d; ++i) {
    const double ai = a[i];
    double p = 0.0, dp = 0.0, h = 0.0;
    for (int64_t t = 0; t < K; ++t) {  // l = K−1−t, descending
      h = std::fma(h, ai, dp);
      dp = std::fma(dp, ai, p);
      p = std::fma(p, ai, erev[t]);
    }
    if (poly) poly[i] = p;
    if (dpoly) dpoly[i] = dp;
    if (d2poly) d2poly[i] = 2.0 * h;
  }
}

Evaluator::Evaluator(int64_t d, const ssm_sequences& x, const double* targets)
    : d_(d),
      x_(x),
      targets_(targets),
      hrev_(static_cast<size_t>(x.length)),
      erev_(hrev_.size()),
      r_(static_cast<size_t>(x.count)),
      poly_(static_cast<size_t>(d)),
      dpoly_(poly_.size()),
      d2poly_(poly_.size()),
      work_(static_cast<size_t>(impulse_work_size(d))) {}

bool Evaluator::operator()(const double* a, const double* b, const double* c, const Evaluation& out) {
  const int64_t d = d_, N = x_.count, K = x_.length;
  bool finite = true;
  for (int64_t i = 0; i < d; ++i) finite = finite && std::isfinite(a[i]) && std::isfinite(b[i]) && std::isfinite(c[i]);
  if (finite) {
    // h_l = Σ_i c_i b_i a_i^l: impulse.cc's blocked sum has a fixed order and no
    // multiply-add to fuse, so it rounds the same everywhere.
    impulse_one(d, a, b, c, K, true, hrev_.data(), work_.data());
    double loss = 0.0;
    for (int64_t n = 0; n < N; ++n) {
      const double* xn = x_.x + n * K;
      double y = 0.0;
      for (int64_t t = 0; t < K; ++t) y += xn[t] * hrev_[t];
      r_[n] = y - targets_[n];
      loss += r_[n] * r_[n];
    }
    *out.loss = loss / static_cast<double>(N);
    finite = std::isfinite(*out.loss);
  }
  const bool need_e = out.e || out.grad_a || out.grad_b || out.grad_c || out.hessian;
  if (finite && need_e) {
    // erev[t] = e_{K−1−t} = (2/N) Σ_n r_n x_{n,t}
    const double scale = 2.0 / static_cast<double>(N);
    std::fill(erev_.begin(), erev_.end(), 0.0);
    for (int64_t n = 0; n < N; ++n) {
      const double s = scale * r_[n];
      const double* xn = x_.x + n * K;
      for (int64_t t = 0; t < K; ++t) erev_[t] += s * xn[t];
    }
    if (out.e)
      for (int64_t l = 0; l < K; ++l) out.e[l] = erev_[K - 1 - l];
    e_polynomials(d, a, K, erev_.data(), poly_.data(), dpoly_.data(), out.hessian ? d2poly_.data() : nullptr);
    for (int64_t i = 0; i < d; ++i) {
      if (out.grad_a) out.grad_a[i] = c[i] * b[i] * dpoly_[i];
      if (out.grad_b) out.grad_b[i] = c[i] * poly_[i];
      if (out.grad_c) out.grad_c[i] = b[i] * poly_[i];
    }
    if (out.hessian) hessian(a, b, c, out.hessian);
  }
  if (finite) return true;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  *out.loss = nan;
  for (double* g : {out.grad_a, out.grad_b, out.grad_c})
    if (g) std::fill_n(g, d, nan);
  if (out.hessian) std::fill_n(out.hessian, d * d, nan);
  if (out.e) std::fill_n(out.e, K, nan);
  return false;
}

// H = (2/N) JᵀJ + diag(c_i b_i p''(a_i)), J_ni = Σ_{l≥1} x_{n,K−1−l} c_i b_i l a_i^{l−1}
// (SPEC §2; evaluate.cc's hessian_one with BLAS). Needs d2poly_ from operator().
void Evaluator::hessian(const double* a, const double* b, const double* c, double* H) {
  const int64_t d = d_, N = x_.count, K = x_.length;
  D_.assign(static_cast<size_t>(K * d), 0.0);  // D[l][i] = c_i b_i l a_i^{l−1}
  for (int64_t i = 0; i < d; ++i) {
    double pw = 1.0;
    for (int64_t l = 1; l < K; ++l) {
      D_[l * d + i] = c[i] * b[i] * static_cast<double>(l) * pw;
      pw *= a[i];
    }
  }
  J_.assign(static_cast<size_t>(N * d), 0.0);
  for (int64_t n = 0; n < N; ++n) {
    const double* xn = x_.x + n * K;
    double* Jn = J_.data() + n * d;
    for (int64_t t = 0; t + 1 < K; ++t) {  // l = K−1−t ≥ 1
      if (xn[t] == 0.0) continue;
      const double* Dl = D_.data() + (K - 1 - t) * d;
      for (int64_t i = 0; i < d; ++i) Jn[i] += xn[t] * Dl[i];
    }
  }
  std::fill_n(H, d * d, 0.0);
  const double scale = 2.0 / static_cast<double>(N);
  for (int64_t n = 0; n < N; ++n) {
    const double* Jn = J_.data() + n * d;
    for (int64_t i = 0; i < d; ++i) {
      const double s = scale * Jn[i];
      for (int64_t j = 0; j < d; ++j) H[i * d + j] += s * Jn[j];
    }
  }
  for (int64_t i = 0; i < d; ++i) H[i * d + i] += c[i] * b[i] * d2poly_[i];
}

int lu_factor(int64_t n, double* a, int64_t* pivots) {
  int info = 0;
  for (int64_t col = 0; col < n; ++col) {
    int64_t piv = col;
    double best = std::fabs(a[col * n + col]);
    for (int64_t r = col + 1; r < n; ++r) {
      const double v = std::fabs(a[r * n + col]);
      if (v > best) best = v, piv = r;
    }
    pivots[col] = piv;
    if (piv != col)
      for (int64_t j = 0; j < n; ++j) std::swap(a[col * n + j], a[piv * n + j]);
    const double pivot = a[col * n + col];
    if (pivot == 0.0) {
      if (info == 0) info = static_cast<int>(col + 1);
      continue;
    }
    for (int64_t r = col + 1; r < n; ++r) {
      const double f = (a[r * n + col] /= pivot);
      for (int64_t j = col + 1; j < n; ++j) a[r * n + j] -= f * a[col * n + j];
    }
  }
  return info;
}

void lu_solve(int64_t n, const double* lu, const int64_t* pivots, int64_t nrhs, double* b) {
  for (int64_t i = 0; i < n; ++i)
    if (pivots[i] != i)
      for (int64_t j = 0; j < nrhs; ++j) std::swap(b[i * nrhs + j], b[pivots[i] * nrhs + j]);
  for (int64_t i = 0; i < n; ++i)  // forward: L has a unit diagonal
    for (int64_t p = 0; p < i; ++p)
      for (int64_t j = 0; j < nrhs; ++j) b[i * nrhs + j] -= lu[i * n + p] * b[p * nrhs + j];
  for (int64_t i = n - 1; i >= 0; --i) {
    for (int64_t p = i + 1; p < n; ++p)
      for (int64_t j = 0; j < nrhs; ++j) b[i * nrhs + j] -= lu[i * n + p] * b[p * nrhs + j];
    for (int64_t j = 0; j < nrhs; ++j) b[i * nrhs + j] /= lu[i * n + i];
  }
}

}  // namespace ssm::fixed_order
