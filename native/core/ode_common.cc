// Shared pieces of the ODE integrators: status names, the error norm, the initial step.
#include <algorithm>
#include <cmath>
#include <vector>

#include "fixed_order.h"
#include "ode.h"

namespace ssm::ode {

const char* status_name(Status s) {
  switch (s) {
    case Status::kRunning: return "running";
    case Status::kReachedEnd: return "reached-end";
    case Status::kStopped: return "stopped";
    case Status::kStepTooSmall: return "step-too-small";
    case Status::kMaxSteps: return "max-steps";
    case Status::kNonFinite: return "non-finite";
    case Status::kSingular: return "singular";
    case Status::kAborted: return "aborted";
  }
  return "unknown";
}

double error_norm(int64_t n, const double* err, const double* a, const double* b, const Options& opt) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double atol = opt.atol_vector ? opt.atol_vector[i] : opt.atol;
    const double scale = atol + opt.rtol * std::max(std::fabs(a[i]), std::fabs(b[i]));
    const double r = err[i] / scale;
    sum += r * r;
  }
  return std::sqrt(sum / static_cast<double>(std::max<int64_t>(n, 1)));
}

// Hairer, Nørsett & Wanner, Solving ODEs I, §II.4 (as solve_ivp's select_initial_step).
double initial_step(System& f, double t0, const double* y0, const double* f0, double direction, int order,
                    const Options& opt, int64_t& nfev) {
  const int64_t n = f.size();
  if (n == 0) return std::numeric_limits<double>::infinity();
  std::vector<double> scale(static_cast<size_t>(n)), y1(static_cast<size_t>(n)), f1(static_cast<size_t>(n));
  double d0 = 0.0, d1 = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    scale[i] = (opt.atol_vector ? opt.atol_vector[i] : opt.atol) + std::fabs(y0[i]) * opt.rtol;
    d0 += (y0[i] / scale[i]) * (y0[i] / scale[i]);
    d1 += (f0[i] / scale[i]) * (f0[i] / scale[i]);
  }
  d0 = std::sqrt(d0 / n);
  d1 = std::sqrt(d1 / n);
  double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
  h0 = std::min(h0, opt.max_step);
  for (int64_t i = 0; i < n; ++i) y1[i] = y0[i] + h0 * direction * f0[i];
  f.rhs(t0 + h0 * direction, y1.data(), f1.data());
  ++nfev;
  double d2 = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double v = (f1[i] - f0[i]) / scale[i];
    d2 += v * v;
  }
  d2 = std::sqrt(d2 / n) / h0;
  if (!std::isfinite(d2)) return std::min(h0, opt.max_step);
  const double h1 = (d1 <= 1e-15 && d2 <= 1e-15) ? std::max(1e-6, h0 * 1e-3)
                                                  : fixed_order::pow(0.01 / std::max(d1, d2), 1.0 / (order + 1));
  return std::min({100 * h0, h1, opt.max_step});
}

}  // namespace ssm::ode
