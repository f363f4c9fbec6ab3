// Restarting the clock of an autonomous system (SPEC §6). The Theorem-1 flows escape their
// plateau at t ≈ 1e12 within a few time units: the steps needed there fall below the
// round-off of t itself, and every integrator stops with "step too small". An autonomous
// system does not see t, so the run continues exactly from the same state with a local
// clock starting at 0; the observer sees absolute times t = offset + local time.
#include <algorithm>

#include "ode.h"

namespace ssm::ode {

namespace {

// A step of a restarted segment as the observer sees it: times shifted by the offset.
class ShiftedStep final : public Step {
 public:
  ShiftedStep(const Step& inner, double offset) : inner_(inner), offset_(offset) {}
  double t_old() const override { return offset_ + inner_.t_old(); }
  double t() const override { return offset_ + inner_.t(); }
  const double* y() const override { return inner_.y(); }
  void interpolate(double s, double* out) const override {
    // s − offset may fall a rounding error outside the local step.
    const double lo = std::min(inner_.t_old(), inner_.t()), hi = std::max(inner_.t_old(), inner_.t());
    inner_.interpolate(std::clamp(s - offset_, lo, hi), out);
  }

 private:
  const Step& inner_;
  double offset_;
};

// Forwards the steps of a later segment (shifted) and not its start().
class ShiftedObserver final : public Observer {
 public:
  ShiftedObserver(Observer& inner, double offset) : inner_(inner), offset_(offset) {}
  bool start(double, const double*) override { return true; }
  bool accepted(const Step& step) override { return inner_.accepted(ShiftedStep(step, offset_)); }

 private:
  Observer& inner_;
  double offset_;
};

void add_counters(Result& total, const Result& part) {
  total.nfev += part.nfev;
  total.njev += part.njev;
  total.nlu += part.nlu;
  total.nsteps += part.nsteps;
  total.nrejected += part.nrejected;
}

}  // namespace

Result solve_autonomous(Solver solver, System& f, double t0, double t_end, double* y, const Options& opt,
                        Observer& obs, int max_restarts) {
  Result total = solver(f, t0, t_end, y, opt, obs);
  int restarts = 0;
  double segment_start = t0;
  // A segment that made no progress at all is a genuine failure, not round-off of t.
  while (total.status == Status::kStepTooSmall && total.t != segment_start && restarts < max_restarts &&
         total.nsteps + total.nrejected < opt.max_steps) {
    ++restarts;
    const double offset = total.t;
    Options local = opt;
    local.first_step = 0.0;
    local.max_steps = opt.max_steps - total.nsteps - total.nrejected;
    ShiftedObserver shifted(obs, offset);
    const Result part = solver(f, 0.0, t_end - offset, y, local, shifted);
    add_counters(total, part);
    total.status = part.status;
    total.message = part.message;
    segment_start = offset;
    total.t = offset + part.t;
  }
  total.restarts = restarts;
  return total;
}

}  // namespace ssm::ode
