// RODAS4: the stiffly accurate, L-stable Rosenbrock method of order 4(3) with 6 stages and
// its 3rd-order dense output (Hairer & Wanner, Solving ODEs II, §VI.4; Hairer's rodas.f,
// METH = 1). Step control in the manner of solve_ivp (safety 0.9, factors in [0.2, 10],
// RMS error norm) with Gustafsson's predictive controller as in rodas.f.
//
// One step from (t, y) with the signed step h, in rodas.f's transformed variables k_i:
//   E = I/(γh) − J,  J = ∂f/∂y(t, y)                      (one LU per attempted step)
//   E k_i = f(t + c_i h, y + Σ_{j<i} a_ij k_j) + Σ_{j<i} (c_ij / h) k_j,   i = 1..6
//   ŷ = y + Σ_{j<5} a_5j k_j + k_5   (3rd order; the argument of stage 6)
//   y_new = ŷ + k_6                   (4th order; stiffly accurate), error estimate k_6.
// Time derivatives: a Rosenbrock method for a non-autonomous f adds h·γ_i·∂f/∂t to each
// stage. Every system integrated by the core is autonomous (the gradient flow, the
// built-in test problems), so those terms (rodas.f's HD1…HD4) are identically zero and
// omitted; the stage times t + c_i h are still passed to f.
//
// Dense output on [t, t + h], θ = (s − t)/h:
//   y(θ) = (1 − θ) y + θ (y_new + (1 − θ)(q2 + θ q3)),  q2 = Σ d2_j k_j,  q3 = Σ d3_j k_j.
#include <algorithm>
#include <cmath>
#include <vector>

#include "fixed_order.h"
#include "ode.h"
#include "ode_internal.h"

namespace ssm::ode {

namespace {

constexpr double kSafety = 0.9, kMinFactor = 0.2, kMaxFactor = 10.0;
// Consecutive singular matrices (each halving the step) before giving up.
constexpr int kMaxSingular = 3;

// Coefficients of rodas.f (SUBROUTINE ROCOE, METH = 1; Hairer & Wanner's RODAS table).
// test/ode.test.ts measures the orders (4 at step ends, 3 in the dense output) with fixed
// steps, which any wrong digit here breaks.
constexpr double gamma = 0.25;
constexpr double c2 = 0.386, c3 = 0.21, c4 = 0.63;
constexpr double a21 = 1.544;
constexpr double a31 = 0.9466785280815826, a32 = 0.2557011698983284;
constexpr double a41 = 3.314825187068521, a42 = 2.896124015972201, a43 = 0.9986419139977817;
constexpr double a51 = 1.221224509226641, a52 = 6.019134481288629, a53 = 12.53708332932087,
                 a54 = -0.6878860361058950;
constexpr double c21 = -5.6688;
constexpr double c31 = -2.430093356833875, c32 = -0.2063599157091915;
constexpr double c41 = -0.1073529058151375, c42 = -9.594562251023355, c43 = -20.47028614809616;
constexpr double c51 = 7.496443313967647, c52 = -10.24680431464352, c53 = -33.99990352819905,
                 c54 = 11.70890893206160;
constexpr double c61 = 8.083246795921522, c62 = -7.981132988064893, c63 = -31.52159432874371,
                 c64 = 16.31930543123136, c65 = -6.058818238834054;
constexpr double d21 = 10.12623508344586, d22 = -7.487995877610167, d23 = -34.80091861555747,
                 d24 = -7.992771707568823, d25 = 1.025137723295662;
constexpr double d31 = -0.6762803392801253, d32 = 6.087714651680015, d33 = 16.43084320892478,
                 d34 = 24.76722511418386, d35 = -6.594389125716872;

class RodasStep final : public Step {
 public:
  explicit RodasStep(int64_t n) : n_(n), y0(n), y1(n), q2(n), q3(n) {}
  double t_old() const override { return t_old_; }
  double t() const override { return t_; }
  const double* y() const override { return y1.data(); }
  void interpolate(double s, double* out) const override {
    const double theta = (s - t_old_) / (t_ - t_old_), theta1 = 1.0 - theta;
    for (int64_t i = 0; i < n_; ++i)
      out[i] = theta1 * y0[i] + theta * (y1[i] + theta1 * (q2[i] + theta * q3[i]));
  }

