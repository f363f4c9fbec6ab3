// Glue between the C ABI and the integrators: options, method dispatch, statistics, and
// an observer that samples the dense output at requested times.
#ifndef SSM_POISON_CORE_ODE_OUTPUT_H
#define SSM_POISON_CORE_ODE_OUTPUT_H

#include <algorithm>
#include <cmath>
#include <cstring>

#include "ode.h"
#include "ssm.h"

namespace ssm {

// Checked copy of the C options (tolerances positive and finite, steps non-negative).
inline bool ode_options_from(const ssm_ode_options& in, ode::Options& out) {
  if (!(in.rtol > 0 && in.rtol < 1) || !(in.atol > 0) || !std::isfinite(in.atol) || !(in.first_step >= 0) ||
      !std::isfinite(in.first_step) || !(in.max_step > 0) || in.max_steps < 1 ||
      !(in.first_output >= 0) || !std::isfinite(in.first_output) ||
      (in.method != SSM_ODE_DOPRI5 && in.method != SSM_ODE_ROSENBROCK && in.method != SSM_ODE_AUTO &&
       in.method != SSM_ODE_LSODA))
    return false;
  out.rtol = std::max(in.rtol, 100 * 2.220446049250313e-16);  // solve_ivp's floor
  out.atol = in.atol;
  out.first_step = in.first_step;
  out.max_step = in.max_step;
  out.max_steps = in.max_steps;
  out.first_output = in.first_output;
  out.abort = in.abort;
  return true;
}

inline ode::Solver ode_solver(int method) {
  switch (method) {
    case SSM_ODE_DOPRI5: return ode::dopri5;
    case SSM_ODE_ROSENBROCK: return ode::rosenbrock;
    case SSM_ODE_LSODA: return ode::lsoda;
    default: return ode::automatic;
  }
}

inline ode::Result ode_solve(int method, ode::System& f, double t0, double t_end, double* y,
                             const ode::Options& opt, ode::Observer& obs) {
  return ode_solver(method)(f, t0, t_end, y, opt, obs);
}

inline void write_stats(const ode::Result& r, ssm_ode_stats* stats) {
  stats->status = static_cast<int>(r.status);
  stats->t = r.t;
  stats->nfev = r.nfev;
  stats->njev = r.njev;
  stats->nlu = r.nlu;
  stats->nsteps = r.nsteps;
  stats->nrejected = r.nrejected;
  stats->restarts = r.restarts;
  std::strncpy(stats->message, r.message.c_str(), sizeof stats->message - 1);
  stats->message[sizeof stats->message - 1] = '\0';
}

namespace ode {

// Writes the solution at the requested times (monotone in the direction of integration,
// within [t0, t_end]) from the dense output of each accepted step; the time t0 itself is
// taken from the initial state. Entries not reached stay as the caller initialized them.
class TimesObserver : public Observer {
 public:
  TimesObserver(int64_t n, const double* times, int64_t count, double direction, double* out)
      : n_(n), times_(times), count_(count), direction_(direction), out_(out) {}

  bool valid() const {
    for (int64_t k = 1; k < count_; ++k)
      if (!(direction_ * (times_[k] - times_[k - 1]) >= 0)) return false;
    for (int64_t k = 0; k < count_; ++k)
      if (!std::isfinite(times_[k])) return false;
    return true;
  }
  int64_t written() const { return next_; }

  bool start(double t0, const double* y0) override {
    while (next_ < count_ && direction_ * (times_[next_] - t0) <= 0) {
      if (times_[next_] == t0) std::copy(y0, y0 + n_, out_ + next_ * n_);
      ++next_;
    }
    return true;
  }

  bool accepted(const Step& step) override {
    while (next_ < count_ && direction_ * (times_[next_] - step.t()) <= 0) {
      if (times_[next_] == step.t()) std::copy(step.y(), step.y() + n_, out_ + next_ * n_);
      else step.interpolate(times_[next_], out_ + next_ * n_);
      ++next_;
    }
    return true;
  }

 private:
  int64_t n_;
  const double* times_;
  int64_t count_;
  double direction_;
  double* out_;
  int64_t next_ = 0;
};

}  // namespace ode
}  // namespace ssm

#endif
