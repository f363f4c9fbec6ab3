// LSODA: variable-order, variable-step Adams (orders 1–12) / BDF (orders 1–5) in Nordsieck
// form with automatic stiff/non-stiff switching (Petzold, SIAM J. Sci. Stat. Comput. 4,
// 1983), the step and order selection, error tests and corrector of LSODE (Hindmarsh 1983;
// Radhakrishnan & Hindmarsh, "Description and use of LSODE", LLNL 1993). Written to follow
// the trajectory of ODEPACK's LSODA as SciPy's odeint calls it: rtol/atol scalars, Jacobian
// by internal finite differences (jt = 2) even when the system has an analytic one, hmin 0,
// hmax from Options::max_step, mxordn 12, mxords 5, no tcrit, itask 1 (the integration
// steps past t_end and y(t_end) is interpolated). Every constant below is LSODA's.
//
// Notation (LSODE's): the Nordsieck array z_j = h^j y^(j)/j!, j = 0..q (columns of yh);
// the error weights w_i = 1/(rtol·|y_i| + atol_i), refreshed before every step; the norm
// ‖v‖ = max_i |v_i|·w_i. One step of order q from t_n:
//   predict  z ← z·P (Pascal triangle), t_n+1 = t_n + h
//   correct  e = Σ Δ, y = z_0 + l_0 e with h f(y) − z_1 − e = 0 solved by functional
//            iteration (Adams) or a chord Newton iteration with P = I − h l_0 J (BDF)
//   test     ‖e‖ / τ_q ≤ 1, then z_j += l_j e.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <vector>

#include "fixed_order.h"
#include "ode.h"
#include "ode_internal.h"

