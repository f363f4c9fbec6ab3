// PLACEHOLDER until the Rosenbrock method lands: reports that the method is unavailable.
#include "ode.h"
#include "ode_internal.h"

namespace ssm::ode {
Result rosenbrock(System&, double t0, double, double*, const Options&, Observer&) {
  Result r;
  r.t = t0;
  return finish(r, Status::kSingular, "the Rosenbrock method is not implemented yet");
}
}  // namespace ssm::ode
