// ODE exports: the built-in test problems (the solvers' test hook).
#include <cmath>
#include <string>

#include "addon.h"
#include "args.h"
#include "ode_args.h"

namespace ssm::napi {

ssm_ode_options ode_options(Napi::Env env, Napi::Value v, const char* name) {
  if (!v.IsObject() || v.IsArray()) throw_type_error(env, expected("an options object", name, v));
  Napi::Object o = v.As<Napi::Object>();
  auto number = [&](const char* key) -> double {
    Napi::Value x = o.Get(key);
    const std::string full = std::string(name) + "." + key;
    if (!x.IsNumber()) throw_type_error(env, expected("a number", full.c_str(), x));
    return x.As<Napi::Number>().DoubleValue();
  };
  auto fail = [&](const char* what, const char* key) {
    const std::string full = std::string(name) + "." + key;
    throw_range_error(env, expected(what, full.c_str(), o.Get(key)));
  };
  ssm_ode_options opt{};
  const double method = number("method");
  if (method != SSM_ODE_DOPRI5 && method != SSM_ODE_ROSENBROCK && method != SSM_ODE_AUTO && method != SSM_ODE_LSODA)
    fail("0 (dopri5), 1 (rosenbrock), 2 (auto) or 3 (lsoda)", "method");
  opt.method = static_cast<int>(method);
  opt.rtol = number("rtol");
  opt.atol = number("atol");
  opt.first_step = number("firstStep");
  opt.max_step = number("maxStep");
  const double max_steps = number("maxSteps");
  if (!(opt.rtol > 0 && opt.rtol < 1)) fail("a number in (0, 1)", "rtol");
  if (!(opt.atol > 0) || !std::isfinite(opt.atol)) fail("a finite number > 0", "atol");
  if (!(opt.first_step >= 0) || !std::isfinite(opt.first_step)) fail("a finite number ≥ 0", "firstStep");
  if (!(opt.max_step > 0)) fail("a number > 0", "maxStep");
  if (!(max_steps >= 1) || std::floor(max_steps) != max_steps || max_steps > 9e15) fail("an integer ≥ 1", "maxSteps");
  opt.max_steps = static_cast<int64_t>(max_steps);
  // Optional: the first output time (LSODA's initial step), default 0 (the end time).
  if (!o.Get("firstOutput").IsUndefined()) {
    opt.first_output = number("firstOutput");
    if (!(opt.first_output >= 0) || !std::isfinite(opt.first_output)) fail("a finite number ≥ 0", "firstOutput");
  }
  return opt;
}

Napi::Object ode_stats_object(Napi::Env env, const ssm_ode_stats& s) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("status", Napi::Number::New(env, s.status));
  o.Set("message", Napi::String::New(env, s.message));
  o.Set("t", Napi::Number::New(env, s.t));
  o.Set("nfev", Napi::Number::New(env, static_cast<double>(s.nfev)));
  o.Set("njev", Napi::Number::New(env, static_cast<double>(s.njev)));
  o.Set("nlu", Napi::Number::New(env, static_cast<double>(s.nlu)));
  o.Set("nsteps", Napi::Number::New(env, static_cast<double>(s.nsteps)));
  o.Set("nrejected", Napi::Number::New(env, static_cast<double>(s.nrejected)));
  o.Set("restarts", Napi::Number::New(env, s.restarts));
  return o;
}

namespace {

// solveTestProblem(problem, params, y0, t0, tEnd, tEval, options) →
//   { y: Float64Array(nEval×n), status, message, t, nfev, njev, nlu, nsteps, nrejected, restarts }
Napi::Value solve_test_problem(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int problem = static_cast<int>(integer(info, 0, "problem", SSM_ODE_PROBLEM_DECAY, SSM_ODE_PROBLEM_ROBERTSON));
  Napi::Float64Array params = float64_array(info, 1, "params");
  Napi::Float64Array y0 = float64_array(info, 2, "y0");
  require_shape(env, params, static_cast<int64_t>(params.ElementLength()), "params", "parameters");
  require_shape(env, y0, static_cast<int64_t>(y0.ElementLength()), "y0", "n");
  const double t0 = finite_number(info, 3, "t0");
  if (!info[4].IsNumber() || std::isnan(info[4].As<Napi::Number>().DoubleValue()))
    throw_type_error(env, expected("a number", "tEnd", info[4]));
  const double t_end = info[4].As<Napi::Number>().DoubleValue();
  Napi::Float64Array t_eval = float64_array(info, 5, "tEval");
  const ssm_ode_options opt = ode_options(env, info[6], "options");
  const int64_t n = static_cast<int64_t>(y0.ElementLength());
  const int64_t n_eval = static_cast<int64_t>(t_eval.ElementLength());
  if (n < 1) throw_range_error(env, expected("at least one value", "y0", info[2]));
  Napi::Float64Array y = new_float64_array(env, n_eval > 0 ? output_size(env, {n_eval, n}, "the outputs") : 0, "the outputs");
  for (size_t i = 0; i < y.ElementLength(); ++i) y[i] = NAN;
  ssm_ode_stats stats{};
  const ssm_status st = ssm_ode_solve_problem(problem, params.Data(), static_cast<int64_t>(params.ElementLength()), n,
                                              y0.Data(), t0, t_end, t_eval.Data(), n_eval, &opt, y.Data(), &stats);
  if (st != SSM_OK) throw_status(env, st, "solveTestProblem");
  Napi::Object out = ode_stats_object(env, stats);
  out.Set("y", y);
  return out;
}

}  // namespace

void register_ode(Napi::Env env, Napi::Object exports) {
  exports.Set("solveTestProblem", Napi::Function::New(env, solve_test_problem, "solveTestProblem"));
}

}  // namespace ssm::napi
