// Automatic method choice: Dormand–Prince while the problem is not stiff, then the
// Rosenbrock method (when the system has a Jacobian) from where stiffness was detected.
#include "ode.h"
#include "ode_internal.h"

namespace ssm::ode {

namespace {
// Forwards steps but not a second start() (the stiff method resumes a running integration).
class Resumed final : public Observer {
 public:
  explicit Resumed(Observer& inner) : inner_(inner) {}
  bool start(double, const double*) override { return true; }
  bool accepted(const Step& step) override { return inner_.accepted(step); }

 private:
  Observer& inner_;
};
}  // namespace

Result automatic(System& f, double t0, double t_end, double* y, const Options& opt, Observer& obs) {
  bool stiff = false;
  Result first = dopri5_run(f, t0, t_end, y, opt, obs, f.has_jacobian(), &stiff);
  if (!stiff || first.status != Status::kRunning) return first;
  Options rest = opt;
  rest.max_steps = opt.max_steps - first.nsteps - first.nrejected;
  rest.first_step = 0.0;
  Resumed resumed(obs);
  Result second = rosenbrock(f, first.t, t_end, y, rest, resumed);
  second.nfev += first.nfev;
  second.njev += first.njev;
  second.nlu += first.nlu;
  second.nsteps += first.nsteps;
  second.nrejected += first.nrejected;
  return second;
}

}  // namespace ssm::ode