  int64_t n_;
  double t_old_ = 0, t_ = 0;
  std::vector<double> y0, y1, q2, q3;
};

// ∂f/∂y by forward differences (rodas.f with IJAC = 0), for systems without a Jacobian:
// column j from f(y + δ_j e_j), δ_j = √(u·max(1e−5, |y_j|)). y is restored on return.
void difference_jacobian(System& f, double t, double* y, const double* fy, double* J, double* work,
                         int64_t& nfev) {
  const int64_t n = f.size();
  constexpr double kRound = 2.220446049250313e-16;
  for (int64_t j = 0; j < n; ++j) {
    const double saved = y[j], delta = std::sqrt(kRound * std::max(1e-5, std::fabs(saved)));
    y[j] = saved + delta;
    f.rhs(t, y, work);
    ++nfev;
    y[j] = saved;
    for (int64_t i = 0; i < n; ++i) J[i * n + j] = (work[i] - fy[i]) / delta;
  }
}

}  // namespace

Result rosenbrock(System& f, double t0, double t_end, double* y, const Options& opt, Observer& obs) {
  const int64_t n = f.size();
  Result res;
  res.t = t0;
  const double direction = t_end >= t0 ? 1.0 : -1.0;
  using V = std::vector<double>;
  // Every work buffer of the run, allocated once.
  V fy(n), k1(n), k2(n), k3(n), k4(n), k5(n), k6(n), ystage(n), fstage(n), ynew(n);
  V jac(static_cast<size_t>(n * n)), lu(static_cast<size_t>(n * n));
  std::vector<int64_t> pivots(static_cast<size_t>(std::max<int64_t>(n, 1)));
  RodasStep step(n);

  f.rhs(t0, y, fy.data());
  ++res.nfev;
  if (!all_finite(n, y) || !all_finite(n, fy.data()))
    return finish(res, Status::kNonFinite, "the initial state or its derivative is not finite");
  if (!obs.start(t0, y)) return finish(res, Status::kStopped, "stopped by the observer at the start");

  // The error estimate is of order 3: Hairer's initial step for that order (as solve_ivp's
  // implicit methods pass their error estimator order).
  double h = opt.first_step > 0 ? opt.first_step : initial_step(f, t0, y, fy.data(), direction, 3, opt, res.nfev);
  double t = t0;
  bool last_rejected = false, last_non_finite = false, have_jacobian = false;
  int singular_count = 0;
  double h_accepted = 0.0, err_accepted = 0.0;  // Gustafsson's controller: the last accepted step

  // k_i ← E⁻¹ k_i, where k_i holds f(stage i) + Σ_{j<i} (c_ij / h) k_j on entry.
  auto solve_stage = [&](double* out) { fixed_order::lu_solve(n, lu.data(), pivots.data(), 1, out); };

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

    // The Jacobian at (t, y), kept across rejected attempts from the same point.
    if (!have_jacobian) {
      if (f.has_jacobian()) f.jacobian(t, y, jac.data());
      else difference_jacobian(f, t, y, fy.data(), jac.data(), fstage.data(), res.nfev);
      ++res.njev;
      have_jacobian = true;
      if (!all_finite(n * n, jac.data()))
        return finish(res, Status::kNonFinite, "the Jacobian became non-finite");
    }

    // E = I/(γh) − J, factored.
    const double diag = 1.0 / (gamma * hs);
    for (int64_t i = 0; i < n * n; ++i) lu[i] = -jac[i];
    for (int64_t i = 0; i < n; ++i) lu[i * n + i] += diag;
    ++res.nlu;
    if (fixed_order::lu_factor(n, lu.data(), pivots.data()) != 0) {
      if (++singular_count >= kMaxSingular)
        return finish(res, Status::kSingular, "the matrix I/(γh) − J stayed singular after halving the step");
      h = ha * 0.5;
      last_rejected = true;
      ++res.nrejected;
      continue;
    }
    singular_count = 0;

    const double hc21 = c21 / hs, hc31 = c31 / hs, hc32 = c32 / hs, hc41 = c41 / hs, hc42 = c42 / hs,
                 hc43 = c43 / hs, hc51 = c51 / hs, hc52 = c52 / hs, hc53 = c53 / hs, hc54 = c54 / hs,
                 hc61 = c61 / hs, hc62 = c62 / hs, hc63 = c63 / hs, hc64 = c64 / hs, hc65 = c65 / hs;

    std::copy(fy.begin(), fy.end(), k1.begin());
    solve_stage(k1.data());

    for (int64_t i = 0; i < n; ++i) ystage[i] = y[i] + a21 * k1[i];
    f.rhs(t + c2 * hs, ystage.data(), fstage.data());
    for (int64_t i = 0; i < n; ++i) k2[i] = fstage[i] + hc21 * k1[i];
    solve_stage(k2.data());

    for (int64_t i = 0; i < n; ++i) ystage[i] = y[i] + a31 * k1[i] + a32 * k2[i];
    f.rhs(t + c3 * hs, ystage.data(), fstage.data());
    for (int64_t i = 0; i < n; ++i) k3[i] = fstage[i] + hc31 * k1[i] + hc32 * k2[i];
    solve_stage(k3.data());

    for (int64_t i = 0; i < n; ++i) ystage[i] = y[i] + a41 * k1[i] + a42 * k2[i] + a43 * k3[i];
    f.rhs(t + c4 * hs, ystage.data(), fstage.data());
    for (int64_t i = 0; i < n; ++i) k4[i] = fstage[i] + hc41 * k1[i] + hc42 * k2[i] + hc43 * k3[i];
    solve_stage(k4.data());

    for (int64_t i = 0; i < n; ++i) ystage[i] = y[i] + a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i];
    f.rhs(t_new, ystage.data(), fstage.data());
    for (int64_t i = 0; i < n; ++i) k5[i] = fstage[i] + hc51 * k1[i] + hc52 * k2[i] + hc53 * k3[i] + hc54 * k4[i];
    solve_stage(k5.data());