namespace ssm::ode {

namespace {

constexpr double kRound = DBL_EPSILON;  // d1mach(4)
constexpr int kMaxAdams = 12, kMaxBdf = 5;  // mxordn, mxords
constexpr double kCcmax = 0.3;              // relative change of h·l_0 that forces a new matrix
constexpr int kMaxCorrections = 3;          // maxcor
constexpr int kStepsPerJacobian = 20;       // msbp
constexpr int kMaxConvergenceFailures = 10; // mxncf
constexpr int kMaxErrorFailures = 10;       // kflag = −10
constexpr int kSwitchTestPeriod = 20;       // icount: steps before a switch is considered
constexpr double kSwitchRatio = 5.0;        // step-size advantage needed to switch
// Bounds of h·‖J‖ inside the stability regions of the Adams methods, orders 1..12 (sm1).
constexpr double kStability[kMaxAdams + 1] = {0.0,  0.5,  0.575, 0.55, 0.45,  0.35, 0.25,
                                              0.20, 0.15, 0.10,  0.075, 0.050, 0.025};

enum Method { kAdams = 1, kBdf = 2 };

// Method coefficients for orders q = 1..12 (CFODE): l_j of the generating polynomial of
// order q in el[q][j], j = 0..q, and the error constants τ of orders q−1, q, q+1 in
// test[q][0..2].
struct Coefficients {
  double el[kMaxAdams + 1][kMaxAdams + 2] = {};
  double test[kMaxAdams + 1][3] = {};
};

// Implicit Adams: l(x) with l'(x) = (x+1)(x+2)…(x+q−1)/(q−1)!, l(−1) = 0.
Coefficients adams_coefficients() {
  Coefficients c;
  c.el[1][0] = 1.0, c.el[1][1] = 1.0;
  c.test[1][0] = 0.0, c.test[1][1] = 2.0, c.test[2][0] = 1.0, c.test[kMaxAdams][2] = 0.0;
  double p[kMaxAdams] = {1.0};  // coefficients of p(x) = (x+1)…(x+q−1), lowest first
  double rqfac = 1.0;
  for (int q = 2; q <= kMaxAdams; ++q) {
    const double rq1fac = rqfac, m = q - 1;
    rqfac /= q;
    p[q - 1] = 0.0;
    for (int k = q - 1; k >= 1; --k) p[k] = p[k - 1] + m * p[k];
    p[0] *= m;
    // ∫_{−1}^{0} p(x) dx and ∫_{−1}^{0} x p(x) dx.
    double pint = p[0], xpin = p[0] / 2.0, sign = 1.0;
    for (int k = 1; k < q; ++k) {
      sign = -sign;
      pint += sign * p[k] / (k + 1);
      xpin += sign * p[k] / (k + 2);
    }
    c.el[q][0] = pint * rq1fac;
    c.el[q][1] = 1.0;
    for (int k = 1; k < q; ++k) c.el[q][k + 1] = rq1fac * p[k] / (k + 1);
    const double ragq = 1.0 / (rqfac * xpin);
    c.test[q][1] = ragq;
    if (q < kMaxAdams) c.test[q + 1][0] = ragq * rqfac / (q + 1);
    c.test[q - 1][2] = ragq;
  }
  return c;
}

// BDF: l(x) = (x+1)(x+2)…(x+q) / (q!·(1 + 1/2 + … + 1/q)).
Coefficients bdf_coefficients() {
  Coefficients c;
  double p[kMaxBdf + 2] = {1.0};
  double rq1fac = 1.0;
  for (int q = 1; q <= kMaxBdf; ++q) {
    p[q] = 0.0;
    for (int k = q; k >= 1; --k) p[k] = p[k - 1] + q * p[k];
    p[0] *= q;
    for (int k = 0; k <= q; ++k) c.el[q][k] = p[k] / p[1];
    c.el[q][1] = 1.0;
    c.test[q][0] = rq1fac;
    c.test[q][1] = (q + 1) / c.el[q][0];
    c.test[q][2] = (q + 2) / c.el[q][0];
    rq1fac /= q;
  }
  return c;
}

enum class Failure { kNone, kError, kConvergence, kSingular, kNonFinite };

class Lsoda {
 public:
  Lsoda(System& f, const Options& opt, Result& res)
      : f_(f), opt_(opt), res_(res), n_(f.size()),
        yh_(static_cast<size_t>((kMaxAdams + 1) * n_)), w_(n_), savf_(n_), acor_(n_), y_(n_),
        p_(static_cast<size_t>(n_ * n_)), pivots_(static_cast<size_t>(std::max<int64_t>(n_, 1))),
        adams_(adams_coefficients()), bdf_(bdf_coefficients()) {
    for (int q = 1; q <= kMaxAdams; ++q) cm1_[q] = adams_.test[q][1] * adams_.el[q][q];
    for (int q = 1; q <= kMaxBdf; ++q) cm2_[q] = bdf_.test[q][1] * bdf_.el[q][q];
    hmxi_ = std::isfinite(opt.max_step) ? 1.0 / opt.max_step : 0.0;
  }

  double* z(int j) { return yh_.data() + j * n_; }
  const double* z(int j) const { return yh_.data() + j * n_; }
  double tn() const { return tn_; }
  double hu() const { return hu_; }
  Failure failure() const { return failure_; }

  // Loads z_0 = y0, z_1 = h0 f(t0, y0) with LSODA's initial step
  //   h0^−2 = 1/(tol·w0²) + tol·‖f0‖²,  w0 = max(|t0|, |tout|),  tol = rtol in [100u, 1e−3],
  // bounded by |tout − t0| (tout: the first output time). f0 is in z(1) on entry.
  // Returns false when tout is too close to t0.
  bool initialize(double t0, const double* y0, double tout) {
    tn_ = t0;
    std::copy(y0, y0 + n_, z(0));
    set_weights();
    double h0 = opt_.first_step;
    if (!(h0 > 0)) {
      const double tdist = std::fabs(tout - t0), w0 = std::max(std::fabs(t0), std::fabs(tout));
      if (tdist < 2.0 * kRound * w0) return false;
      const double tol = std::min(std::max(opt_.rtol, 100.0 * kRound), 0.001);
      const double fnorm = norm(z(1));
      h0 = 1.0 / std::sqrt(1.0 / (tol * w0 * w0) + tol * fnorm * fnorm);
      h0 = std::min(h0, tdist);
      // An infinite tout with f0 = 0 leaves the rule without a scale.
      if (!std::isfinite(h0) || h0 == 0.0) h0 = std::isfinite(tdist) && tdist > 0 ? tdist : 1.0;
    }
    h0 = std::copysign(h0, tout - t0);
    const double rh = std::fabs(h0) * hmxi_;
    if (rh > 1.0) h0 /= rh;
    h_ = h0;
    for (int64_t i = 0; i < n_; ++i) z(1)[i] *= h0;
    jstart_ = 0;
    return true;
  }

