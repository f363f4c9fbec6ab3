// Dormand–Prince 5(4) with dense output and stiffness detection (Hairer's DOPRI5;
// step control as in SciPy's solve_ivp RK45).
#include <algorithm>
#include <cmath>
#include <vector>

#include "fixed_order.h"
#include "ode.h"
#include "ode_internal.h"

namespace ssm::ode {

namespace {

constexpr double kSafety = 0.9, kMinFactor = 0.2, kMaxFactor = 10.0;

// Butcher tableau (c, a), 5th-order weights b = row 7 of a (FSAL), error weights e = b − b̂,
// and the dense-output coefficients d of Hairer's CONTD5.
constexpr double c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9;
constexpr double a21 = 1.0 / 5;
constexpr double a31 = 3.0 / 40, a32 = 9.0 / 40;
constexpr double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
constexpr double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561, a54 = -212.0 / 729;
constexpr double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176,
                 a65 = -5103.0 / 18656;
constexpr double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784, b6 = 11.0 / 84;
constexpr double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200,
                 e6 = 22.0 / 525, e7 = -1.0 / 40;
constexpr double d1 = -12715105075.0 / 11282082432, d3 = 87487479700.0 / 32700410799,
                 d4 = -10690763975.0 / 1880347072, d5 = 701980252875.0 / 199316789632,
                 d6 = -1453857185.0 / 822651844, d7 = 69997945.0 / 29380423;

class Dopri5Step final : public Step {
 public:
  explicit Dopri5Step(int64_t n) : n_(n), r1(n), r2(n), r3(n), r4(n), r5(n) {}
  double t_old() const override { return t_old_; }
  double t() const override { return t_; }
  const double* y() const override { return y_; }
  void interpolate(double s, double* out) const override {
    const double theta = (s - t_old_) / (t_ - t_old_), theta1 = 1.0 - theta;
    for (int64_t i = 0; i < n_; ++i)
      out[i] = r1[i] + theta * (r2[i] + theta1 * (r3[i] + theta * (r4[i] + theta1 * r5[i])));
  }

