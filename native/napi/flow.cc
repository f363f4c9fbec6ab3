// Gradient-flow exports: gradientFlow(config) runs on the calling thread;
// gradientFlowAsync(config, onProgress?, progressMs?, aborted?) runs in a worker thread and
// returns { promise, abort } (async_job.h). The config is read once and copied, so JavaScript may change or drop
// its arrays while a run works.
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "addon.h"
#include "args.h"
#include "async_job.h"
#include "config_fields.h"
#include "ode_args.h"

namespace ssm::napi {

namespace {

// Everything a run needs, owned by C++.
struct FlowJob {
  std::vector<double> a, b, c, x, targets, ta, tb, tc, times, mlp, final_mlp;
  int64_t d = 0, N = 0, K = 0;
  ssm_flow_config config{};
  // results
  std::vector<double> out_a, out_b, out_c, loss, gamma0, ext, fa, fb, fc;
  ssm_flow_output out{};
  std::atomic<int> abort{0};

  FlowJob(Napi::Env env, Napi::Value value) {
    if (!value.IsObject()) throw_type_error(env, expected("a config object", "config", value));
    Napi::Object o = value.As<Napi::Object>();
    StudentData{d, N, K, a, b, c, x, targets}.read(env, o);
    output_size(env, {d, d}, "the Hessian (dim×dim)");
    const int train = static_cast<int>(integer_field(env, o, "train", 1, 15));
    config.student = ssm_models{1, d, a.data(), b.data(), c.data()};
    config.x = ssm_sequences{N, K, x.data()};
    config.targets = targets.data();
    config.train = train;
    if (const int64_t P = read_mlp(env, o, 1, train, mlp, config.mlp)) final_mlp.resize(P), out.final_mlp = final_mlp.data();
    read_teacher(env, o, ta, tb, tc, config.teacher, config.ext_from, config.ext_to);
    config.ode = ode_options(env, o.Get("ode"), "config.ode");
    config.ode.abort = reinterpret_cast<const volatile int*>(&abort);
    config.until = number_field(env, o, "until");
    if (!(config.until >= 0)) throw_range_error(env, expected("a number ≥ 0", "config.until", o.Get("until")));
    config.loss_tol = number_field(env, o, "lossTol");
    config.grad_tol = number_field(env, o, "gradTol");
    if (std::isinf(config.until) && !(config.loss_tol > 0 || config.grad_tol > 0))
      throw_range_error(env, "Expected a finite until, or lossTol or gradTol > 0, for config.until but received Infinity of type number");
    times = copy_array(env, o, "outputTimes", -1, "outputs");
    for (size_t k = 0; k < times.size(); ++k)
      if (!(times[k] >= 0 && times[k] <= config.until) || (k > 0 && times[k] < times[k - 1]))
        throw_range_error(env, "Expected ascending times in [0, until] for config.outputTimes but received " +
                                   std::to_string(times[k]) + " at index " + std::to_string(k) + " of type number");
    config.output_times = times.data();
    config.n_outputs = static_cast<int64_t>(times.size());
    const int64_t rows = config.n_outputs > 0 ? output_size(env, {config.n_outputs, d}, "the trajectory") : 0;
    Napi::Value rec = o.Get("record");
    Napi::Object record = rec.IsObject() ? rec.As<Napi::Object>() : Napi::Object::New(env);
    if (bool_field(record, "a")) out_a.resize(rows);
    if (bool_field(record, "b")) out_b.resize(rows);
    if (bool_field(record, "c")) out_c.resize(rows);
    loss.assign(times.size(), NAN);
    gamma0.assign(times.size(), NAN);
    ext.assign(times.size(), NAN);
    fa.resize(d), fb.resize(d), fc.resize(d);
    out.a = out_a.empty() ? nullptr : out_a.data();
    out.b = out_b.empty() ? nullptr : out_b.data();
    out.c = out_c.empty() ? nullptr : out_c.data();
    out.loss = loss.data();
    out.gamma0 = gamma0.data();
    out.ext_error = ext.data();
    out.final_a = fa.data(), out.final_b = fb.data(), out.final_c = fc.data();
  }

  static const char* name() { return "gradientFlow"; }

  ssm_status run(ProgressSink* sink) {
    ssm_flow_progress cb = [](void* context, double t, double loss, int64_t steps) {
      ProgressReport r;
      r.names[0] = "t", r.values[0] = t;
      r.names[1] = "loss", r.values[1] = loss;
      r.names[2] = "steps", r.values[2] = static_cast<double>(steps);
      static_cast<ProgressSink*>(context)->report(r);
    };
    return ssm_gradient_flow(&config, &out, sink ? cb : nullptr, sink);
  }

  static Napi::Float64Array array(Napi::Env env, const std::vector<double>& v) { return to_array(env, v.data(), v.size()); }

  Napi::Value result(Napi::Env env) const {
    Napi::Object r = ode_stats_object(env, out.stats);
    const size_t w = static_cast<size_t>(out.written);
    auto rows = [&](const std::vector<double>& v) {
      return array(env, std::vector<double>(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(w * d)));
    };
    auto first = [&](const std::vector<double>& v) {
      return array(env, std::vector<double>(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(w)));
    };
    r.Set("written", Napi::Number::New(env, static_cast<double>(out.written)));
    r.Set("times", first(times));
    if (!out_a.empty()) r.Set("a", rows(out_a));
    if (!out_b.empty()) r.Set("b", rows(out_b));
    if (!out_c.empty()) r.Set("c", rows(out_c));
    r.Set("loss", first(loss));
    r.Set("gamma0", first(gamma0));
    r.Set("extrapolationError", first(ext));
    r.Set("finalA", array(env, fa));
    r.Set("finalB", array(env, fb));
    r.Set("finalC", array(env, fc));
    if (!final_mlp.empty()) r.Set("finalMlp", array(env, final_mlp));
    r.Set("finalLoss", Napi::Number::New(env, out.final_loss));
    r.Set("finalGamma0", Napi::Number::New(env, out.final_gamma0));
    r.Set("finalExtrapolationError", Napi::Number::New(env, out.final_ext_error));
    r.Set("finalGradNorm", Napi::Number::New(env, out.final_grad_norm));
    r.Set("converged", Napi::Boolean::New(env, out.converged != 0));
    return r;
  }
};

Napi::Value gradient_flow(const Napi::CallbackInfo& info) {
  FlowJob job(info.Env(), info[0]);
  const ssm_status st = job.run(nullptr);
  if (st != SSM_OK) throw_status(info.Env(), st, "gradientFlow");
  return job.result(info.Env());
}

}  // namespace

void register_flow(Napi::Env env, Napi::Object exports) {
  exports.Set("gradientFlow", Napi::Function::New(env, gradient_flow, "gradientFlow"));
  exports.Set("gradientFlowAsync", Napi::Function::New(env, start_async_job<FlowJob>, "gradientFlowAsync"));
}

}  // namespace ssm::napi
