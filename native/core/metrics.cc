// Metrics of SPEC §7: extrapolation error and effective rank.
#include <algorithm>
#include <cmath>
#include <vector>

#include "checks.h"
#include "kernels.h"

using namespace ssm;

ssm::ExtrapolationError::ExtrapolationError(const ssm_models& teacher, int64_t from, int64_t to, int64_t student_dim)
    : from_(from), to_(to), teacher_h_(static_cast<size_t>(to + 1)), h_(static_cast<size_t>(to + 1)),
      work_(static_cast<size_t>(impulse_work_size(std::max(student_dim, teacher.dim)))) {
  impulse_one(teacher.dim, teacher.a, teacher.b, teacher.c, to + 1, false, teacher_h_.data(), work_.data());
  for (int64_t j = from; j <= to; ++j) scale_ = std::max(scale_, std::fabs(teacher_h_[j]));
}

double ssm::ExtrapolationError::operator()(int64_t d, const double* a, const double* b, const double* c) {
  impulse_one(d, a, b, c, to_ + 1, false, h_.data(), work_.data());
  return from_impulse(h_.data());
}

double ssm::ExtrapolationError::from_impulse(const double* h) const {
  double worst = 0.0;
  for (int64_t j = from_; j <= to_; ++j) worst = std::max(worst, std::fabs(h[j] - teacher_h_[j]));
  return worst / scale_;  // a zero teacher response gives Inf (or NaN for 0/0), as NumPy would
}

extern "C" ssm_status ssm_extrapolation_error(const ssm_models* m, const ssm_models* teacher, int64_t from,
                                              int64_t to, double* out) {
  return guarded([&]() -> ssm_status {
    if (!valid_models(m) || !valid_models(teacher) || teacher->count != 1 || out == nullptr || from < 0 ||
        to < from || element_count({to + 1}) < 0 || element_count({std::max(m->dim, teacher->dim)}) < 0)
      return SSM_E_INVALID_ARGUMENT;
    const int64_t d = m->dim;
    ExtrapolationError metric(*teacher, from, to, d);
    for (int64_t s = 0; s < m->count; ++s) out[s] = metric(d, m->a + s * d, m->b + s * d, m->c + s * d);
    return SSM_OK;
  });
}

extern "C" ssm_status ssm_effective_rank(const ssm_models* m, double* out) {
  return guarded([&]() -> ssm_status {
    if (!valid_models(m) || out == nullptr) return SSM_E_INVALID_ARGUMENT;
    const int64_t d = m->dim;
    for (int64_t s = 0; s < m->count; ++s) {
      const double* a = m->a + s * d;
      double total = 0.0;
      for (int64_t i = 0; i < d; ++i) total += std::fabs(a[i]);
      if (total == 0.0) {
        out[s] = 0.0;
        continue;
      }
      double entropy = 0.0;  // −Σ p log p, with 0 log 0 = 0
      for (int64_t i = 0; i < d; ++i) {
        const double p = std::fabs(a[i]) / total;
        if (p > 0.0) entropy -= p * std::log(p);
      }
      out[s] = std::exp(entropy);
    }
    return SSM_OK;
  });
}
