// ODE integrators of the core (SPEC §6), in the manner of SciPy's solve_ivp: a system,
// options, an observer that sees every accepted step with its dense output, and a result
// with a status, a message and counters. The integration loop runs entirely in C++.
#ifndef SSM_POISON_CORE_ODE_H
#define SSM_POISON_CORE_ODE_H

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace ssm::ode {

// dy/dt = f(t, y) with n components; optionally its Jacobian ∂f/∂y.
class System {
 public:
  virtual ~System() = default;
  virtual int64_t size() const = 0;
  virtual void rhs(double t, const double* y, double* dydt) = 0;
  virtual bool has_jacobian() const { return false; }
  // J = ∂f/∂y at (t, y), n×n row-major.
  virtual void jacobian(double t, const double* y, double* J) {
    (void)t, (void)y, (void)J;
  }
};

enum class Status {
  kRunning = 0,
  kReachedEnd = 1,        // t reached t_end
  kStopped = 2,           // the observer asked to stop (a convergence test, an output count)
  kStepTooSmall = -1,     // the step size fell below round-off of t
  kMaxSteps = -2,         // the step budget was exhausted
  kNonFinite = -3,        // f, the Jacobian or the state became NaN/Inf
  kSingular = -4,         // the stiff method's matrix could not be factored
  kAborted = -5,          // cancelled from outside (Options::abort)
};

const char* status_name(Status s);

struct Options {
  double rtol = 1e-6;
  double atol = 1e-9;              // scalar absolute tolerance
  const double* atol_vector = nullptr;  // per-component absolute tolerance (overrides atol)
  double first_step = 0.0;         // 0: chosen automatically
  // The first output time after t0 (0: t_end). Only lsoda reads it: its initial step rule
  // depends on it, as in odeint (which passes t[1]).
  double first_output = 0.0;
  double max_step = std::numeric_limits<double>::infinity();
  int64_t max_steps = 10'000'000;  // accepted + rejected
  // Polled between steps; when it points to a non-zero value the run ends with kAborted.
  const volatile int* abort = nullptr;
};

// What an observer sees after each accepted step [t_old, t].
class Step {
 public:
  virtual ~Step() = default;
  virtual double t_old() const = 0;
  virtual double t() const = 0;
  virtual const double* y() const = 0;  // the state at t
  // The dense-output interpolant at t_old ≤ s ≤ t, written to out (n values).
  virtual void interpolate(double s, double* out) const = 0;
};

class Observer {
 public:
  virtual ~Observer() = default;
  // Called once with the initial state (t0, y0) before the first step.
  virtual bool start(double t0, const double* y0) {
    (void)t0, (void)y0;
    return true;
  }
  // Called after every accepted step; return false to stop (status kStopped).
  virtual bool accepted(const Step& step) = 0;
};

struct Result {
  Status status = Status::kRunning;
  std::string message;
  double t = 0.0;        // where the integration ended
  int64_t nfev = 0;      // right-hand-side evaluations
  int64_t njev = 0;      // Jacobian evaluations
  int64_t nlu = 0;       // LU factorizations
  int64_t nsteps = 0;    // accepted steps
  int64_t nrejected = 0; // rejected steps
  int restarts = 0;      // clock restarts (solve_autonomous)
  bool success() const { return status == Status::kReachedEnd || status == Status::kStopped; }
};

// Dormand–Prince 5(4) with the free 4th-order dense output (Hairer's DOPRI5), step control
// as in solve_ivp (safety 0.9, factors in [0.2, 10], RMS error norm of
// err / (atol + rtol·max(|y_old|, |y_new|))). y holds y0 on entry and y(t) on return.
// Integrates towards t_end (which may be +Inf when an observer stops the run).
Result dopri5(System& f, double t0, double t_end, double* y, const Options& opt, Observer& obs);

// A stiff Rosenbrock method using f.jacobian() and LU factorizations through the BLAS
// interface (OpenBLAS LAPACK or portable), with dense output; same conventions.
Result rosenbrock(System& f, double t0, double t_end, double* y, const Options& opt, Observer& obs);

// LSODA (ODEPACK, as SciPy's odeint runs it): Adams/BDF in Nordsieck form with automatic
// stiff/non-stiff switching, finite-difference Jacobian (f.jacobian() is not used), the
// weighted max-norm, and odeint's initial step from opt.first_output. Steps past t_end
// and returns y(t_end) by interpolation; the last step is reported clipped to t_end.
Result lsoda(System& f, double t0, double t_end, double* y, const Options& opt, Observer& obs);

// Dormand–Prince with stiffness detection (Hairer's test on h·|λ| estimates); when the
// problem turns stiff and f has a Jacobian, continues with the Rosenbrock method.
Result automatic(System& f, double t0, double t_end, double* y, const Options& opt, Observer& obs);

using Solver = Result (*)(System&, double, double, double*, const Options&, Observer&);

// Runs `solver` on an autonomous system (f independent of t); when the step size falls
// below the round-off of t, continues from the same state with the clock restarted at 0
// (up to max_restarts times), the observer seeing absolute times. Counters add up over
// the segments; the status is that of the last one.
Result solve_autonomous(Solver solver, System& f, double t0, double t_end, double* y, const Options& opt,
                        Observer& obs, int max_restarts = 64);

// The weighted RMS norm of err with scale atol_i + rtol·max(|a_i|, |b_i|).
double error_norm(int64_t n, const double* err, const double* a, const double* b, const Options& opt);

// Hairer's initial step size (solve_ivp's select_initial_step) for a method of this order.
double initial_step(System& f, double t0, const double* y0, const double* f0, double direction, int order,
                    const Options& opt, int64_t& nfev);

}  // namespace ssm::ode

#endif
