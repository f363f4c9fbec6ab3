// Built-in test problems for the integrators (analytic solutions and Robertson's stiff
// chemistry), solved in one call with outputs at requested times: the hook through which
// the solvers are tested from JavaScript without a callback per step.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "checks.h"
#include "ode.h"
#include "ode_output.h"

namespace ssm {
namespace {

class TestProblem final : public ode::System {
 public:
  TestProblem(int kind, const double* p, int64_t np, int64_t n) : kind_(kind), p_(p, p + np), n_(n) {}
  int64_t size() const override { return n_; }
  bool has_jacobian() const override { return true; }

  void rhs(double, const double* y, double* f) override {
    switch (kind_) {
      case SSM_ODE_PROBLEM_DECAY:  // y' = −k y
        for (int64_t i = 0; i < n_; ++i) f[i] = -p_[0] * y[i];
        break;
      case SSM_ODE_PROBLEM_LOGISTIC:  // y' = r y (1 − y / K)
        for (int64_t i = 0; i < n_; ++i) f[i] = p_[0] * y[i] * (1.0 - y[i] / p_[1]);
        break;
      case SSM_ODE_PROBLEM_LINEAR:  // y' = A y
        for (int64_t i = 0; i < n_; ++i) {
          double s = 0.0;
          for (int64_t j = 0; j < n_; ++j) s += p_[i * n_ + j] * y[j];
          f[i] = s;
        }
        break;
      case SSM_ODE_PROBLEM_ROBERTSON:  // Hairer & Wanner II, §IV.1
        f[0] = -0.04 * y[0] + 1e4 * y[1] * y[2];
        f[1] = 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] * y[1];
        f[2] = 3e7 * y[1] * y[1];
        break;
    }
  }

  void jacobian(double, const double* y, double* J) override {
    std::fill(J, J + n_ * n_, 0.0);
    switch (kind_) {
      case SSM_ODE_PROBLEM_DECAY:
        for (int64_t i = 0; i < n_; ++i) J[i * n_ + i] = -p_[0];
        break;
      case SSM_ODE_PROBLEM_LOGISTIC:
        for (int64_t i = 0; i < n_; ++i) J[i * n_ + i] = p_[0] * (1.0 - 2.0 * y[i] / p_[1]);
        break;
      case SSM_ODE_PROBLEM_LINEAR:
        std::copy(p_.begin(), p_.end(), J);
        break;
      case SSM_ODE_PROBLEM_ROBERTSON:
        J[0] = -0.04, J[1] = 1e4 * y[2], J[2] = 1e4 * y[1];
        J[3] = 0.04, J[4] = -1e4 * y[2] - 6e7 * y[1], J[5] = -1e4 * y[1];
        J[6] = 0.0, J[7] = 6e7 * y[1], J[8] = 0.0;
        break;
    }
  }

 private:
  int kind_;
  std::vector<double> p_;
  int64_t n_;
};

bool valid_problem(int kind, int64_t np, int64_t n) {
  switch (kind) {
    case SSM_ODE_PROBLEM_DECAY: return np == 1 && n >= 1;
    case SSM_ODE_PROBLEM_LOGISTIC: return np == 2 && n >= 1;
    case SSM_ODE_PROBLEM_LINEAR: return n >= 1 && element_count({n, n}) == np;
    case SSM_ODE_PROBLEM_ROBERTSON: return np == 0 && n == 3;
    default: return false;
  }
}

}  // namespace
}  // namespace ssm

using namespace ssm;

extern "C" ssm_status ssm_ode_solve_problem(int problem, const double* params, int64_t nparams, int64_t n,
                                            const double* y0, double t0, double t_end, const double* t_eval,
                                            int64_t n_eval, const ssm_ode_options* options, double* y_eval,
                                            ssm_ode_stats* stats) {
  return guarded([&]() -> ssm_status {
    if (!valid_problem(problem, nparams, n) || (nparams > 0 && params == nullptr) || y0 == nullptr ||
        options == nullptr || stats == nullptr || n_eval < 0 || (n_eval > 0 && (t_eval == nullptr || y_eval == nullptr)) ||
        !std::isfinite(t0) || std::isnan(t_end) || !all_finite(y0, n) || (nparams > 0 && !all_finite(params, nparams)) ||
        (n_eval > 0 && element_count({n_eval, n}) < 0))
      return SSM_E_INVALID_ARGUMENT;
    ode::Options opt;
    if (!ode_options_from(*options, opt)) return SSM_E_INVALID_ARGUMENT;
    TestProblem f(problem, params, nparams, n);
    std::vector<double> y(y0, y0 + n);
    ode::TimesObserver obs(n, t_eval, n_eval, t_end >= t0 ? 1.0 : -1.0, y_eval);
    if (!obs.valid()) return SSM_E_INVALID_ARGUMENT;
    const ode::Result r = ode_solve(options->method, f, t0, t_end, y.data(), opt, obs);
    write_stats(r, stats);
    return SSM_OK;
  });
}
