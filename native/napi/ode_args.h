// ODE options and statistics across the boundary.
#ifndef SSM_POISON_NAPI_ODE_ARGS_H
#define SSM_POISON_NAPI_ODE_ARGS_H

#include <napi.h>

#include "ssm.h"

namespace ssm::napi {

// Reads { method, rtol, atol, firstStep, maxStep, maxSteps, firstOutput? } (all numbers); errors name
// the fields as <name>.<key>.
ssm_ode_options ode_options(Napi::Env env, Napi::Value value, const char* name);
// { status, message, t, nfev, njev, nlu, nsteps, nrejected }.
Napi::Object ode_stats_object(Napi::Env env, const ssm_ode_stats& stats);

}  // namespace ssm::napi

#endif
