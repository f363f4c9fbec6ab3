// The recurrence s_{t+1} = a∘s_t + b x_t, y = c·s_K (SPEC §1), optionally returning every
// output or every state.
#include <vector>

#include "checks.h"
#include "parallel.h"
#include "simd.h"

using namespace ssm;

namespace {

// One student on one sequence; state holds d doubles.
SSM_VECTOR_CLONES
void scan_one(int64_t d, const double* a, const double* b, const double* c, int64_t K, const double* x, int mode,
              double* out, double* state) {
  for (int64_t i = 0; i < d; ++i) state[i] = 0.0;
  for (int64_t t = 0; t < K; ++t) {
    const double xt = x[t];
    for (int64_t i = 0; i < d; ++i) state[i] = a[i] * state[i] + b[i] * xt;
    if (mode == SSM_SCAN_STATES) {
      for (int64_t i = 0; i < d; ++i) out[t * d + i] = state[i];
    } else if (mode == SSM_SCAN_OUTPUTS || t == K - 1) {
      double y = 0.0;
      for (int64_t i = 0; i < d; ++i) y += c[i] * state[i];
      out[mode == SSM_SCAN_OUTPUTS ? t : 0] = y;
    }
  }
}

}  // namespace

extern "C" ssm_status ssm_scan(const ssm_models* m, const ssm_sequences* x, int mode, double* out) {
  return guarded([&]() -> ssm_status {
    if (!valid_models(m) || !valid_sequences(x) || out == nullptr) return SSM_E_INVALID_ARGUMENT;
    if (mode != SSM_SCAN_FINAL && mode != SSM_SCAN_OUTPUTS && mode != SSM_SCAN_STATES) return SSM_E_INVALID_ARGUMENT;
    const int64_t S = m->count, d = m->dim, N = x->count, K = x->length;
    const int64_t out_size = mode == SSM_SCAN_FINAL     ? element_count({S, N})
                             : mode == SSM_SCAN_OUTPUTS ? element_count({S, N, K})
                                                        : element_count({S, N, K, d});
    if (out_size < 0 || element_count({S, N, K, d}) < 0) return SSM_E_INVALID_ARGUMENT;
    // One task per (student, sequence): every task writes its own slice of out.
    // One task per (student, sequence): every task writes its own slice of out.
    parallel_for(S * N, static_cast<double>(K * d), [&](int64_t task) {
      const int64_t s = task / N, n = task % N;
      const double *a = m->a + s * d, *b = m->b + s * d, *c = m->c + s * d;
      double* dst = mode == SSM_SCAN_FINAL ? out + task : mode == SSM_SCAN_OUTPUTS ? out + task * K : out + task * K * d;
      std::vector<double> state(static_cast<size_t>(d));
      scan_one(d, a, b, c, K, x->x + n * K, mode, dst, state.data());
    });
    return SSM_OK;
  });
}