  int64_t n_;
  double t_old_ = 0, t_ = 0;
  const double* y_ = nullptr;
  std::vector<double> r1, r2, r3, r4, r5;
};

}  // namespace

Result dopri5_run(System& f, double t0, double t_end, double* y, const Options& opt, Observer& obs,
                  bool detect_stiffness, bool* became_stiff) {
  const int64_t n = f.size();
  Result res;
  res.t = t0;
  if (became_stiff) *became_stiff = false;
  const double direction = t_end >= t0 ? 1.0 : -1.0;
  using V = std::vector<double>;
  V k1(n), k2(n), k3(n), k4(n), k5(n), k6(n), k7(n), ytmp(n), ystage6(n), ynew(n), err(n);
  Dopri5Step step(n);

  f.rhs(t0, y, k1.data());
  ++res.nfev;
  if (!all_finite(n, y) || !all_finite(n, k1.data()))
    return finish(res, Status::kNonFinite, "the initial state or its derivative is not finite");
  if (!obs.start(t0, y)) return finish(res, Status::kStopped, "stopped by the observer at the start");

  double h = opt.first_step > 0 ? opt.first_step : initial_step(f, t0, y, k1.data(), direction, 5, opt, res.nfev);
  double t = t0;
  bool last_rejected = false, last_non_finite = false;
  int stiff_count = 0, nonstiff_count = 0;

  while (true) {
    if (opt.abort && *opt.abort) return finish(res, Status::kAborted, "aborted");
    if (direction * (t - t_end) >= 0) return finish(res, Status::kReachedEnd, "reached the end of the interval");
    const double min_step = 10 * std::fabs(std::nextafter(t, direction * INFINITY) - t);
    h = std::min(h, opt.max_step);
    if (h < min_step) {
      return finish(res, last_non_finite ? Status::kNonFinite : Status::kStepTooSmall,
                    last_non_finite ? "the solution became non-finite (step size collapsed to round-off)"
                                    : "the step size fell below the round-off level of t");
    }
    if (res.nsteps + res.nrejected >= opt.max_steps)
      return finish(res, Status::kMaxSteps, "the step budget (maxSteps) was exhausted");
    double hs = h * direction;
    double t_new = t + hs;
    if (direction * (t_new - t_end) > 0) {
      t_new = t_end;
      hs = t_new - t;
    }
    const double ha = std::fabs(hs);

    for (int64_t i = 0; i < n; ++i) ytmp[i] = y[i] + hs * a21 * k1[i];
    f.rhs(t + c2 * hs, ytmp.data(), k2.data());
    for (int64_t i = 0; i < n; ++i) ytmp[i] = y[i] + hs * (a31 * k1[i] + a32 * k2[i]);
    f.rhs(t + c3 * hs, ytmp.data(), k3.data());
    for (int64_t i = 0; i < n; ++i) ytmp[i] = y[i] + hs * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
    f.rhs(t + c4 * hs, ytmp.data(), k4.data());
    for (int64_t i = 0; i < n; ++i) ytmp[i] = y[i] + hs * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
    f.rhs(t + c5 * hs, ytmp.data(), k5.data());
    for (int64_t i = 0; i < n; ++i)
      ystage6[i] = y[i] + hs * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i]);
    f.rhs(t_new, ystage6.data(), k6.data());
    for (int64_t i = 0; i < n; ++i)
      ynew[i] = y[i] + hs * (b1 * k1[i] + b3 * k3[i] + b4 * k4[i] + b5 * k5[i] + b6 * k6[i]);
    f.rhs(t_new, ynew.data(), k7.data());
    res.nfev += 6;
    for (int64_t i = 0; i < n; ++i)
      err[i] = hs * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k7[i]);
    const bool finite = all_finite(n, ynew.data()) && all_finite(n, k7.data());
    const double norm = finite ? error_norm(n, err.data(), y, ynew.data(), opt) : INFINITY;

    if (!(norm < 1.0)) {  // rejected (a NaN norm too)
      last_non_finite = !finite || std::isnan(norm);
      h = ha * (finite ? std::max(kMinFactor, kSafety * fixed_order::pow(norm, -0.2)) : kMinFactor);
      last_rejected = true;
      ++res.nrejected;
      continue;
    }
    last_non_finite = false;
    double factor = norm == 0.0 ? kMaxFactor : std::min(kMaxFactor, kSafety * fixed_order::pow(norm, -0.2));
    if (last_rejected) factor = std::min(1.0, factor);
    last_rejected = false;
    ++res.nsteps;

    if (detect_stiffness) {
      // Hairer's test: h·|λ| ≈ h‖k7 − k6‖ / ‖ynew − ystage6‖ beyond the stability boundary.
      double num = 0.0, den = 0.0;
      for (int64_t i = 0; i < n; ++i) {
        num += (k7[i] - k6[i]) * (k7[i] - k6[i]);
        den += (ynew[i] - ystage6[i]) * (ynew[i] - ystage6[i]);
      }
      if (den > 0 && ha * ha * num > 3.25 * 3.25 * den) {
        nonstiff_count = 0;
        if (++stiff_count == 15) {
          if (became_stiff) *became_stiff = true;
        }
      } else if (++nonstiff_count == 6) {
        stiff_count = 0;
      }
    }

    // Dense output (CONTD5) on [t, t_new].
    for (int64_t i = 0; i < n; ++i) {
      const double ydiff = ynew[i] - y[i], bspl = hs * k1[i] - ydiff;
      step.r1[i] = y[i];
      step.r2[i] = ydiff;
      step.r3[i] = bspl;
      step.r4[i] = ydiff - hs * k7[i] - bspl;
      step.r5[i] = hs * (d1 * k1[i] + d3 * k3[i] + d4 * k4[i] + d5 * k5[i] + d6 * k6[i] + d7 * k7[i]);
    }
    step.t_old_ = t;
    step.t_ = t_new;
    std::copy(ynew.begin(), ynew.end(), y);
    std::swap(k1, k7);  // FSAL
    step.y_ = y;
    t = t_new;
    res.t = t;
    if (!obs.accepted(step)) return finish(res, Status::kStopped, "stopped by the observer");
    if (became_stiff && *became_stiff) return finish(res, Status::kRunning, "the problem became stiff");
    h = ha * factor;
  }
}

Result dopri5(System& f, double t0, double t_end, double* y, const Options& opt, Observer& obs) {
  return dopri5_run(f, t0, t_end, y, opt, obs, false, nullptr);
}

}  // namespace ssm::ode
