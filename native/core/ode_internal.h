// Helpers shared by the integrator implementations (not part of the ode.h interface).
#ifndef SSM_POISON_CORE_ODE_INTERNAL_H
#define SSM_POISON_CORE_ODE_INTERNAL_H

#include <cmath>
#include <cstdint>

#include "ode.h"

namespace ssm::ode {

inline bool all_finite(int64_t n, const double* v) {
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(v[i])) return false;
  return true;
}

inline Result& finish(Result& r, Status s, const char* message) {
  r.status = s;
  r.message = message;
  return r;
}

// DOPRI5 that can also stop when stiffness is detected (status kRunning, *became_stiff).
Result dopri5_run(System& f, double t0, double t_end, double* y, const Options& opt, Observer& obs,
                  bool detect_stiffness, bool* became_stiff);

}  // namespace ssm::ode

#endif
