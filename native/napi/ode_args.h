// ODE options and statistics across the boundary.
#ifndef SSM_POISON_NAPI_ODE_ARGS_H
#define SSM_POISON_NAPI_ODE_ARGS_H

#include <napi.h>

#include "ssm.h"

namespace ssm::napi {

// Reads { method, rtol, atol, firstStep, maxStep, maxSteps } (all numbers) at `index`.
ssm_ode_options ode_options_arg(const Napi::CallbackInfo& info, size_t index);
// { status, message, t, nfev, njev, nlu, nsteps, nrejected }.
Napi::Object ode_stats_object(Napi::Env env, const ssm_ode_stats& stats);

}  // namespace ssm::napi

#endif