  // w_i = 1/(rtol·|z_0i| + atol_i) (EWSET, inverted).
  void set_weights() {
    for (int64_t i = 0; i < n_; ++i) {
      const double atol = opt_.atol_vector ? opt_.atol_vector[i] : opt_.atol;
      w_[i] = 1.0 / (opt_.rtol * std::fabs(z(0)[i]) + atol);
    }
  }

  // LSODA's check that the tolerances are not below round-off: u·‖z_0‖ ≤ 0.01.
  bool accuracy_attainable() const { return kRound * norm(z(0)) <= 0.01; }
  bool step_resolvable() const { return tn_ + h_ != tn_; }

  // One step (STODA). Returns true on success; on failure t_n and z are as before the step.
  bool step();

  // After a successful step: when the method switched, the next step completes the switch.
  void after_step() {
    if (meth_ == mused_) return;
    maxord_ = meth_ == kBdf ? kMaxBdf : kMaxAdams;
    jstart_ = -1;
  }

  // The Nordsieck polynomial at t (INTDY with k = 0), valid on [t_n − h_u, t_n].
  void interpolate(double t, double* out) const {
    const double s = (t - tn_) / h_;
    std::copy(z(nq_), z(nq_) + n_, out);
    for (int j = nq_ - 1; j >= 0; --j) {
      const double* c = z(j);
      for (int64_t i = 0; i < n_; ++i) out[i] = c[i] + s * out[i];
    }
  }

 private:
  double norm(const double* v) const {  // VMNORM
    double m = 0.0;
    for (int64_t i = 0; i < n_; ++i) m = std::max(m, std::fabs(v[i]) * w_[i]);
    return m;
  }

  void rhs(const double* y, double* out) {
    f_.rhs(tn_, y, out);
    ++res_.nfev;
  }

  // l_j and the constants that depend on the order (block 150 of STODA).
  void set_order_coefficients() {
    for (int j = 0; j <= nq_; ++j) el_[j] = co_->el[nq_][j];
    rc_ = rc_ * el_[0] / el0_;
    el0_ = el_[0];
    conit_ = 0.5 / (nq_ + 2);
  }

  // h ← rh·h within rmax and hmax, for Adams also within the stability region (h·‖J‖
  // estimated by pdlast); z_j scaled by rh^j.
  void change_step(double rh) {
    rh = std::min(rh, rmax_);
    rh = rh / std::max(1.0, std::fabs(h_) * hmxi_ * rh);
    if (meth_ == kAdams) {
      irflag_ = false;
      const double pdh = std::max(std::fabs(h_) * pdlast_, 0.000001);
      if (rh * pdh * 1.00001 >= kStability[nq_]) {
        rh = kStability[nq_] / pdh;
        irflag_ = true;
      }
    }
    double r = 1.0;
    for (int j = 1; j < l_; ++j) {
      r *= rh;
      double* c = z(j);
      for (int64_t i = 0; i < n_; ++i) c[i] *= r;
    }
    h_ *= rh;
    rc_ *= rh;
    ialth_ = l_;
  }

  // z ← z·P, and its inverse, by repeated additions (exact inverse in exact arithmetic).
  void predict() {
    for (int k = 1; k <= nq_; ++k)
      for (int64_t i = (nq_ - k) * n_; i < nq_ * n_; ++i) yh_[i] += yh_[i + n_];
  }
  void retract() {
    for (int k = 1; k <= nq_; ++k)
      for (int64_t i = (nq_ - k) * n_; i < nq_ * n_; ++i) yh_[i] -= yh_[i + n_];
  }