    for (int64_t i = 0; i < n; ++i) ystage[i] += k5[i];  // ŷ, the embedded 3rd-order solution
    f.rhs(t_new, ystage.data(), fstage.data());
    for (int64_t i = 0; i < n; ++i)
      k6[i] = fstage[i] + hc61 * k1[i] + hc62 * k2[i] + hc63 * k3[i] + hc64 * k4[i] + hc65 * k5[i];
    solve_stage(k6.data());
    res.nfev += 5;

    for (int64_t i = 0; i < n; ++i) ynew[i] = ystage[i] + k6[i];
    const bool finite = all_finite(n, ynew.data()) && all_finite(n, k6.data());
    const double norm = finite ? error_norm(n, k6.data(), y, ynew.data(), opt) : INFINITY;

    if (!(norm < 1.0)) {  // rejected (a NaN norm too)
      last_non_finite = !finite || std::isnan(norm);
      h = ha * (finite && !std::isnan(norm) ? std::max(kMinFactor, kSafety * fixed_order::pow(norm, -0.25)) : kMinFactor);
      last_rejected = true;
      ++res.nrejected;
      continue;
    }
    last_non_finite = false;
    double factor = norm == 0.0 ? kMaxFactor : std::min(kMaxFactor, kSafety * fixed_order::pow(norm, -0.25));
    if (h_accepted > 0 && norm > 0) {
      // Gustafsson's predictive controller (rodas.f, PRED): the smaller of the two factors.
      const double predicted = kSafety * (ha / h_accepted) * fixed_order::pow(err_accepted / (norm * norm), 0.25);
      factor = std::min(factor, std::max(kMinFactor, predicted));
    }
    if (last_rejected) factor = std::min(1.0, factor);
    last_rejected = false;
    h_accepted = ha;
    err_accepted = std::max(1e-2, norm);
    ++res.nsteps;

    // Dense output on [t, t_new].
    for (int64_t i = 0; i < n; ++i) {
      step.y0[i] = y[i];
      step.q2[i] = d21 * k1[i] + d22 * k2[i] + d23 * k3[i] + d24 * k4[i] + d25 * k5[i];
      step.q3[i] = d31 * k1[i] + d32 * k2[i] + d33 * k3[i] + d34 * k4[i] + d35 * k5[i];
    }
    std::copy(ynew.begin(), ynew.end(), step.y1.begin());
    step.t_old_ = t;
    step.t_ = t_new;
    std::copy(ynew.begin(), ynew.end(), y);
    t = t_new;
    res.t = t;
    if (!obs.accepted(step)) return finish(res, Status::kStopped, "stopped by the observer");
    h = ha * factor;

    // f at the new point: the first stage of the next step.
    if (direction * (t - t_end) < 0) {
      f.rhs(t, y, fy.data());
      ++res.nfev;
      have_jacobian = false;
      if (!all_finite(n, fy.data())) return finish(res, Status::kNonFinite, "the derivative became non-finite");
    }
  }
}

}  // namespace ssm::ode
