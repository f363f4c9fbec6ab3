// Metrics of SPEC §7: extrapolation error and effective rank.
#include <algorithm>
#include <cmath>
#include <vector>

#include "checks.h"
#include "kernels.h"

using namespace ssm;

extern "C" ssm_status ssm_extrapolation_error(const ssm_models* m, const ssm_models* teacher, int64_t from,
                                              int64_t to, double* out) {
  return guarded([&]() -> ssm_status {
    if (!valid_models(m) || !valid_models(teacher) || teacher->count != 1 || out == nullptr || from < 0 ||
        to < from || element_count({to + 1}) < 0 || element_count({std::max(m->dim, teacher->dim)}) < 0)
      return SSM_E_INVALID_ARGUMENT;
    const int64_t L = to + 1, d = m->dim;
    std::vector<double> ht(static_cast<size_t>(L)), h(static_cast<size_t>(L));
    std::vector<double> work(static_cast<size_t>(impulse_work_size(std::max(d, teacher->dim))));
    impulse_one(teacher->dim, teacher->a, teacher->b, teacher->c, L, false, ht.data(), work.data());
    double scale = 0.0;
    for (int64_t j = from; j <= to; ++j) scale = std::max(scale, std::fabs(ht[j]));
    for (int64_t s = 0; s < m->count; ++s) {
      impulse_one(d, m->a + s * d, m->b + s * d, m->c + s * d, L, false, h.data(), work.data());
      double worst = 0.0;
      for (int64_t j = from; j <= to; ++j) worst = std::max(worst, std::fabs(h[j] - ht[j]));
      out[s] = worst / scale;  // a zero teacher response gives Inf (or NaN for 0/0), as NumPy would
    }
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