  void first_step_setup();
  bool correct(double pnorm, double& del, int& m);
  void iteration_matrix();
  bool select_step_and_order(double dsm, double rhup);
  bool consider_switch(double dsm, double pnorm);

  System& f_;
  const Options& opt_;
  Result& res_;
  int64_t n_;
  std::vector<double> yh_, w_, savf_, acor_, y_, p_;
  std::vector<int64_t> pivots_;
  Coefficients adams_, bdf_;
  const Coefficients* co_ = &adams_;
  double cm1_[kMaxAdams + 1] = {}, cm2_[kMaxBdf + 1] = {};
  double el_[kMaxAdams + 2] = {};
  double h_ = 0, hold_ = 0, hu_ = 0, tn_ = 0, rmax_ = 0, rc_ = 0, el0_ = 1, crate_ = 0, conit_ = 0;
  double pdest_ = 0, pdlast_ = 0, pdnorm_ = 0, hmxi_ = 0;
  int nq_ = 1, l_ = 2, lmax_ = kMaxAdams + 1, maxord_ = kMaxAdams, ialth_ = 0, ipup_ = 0, icount_ = 0;
  int meth_ = kAdams, miter_ = 0, mused_ = 0, jstart_ = 0, kflag_ = 0;
  int64_t nslp_ = 0;
  bool irflag_ = false, jcur_ = false;
  Failure failure_ = Failure::kNone;
};

void Lsoda::first_step_setup() {
  lmax_ = maxord_ + 1;
  nq_ = 1;
  l_ = 2;
  ialth_ = 2;
  rmax_ = 10000.0;  // large at first to make up for the small initial h
  rc_ = 0.0;
  el0_ = 1.0;
  crate_ = 0.7;
  hold_ = h_;
  nslp_ = 0;
  ipup_ = miter_;
  icount_ = kSwitchTestPeriod;
  irflag_ = false;
  pdest_ = 0.0;
  pdlast_ = 0.0;
  co_ = &adams_;
  set_order_coefficients();
}

// P = I − h l_0 J with J by forward differences (PRJA, miter 2): column j from
// f(y + r_j e_j), r_j = max(√u·|y_j|, r0/w_j), r0 = 1000·|h|·u·n·‖f(y)‖ (1 if 0); also
// ‖J‖ in the matrix norm of the weighted max-norm (pdnorm), then the LU factors.
void Lsoda::iteration_matrix() {
  ++res_.njev;
  ++res_.nlu;
  jcur_ = true;
  const double hl0 = h_ * el0_;
  double r0 = 1000.0 * std::fabs(h_) * kRound * static_cast<double>(n_) * norm(savf_.data());
  if (r0 == 0.0) r0 = 1.0;
  const double srur = std::sqrt(kRound);
  double* ftem = acor_.data();
  for (int64_t j = 0; j < n_; ++j) {
    const double yj = y_[j], r = std::max(srur * std::fabs(yj), r0 / w_[j]);
    y_[j] += r;
    const double fac = -hl0 / r;
    f_.rhs(tn_, y_.data(), ftem);
    for (int64_t i = 0; i < n_; ++i) p_[i * n_ + j] = (ftem[i] - savf_[i]) * fac;
    y_[j] = yj;
  }
  res_.nfev += n_;
  double an = 0.0;  // FNORM of −h l_0 J
  for (int64_t i = 0; i < n_; ++i) {
    double sum = 0.0;
    for (int64_t j = 0; j < n_; ++j) sum += std::fabs(p_[i * n_ + j]) / w_[j];
    an = std::max(an, sum * w_[i]);
  }
  pdnorm_ = an / std::fabs(hl0);
  for (int64_t i = 0; i < n_; ++i) p_[i * n_ + i] += 1.0;
}

// The corrector loop (STODA 220–450): up to 3 iterations, convergence when the estimated
// contracted correction del·min(1, 1.5·crate)/(τ_q·conit) ≤ 1 (conit = 0.5/(q+2)); a
// failure with a stale Jacobian retries once with a fresh one. Returns false on failure
// (failure_ says why); on success del is the last correction norm and m the iterations.
bool Lsoda::correct(double pnorm, double& del, int& m) {
  const double* z0 = z(0);
  const double* z1 = z(1);
  while (true) {
    m = 0;
    double rate = 0.0, delp = 0.0;
    del = 0.0;
    std::copy(z0, z0 + n_, y_.begin());
    rhs(y_.data(), savf_.data());
    if (ipup_ > 0) {
      iteration_matrix();
      ipup_ = 0;
      rc_ = 1.0;
      nslp_ = res_.nsteps;
      crate_ = 0.7;
      const bool finite = all_finite(n_ * n_, p_.data());
      if (!finite || fixed_order::lu_factor(n_, p_.data(), pivots_.data()) != 0) {
        failure_ = finite ? Failure::kSingular : Failure::kNonFinite;
        return false;
      }
    }
    std::fill(acor_.begin(), acor_.end(), 0.0);
    while (true) {
      if (miter_ == 0) {  // functional iteration
        for (int64_t i = 0; i < n_; ++i) {
          savf_[i] = h_ * savf_[i] - z1[i];
          y_[i] = savf_[i] - acor_[i];
        }
        del = norm(y_.data());
        for (int64_t i = 0; i < n_; ++i) {
          y_[i] = z0[i] + el_[0] * savf_[i];
          acor_[i] = savf_[i];
        }
      } else {  // chord Newton: P Δ = h f(y) − z_1 − e
        for (int64_t i = 0; i < n_; ++i) y_[i] = h_ * savf_[i] - (z1[i] + acor_[i]);
        fixed_order::lu_solve(n_, p_.data(), pivots_.data(), 1, y_.data());
        del = norm(y_.data());
        for (int64_t i = 0; i < n_; ++i) {
          acor_[i] += y_[i];
          y_[i] = z0[i] + el_[0] * acor_[i];
        }
      }
      if (!std::isfinite(del)) {
        failure_ = Failure::kNonFinite;
        return false;
      }
      if (del <= 100.0 * pnorm * kRound) return true;  // a change at round-off level
      // Adams takes at least two iterations, for the Lipschitz estimate pdest.
      if (m != 0 || meth_ != kAdams) {
        if (m != 0) {
          double rm = 1024.0;
          if (del <= 1024.0 * delp) rm = del / delp;
          rate = std::max(rate, rm);
          crate_ = std::max(0.2 * crate_, rm);
        }
        const double dcon = del * std::min(1.0, 1.5 * crate_) / (co_->test[nq_][1] * conit_);
        if (dcon <= 1.0) {
          pdest_ = std::max(pdest_, rate / std::fabs(h_ * el_[0]));
          if (pdest_ != 0.0) pdlast_ = pdest_;
          return true;
        }
      }
      ++m;
      if (m == kMaxCorrections || (m >= 2 && del > 2.0 * delp)) break;
      delp = del;
      rhs(y_.data(), savf_.data());
    }
    if (miter_ == 0 || jcur_) {
      failure_ = Failure::kConvergence;
      return false;
    }
    ipup_ = miter_;  // the Jacobian was stale: once more with a fresh one
  }
}

// The step/order choice after a step (rhup from the order-(q+1) estimate) or after an
// error-test failure (rhup = 0): the largest of the step ratios at orders q−1, q, q+1,
//   r = 1/(c·(d)^(1/(k+1)) + c·1e−6),  c = 1.3, 1.2, 1.4,
// for Adams also bounded by the stability region. No change below a ratio of 1.1 after
// a success. Returns true when h (or q) changed.
bool Lsoda::select_step_and_order(double dsm, double rhup) {
  const double exsm = 1.0 / l_;
  double rhsm = 1.0 / (1.2 * fixed_order::pow(dsm, exsm) + 0.0000012);
  double rhdn = 0.0;
  if (nq_ != 1) {
    const double ddn = norm(z(l_ - 1)) / co_->test[nq_][0], exdn = 1.0 / nq_;
    rhdn = 1.0 / (1.3 * fixed_order::pow(ddn, exdn) + 0.0000013);
  }
  double pdh = 0.0;
  if (meth_ == kAdams) {
    pdh = std::max(std::fabs(h_) * pdlast_, 0.000001);
    if (l_ < lmax_) rhup = std::min(rhup, kStability[l_] / pdh);
    rhsm = std::min(rhsm, kStability[nq_] / pdh);
    if (nq_ > 1) rhdn = std::min(rhdn, kStability[nq_ - 1] / pdh);
    pdest_ = 0.0;
  }
  const bool up = rhsm < rhup && rhup > rhdn;
  const bool down = !up && (rhsm >= rhup ? rhsm < rhdn : true);
  if (up) {
    if (rhup < 1.1) {
      ialth_ = 3;
      return false;
    }
    // The new column z_{q+1} from the saved correction difference.
    const double r = el_[l_ - 1] / l_;
    double* c = z(l_);
    for (int64_t i = 0; i < n_; ++i) c[i] = acor_[i] * r;
    nq_ = l_;
    l_ = nq_ + 1;
    set_order_coefficients();
    change_step(rhup);
    return true;
  }
  int newq = nq_;
  double rh = rhsm;
  if (down) {
    newq = nq_ - 1;
    rh = rhdn;
    if (kflag_ < 0 && rh > 1.0) rh = 1.0;
  }
  const bool stability_bound = meth_ == kAdams && rh * pdh * 1.00001 >= kStability[newq];
  if (!stability_bound && kflag_ == 0 && rh < 1.1) {
    ialth_ = 3;
    return false;
  }
  if (kflag_ <= -2) rh = std::min(rh, 0.2);
  if (newq != nq_) {
    nq_ = newq;
    l_ = nq_ + 1;
    set_order_coefficients();
  }
  change_step(rh);
  return true;
}

// Petzold's switching test, every step once 20 steps were taken with the current method:
// compare the step the current method could have used with the other method's (same order,
// error constants cm1/cm2), Adams bounded by its stability region (h·‖J‖ from pdlast or
// pdnorm). Adams → BDF needs a 5× advantage, BDF → Adams 1× without round-off pollution.
// On a switch the step is rescaled here; the coefficients change at the next step.
bool Lsoda::consider_switch(double dsm, double pnorm) {
  const double exsm = 1.0 / l_;
  if (meth_ == kAdams) {
    if (nq_ > kMaxBdf) return false;  // orders above 5: not stiff (so nq ≤ mxords below)
    double rh2;
    if (dsm > 100.0 * pnorm * kRound && pdest_ != 0.0) {
      double rh1 = 1.0 / (1.2 * fixed_order::pow(dsm, exsm) + 0.0000012), rh1it = 2.0 * rh1;
      const double pdh = pdlast_ * std::fabs(h_);
      if (pdh * rh1 > 0.00001) rh1it = kStability[nq_] / pdh;
      rh1 = std::min(rh1, rh1it);
      const double dm2 = dsm * (cm1_[nq_] / cm2_[nq_]);
      rh2 = 1.0 / (1.2 * fixed_order::pow(dm2, exsm) + 0.0000012);
      if (rh2 < kSwitchRatio * rh1) return false;
    } else {
      // Estimates polluted by round-off: switch only if stability restricted the last step.
      if (!irflag_) return false;
      rh2 = 2.0;
    }
    icount_ = kSwitchTestPeriod;
    meth_ = kBdf;
    miter_ = 2;
    pdlast_ = 0.0;
    change_step(rh2);
    return true;
  }
  // BDF → Adams at the same order (q ≤ 5 ≤ mxordn).
  double dm1 = dsm * (cm2_[nq_] / cm1_[nq_]);
  double rh1 = 1.0 / (1.2 * fixed_order::pow(dm1, exsm) + 0.0000012), rh1it = 2.0 * rh1;
  const double pdh = pdnorm_ * std::fabs(h_);
  if (pdh * rh1 > 0.00001) rh1it = kStability[nq_] / pdh;
  rh1 = std::min(rh1, rh1it);
  const double rh2 = 1.0 / (1.2 * fixed_order::pow(dsm, exsm) + 0.0000012);
  if (rh1 * kSwitchRatio < 5.0 * rh2) return false;
  const double alpha = std::max(0.001, rh1);
  dm1 = fixed_order::pow(alpha, exsm) * dm1;
  if (dm1 <= 1000.0 * kRound * pnorm) return false;
  icount_ = kSwitchTestPeriod;
  meth_ = kAdams;
  miter_ = 0;
  pdlast_ = 0.0;
  change_step(rh1);
  return true;
}

bool Lsoda::step() {
  kflag_ = 0;
  const double told = tn_;
  int ncf = 0;
  jcur_ = false;
  failure_ = Failure::kNone;
  if (jstart_ == 0) {
    first_step_setup();
  } else if (jstart_ == -1) {  // completing a method switch
    ipup_ = miter_;
    lmax_ = maxord_ + 1;
    if (ialth_ == 1) ialth_ = 2;
    if (meth_ != mused_) {
      co_ = meth_ == kAdams ? &adams_ : &bdf_;
      ialth_ = l_;
      set_order_coefficients();
    }
    if (h_ != hold_) {
      const double rh = h_ / hold_;
      h_ = hold_;
      change_step(rh);
    }
  }
  while (true) {
    if (std::fabs(rc_ - 1.0) > kCcmax) ipup_ = miter_;
    if (res_.nsteps >= nslp_ + kStepsPerJacobian) ipup_ = miter_;
    tn_ += h_;
    predict();
    const double pnorm = norm(z(0));
    double del = 0.0;
    int m = 0;
    if (!correct(pnorm, del, m)) {
      // Convergence failure: retract, h/4, a fresh matrix (mxncf failures end the run).
      ++res_.nrejected;
      ++ncf;
      rmax_ = 2.0;
      tn_ = told;
      retract();
      if (ncf == kMaxConvergenceFailures) {
        kflag_ = -2;
        break;
      }
      ipup_ = miter_;
      change_step(0.25);
      continue;
    }
    jcur_ = false;
    const double dsm = (m == 0 ? del : norm(acor_.data())) / co_->test[nq_][1];
    if (dsm > 1.0) {
      // Error test failure: retract and choose h (and q) again; from the third failure on,
      // restart at order 1 with h/10 and a fresh derivative.
      ++res_.nrejected;
      failure_ = Failure::kError;
      --kflag_;
      tn_ = told;
      retract();
      rmax_ = 2.0;
      if (kflag_ <= -3) {
        if (kflag_ == -kMaxErrorFailures) break;
        h_ *= 0.1;
        std::copy(z(0), z(0) + n_, y_.begin());
        rhs(y_.data(), savf_.data());
        for (int64_t i = 0; i < n_; ++i) z(1)[i] = h_ * savf_[i];
        ipup_ = miter_;
        ialth_ = 5;
        if (nq_ != 1) {
          nq_ = 1;
          l_ = 2;
          set_order_coefficients();
        }
        continue;
      }
      select_step_and_order(dsm, 0.0);
      continue;
    }
    // Success: z_j += l_j e.
    kflag_ = 0;
    failure_ = Failure::kNone;
    ++res_.nsteps;
    hu_ = h_;
    mused_ = meth_;
    for (int j = 0; j < l_; ++j) {
      double* c = z(j);
      for (int64_t i = 0; i < n_; ++i) c[i] += el_[j] * acor_[i];
    }
    --icount_;
    if (icount_ < 0 && consider_switch(dsm, pnorm)) {
      rmax_ = 10.0;
    } else if (--ialth_ == 0) {
      double rhup = 0.0;
      if (l_ != lmax_) {
        const double* saved = z(lmax_ - 1);
        for (int64_t i = 0; i < n_; ++i) savf_[i] = acor_[i] - saved[i];
        const double dup = norm(savf_.data()) / co_->test[nq_][2], exup = 1.0 / (l_ + 1);
        rhup = 1.0 / (1.4 * fixed_order::pow(dup, exup) + 0.0000014);
      }
      if (select_step_and_order(dsm, rhup)) rmax_ = 10.0;
    } else if (ialth_ == 1 && l_ != lmax_) {
      std::copy(acor_.begin(), acor_.end(), z(lmax_ - 1));  // for the order-increase test
    }
    hold_ = h_;
    jstart_ = 1;
    return true;
  }
  hold_ = h_;
  jstart_ = 1;
  return false;
}

// What the observer sees: the step [t_n − h_u, t_n], or its part up to t_end for the
// step that passed t_end (then y is the interpolated y(t_end)).
class LsodaStep final : public Step {
 public:
  explicit LsodaStep(const Lsoda& s) : s_(s) {}
  double t_old() const override { return t_old_; }
  double t() const override { return t_; }
  const double* y() const override { return y_; }
  void interpolate(double t, double* out) const override { s_.interpolate(t, out); }

  const Lsoda& s_;
  double t_old_ = 0, t_ = 0;
  const double* y_ = nullptr;
};

}  // namespace

Result lsoda(System& f, double t0, double t_end, double* y, const Options& opt, Observer& obs) {
  const int64_t n = f.size();
  Result res;
  res.t = t0;
  const double direction = t_end >= t0 ? 1.0 : -1.0;
  Lsoda s(f, opt, res);
  LsodaStep view(s);

  f.rhs(t0, y, s.z(1));
  ++res.nfev;
  if (!all_finite(n, y) || !all_finite(n, s.z(1)))
    return finish(res, Status::kNonFinite, "the initial state or its derivative is not finite");
  if (!obs.start(t0, y)) return finish(res, Status::kStopped, "stopped by the observer at the start");
  if (t_end == t0) return finish(res, Status::kReachedEnd, "reached the end of the interval");

  // The initial step depends on the first output time (odeint: t[1]).
  double tout = t_end;
  if (opt.first_output > 0 && direction * (opt.first_output - t0) > 0 && direction * (opt.first_output - t_end) < 0)
    tout = opt.first_output;
  if (!s.initialize(t0, y, tout))
    return finish(res, Status::kStepTooSmall, "the first output time is too close to t0 (round-off)");

  // Ends the run at the last accepted step (y, t as there).
  auto stop = [&](Status status, const char* message) -> Result {
    std::copy(s.z(0), s.z(0) + n, y);
    res.t = s.tn();
    return finish(res, status, message);
  };
  bool first = true;
  while (true) {
    if (opt.abort && *opt.abort) return stop(Status::kAborted, "aborted");
    if (res.nsteps + res.nrejected >= opt.max_steps)
      return stop(Status::kMaxSteps, "the step budget (maxSteps) was exhausted");
    if (!first) s.set_weights();
    first = false;
    if (!s.accuracy_attainable())
      return stop(Status::kStepTooSmall, "too much accuracy requested for the machine precision (rtol, atol)");
    if (!s.step_resolvable()) return stop(Status::kStepTooSmall, "the step size fell below the round-off level of t");
    if (!s.step()) {
      switch (s.failure()) {
        case Failure::kNonFinite:
          return stop(Status::kNonFinite, "the solution became non-finite (corrector failures)");
        case Failure::kSingular: return stop(Status::kSingular, "the iteration matrix I − h·l0·J stayed singular");
        case Failure::kError: return stop(Status::kStepTooSmall, "the error test failed repeatedly (10 times)");
        default: return stop(Status::kStepTooSmall, "the corrector failed to converge repeatedly (10 times)");
      }
    }
    s.after_step();
    view.t_old_ = s.tn() - s.hu();
    if (direction * (s.tn() - t_end) >= 0) {  // itask 1: interpolate at t_end
      s.interpolate(t_end, y);
      view.t_ = t_end;
      view.y_ = y;
      res.t = t_end;
      if (!obs.accepted(view)) return finish(res, Status::kStopped, "stopped by the observer");
      return finish(res, Status::kReachedEnd, "reached the end of the interval");
    }
    view.t_ = s.tn();
    view.y_ = s.z(0);
    res.t = s.tn();
    if (!obs.accepted(view)) return stop(Status::kStopped, "stopped by the observer");
  }
}

}  // namespace ssm::ode
