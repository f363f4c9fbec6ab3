// Arc-length (large-κ) gradient-flow exports (native/core/flow_scaled.cc, SPEC §6):
// gradientFlowScaled(config) on the calling thread; gradientFlowScaledAsync(config,
// onProgress, progressMs) → { promise, abort } in a worker thread; scaledFlowField(config,
// a, log2Scale) is the test hook for the scaled direction, field and Jacobian. The config
// is read once and copied.
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

double finite_field(Napi::Env env, Napi::Object o, const char* key) {
  const double d = number_field(env, o, key);
  if (!std::isfinite(d)) {
    const std::string name = std::string("config.") + key;
    throw_range_error(env, expected("a finite number", name.c_str(), o.Get(key)));
  }
  return d;
}

// Everything a run needs, owned by C++.
struct ScaledJob {
  std::vector<double> a, b, c, x, targets, ta, tb, tc, times;
  int64_t d = 0, N = 0, K = 0;
  ssm_flow_scaled_config config{};
  std::vector<double> out_a, loss, gamma0, ext, arc, rec_a, rec_loss, rec_gamma0, rec_ext, rec_time, rec_arc,
      rec_grad, rec_mode, fa;
  ssm_flow_scaled_output out{};
  std::atomic<int> abort{0};

  // Reads the student, data and teacher (shared with the field hook).
  void read_problem(Napi::Env env, Napi::Object o) {
    StudentData{d, N, K, a, b, c, x, targets}.read(env, o);
    output_size(env, {d + 1, d + 1}, "the Jacobian ((dim+1)×(dim+1))");
    output_size(env, {N, d}, "the scaled rows (count×dim)");
    config.student = ssm_models{1, d, a.data(), b.data(), c.data()};
    config.x = ssm_sequences{N, K, x.data()};
    config.targets = targets.data();
  }

  static const char* name() { return "gradientFlowScaled"; }

  ScaledJob(Napi::Env env, Napi::Value value) : ScaledJob(env, value, false) {}

  ScaledJob(Napi::Env env, Napi::Value value, bool field_only) {
    if (!value.IsObject() || value.IsArray()) throw_type_error(env, expected("a config object", "config", value));
    Napi::Object o = value.As<Napi::Object>();
    read_problem(env, o);
    if (field_only) return;
    read_teacher(env, o, ta, tb, tc, config.teacher, config.ext_from, config.ext_to);
    config.ode = ode_options(env, o.Get("ode"), "config.ode");
    config.ode.abort = reinterpret_cast<const volatile int*>(&abort);
    config.loss_tol = finite_field(env, o, "lossTol");
    config.grad_tol = finite_field(env, o, "gradTol");
    config.max_log10_time = number_field(env, o, "maxLog10Time");
    if (std::isnan(config.max_log10_time) || config.max_log10_time == -INFINITY)
      throw_range_error(env, expected("a number or Infinity", "config.maxLog10Time", o.Get("maxLog10Time")));
    if (!(config.loss_tol > 0 || config.grad_tol > 0 || std::isfinite(config.max_log10_time)))
      throw_range_error(env, expected("lossTol > 0, gradTol > 0 or a finite maxLog10Time", "config.lossTol",
                                      o.Get("lossTol")));
    config.rescale = finite_field(env, o, "rescale");
    if (!(config.rescale == 0 || (config.rescale >= 1 && config.rescale <= 600)))
      throw_range_error(env, expected("0 (default) or a number in [1, 600]", "config.rescale", o.Get("rescale")));
    times = copy_array(env, o, "outputLog10Times", -1, "outputs");
    for (size_t k = 1; k < times.size(); ++k)
      if (times[k] < times[k - 1])
        throw_range_error(env, "Expected ascending log10 times for config.outputLog10Times but received " +
                                   std::to_string(times[k]) + " at index " + std::to_string(k) + " of type number");
    config.output_log10_times = times.data();
    config.n_outputs = static_cast<int64_t>(times.size());
    config.record_every = integer_field(env, o, "recordEvery", 0, SSM_MAX_ELEMENTS);
    config.max_records = integer_field(env, o, "maxRecords", 0, SSM_MAX_ELEMENTS);
    const int64_t rows = config.n_outputs > 0 ? output_size(env, {config.n_outputs, d}, "the outputs") : 0;
    const int64_t rrows = config.max_records > 0 ? output_size(env, {config.max_records, d}, "the records") : 0;
    out_a.assign(rows, NAN);
    loss.assign(times.size(), NAN), gamma0.assign(times.size(), NAN), ext.assign(times.size(), NAN),
        arc.assign(times.size(), NAN);
    rec_a.assign(rrows, NAN);
    const size_t R = static_cast<size_t>(config.max_records);
    rec_loss.assign(R, NAN), rec_gamma0.assign(R, NAN), rec_ext.assign(R, NAN), rec_time.assign(R, NAN),
        rec_arc.assign(R, NAN), rec_grad.assign(R, NAN), rec_mode.assign(R, NAN);
    fa.assign(d, NAN);
    out.a = out_a.data(), out.loss = loss.data(), out.gamma0 = gamma0.data(), out.ext_error = ext.data(),
    out.arc_length = arc.data();
    out.rec_a = rec_a.data(), out.rec_loss = rec_loss.data(), out.rec_gamma0 = rec_gamma0.data(),
    out.rec_ext_error = rec_ext.data(), out.rec_log10_time = rec_time.data(), out.rec_arc_length = rec_arc.data(),
    out.rec_log10_grad_norm = rec_grad.data(), out.rec_constrained = rec_mode.data();
    out.final_a = fa.data();
  }

  ssm_status run(ProgressSink* sink) {
    ssm_flow_scaled_progress cb = [](void* context, double log10_time, double loss, double arc_length, int64_t steps) {
      ProgressReport r;
      r.names[0] = "log10Time", r.values[0] = log10_time;
      r.names[1] = "loss", r.values[1] = loss;
      r.names[2] = "arcLength", r.values[2] = arc_length;
      r.names[3] = "steps", r.values[3] = static_cast<double>(steps);
      static_cast<ProgressSink*>(context)->report(r);
    };
    return ssm_gradient_flow_scaled(&config, &out, sink ? cb : nullptr, sink);
  }

  static Napi::Float64Array array(Napi::Env env, const std::vector<double>& v, size_t n) {
    Napi::Float64Array arr = Napi::Float64Array::New(env, n);
    std::copy(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n), arr.Data());
    return arr;
  }

  Napi::Value result(Napi::Env env) const {
    Napi::Object r = ode_stats_object(env, out.stats);
    const size_t w = static_cast<size_t>(out.written), k = static_cast<size_t>(out.recorded);
    const size_t dd = static_cast<size_t>(d);
    r.Set("written", Napi::Number::New(env, static_cast<double>(out.written)));
    r.Set("log10Times", array(env, times, w));
    r.Set("a", array(env, out_a, w * dd));
    r.Set("loss", array(env, loss, w));
    r.Set("gamma0", array(env, gamma0, w));
    r.Set("extrapolationError", array(env, ext, w));
    r.Set("arcLength", array(env, arc, w));
    r.Set("recorded", Napi::Number::New(env, static_cast<double>(out.recorded)));
    r.Set("recA", array(env, rec_a, k * dd));
    r.Set("recLoss", array(env, rec_loss, k));
    r.Set("recGamma0", array(env, rec_gamma0, k));
    r.Set("recExtrapolationError", array(env, rec_ext, k));
    r.Set("recLog10Time", array(env, rec_time, k));
    r.Set("recArcLength", array(env, rec_arc, k));
    r.Set("recLog10GradNorm", array(env, rec_grad, k));
    r.Set("recConstrained", array(env, rec_mode, k));
    r.Set("finalA", array(env, fa, dd));
    r.Set("finalLoss", Napi::Number::New(env, out.final_loss));
    r.Set("finalGamma0", Napi::Number::New(env, out.final_gamma0));
    r.Set("finalExtrapolationError", Napi::Number::New(env, out.final_ext_error));
    r.Set("finalLog10Time", Napi::Number::New(env, out.final_log10_time));
    r.Set("finalArcLength", Napi::Number::New(env, out.final_arc_length));
    r.Set("finalLog10GradNorm", Napi::Number::New(env, out.final_log10_grad_norm));
    r.Set("converged", Napi::Boolean::New(env, out.converged != 0));
    r.Set("stationary", Napi::Boolean::New(env, out.stationary != 0));
    r.Set("segments", Napi::Number::New(env, static_cast<double>(out.segments)));
    r.Set("physicalSegments", Napi::Number::New(env, static_cast<double>(out.physical_segments)));
    r.Set("constrainedSegments", Napi::Number::New(env, static_cast<double>(out.constrained_segments)));
    return r;
  }
};

Napi::Value gradient_flow_scaled(const Napi::CallbackInfo& info) {
  ScaledJob job(info.Env(), info[0], false);
  const ssm_status st = job.run(nullptr);
  if (st != SSM_OK) throw_status(info.Env(), st, "gradientFlowScaled");
  return job.result(info.Env());
}

// scaledFlowField(config, a, log2Scale) → { loss, log10GradNorm, direction, field, jacobian }
Napi::Value scaled_flow_field(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ScaledJob job(env, info[0], true);
  Napi::Float64Array a = float64_array(info, 1, "a");
  require_shape(env, a, job.d, "a", "dim");
  const int64_t scale = integer(info, 2, "log2Scale", -(int64_t(1) << 40), int64_t(1) << 40);
  const size_t d = static_cast<size_t>(job.d);
  std::vector<double> direction(d), field(d + 1), jac((d + 1) * (d + 1));
  ssm_scaled_field_output out{};
  out.direction = direction.data();
  out.field = field.data();
  out.jacobian = jac.data();
  const ssm_status st = ssm_flow_scaled_field(&job.config, a.Data(), scale, &out);
  if (st != SSM_OK) throw_status(env, st, "scaledFlowField");
  Napi::Object r = Napi::Object::New(env);
  r.Set("loss", Napi::Number::New(env, out.loss));
  r.Set("log10GradNorm", Napi::Number::New(env, out.log10_grad_norm));
  r.Set("direction", ScaledJob::array(env, direction, d));
  r.Set("field", ScaledJob::array(env, field, d + 1));
  r.Set("jacobian", ScaledJob::array(env, jac, (d + 1) * (d + 1)));
  return r;
}

}  // namespace

void register_flow_scaled(Napi::Env env, Napi::Object exports) {
  exports.Set("gradientFlowScaled", Napi::Function::New(env, gradient_flow_scaled, "gradientFlowScaled"));
  exports.Set("gradientFlowScaledAsync",
              Napi::Function::New(env, start_async_job<ScaledJob>, "gradientFlowScaledAsync"));
  exports.Set("scaledFlowField", Napi::Function::New(env, scaled_flow_field, "scaledFlowField"));
}

}  // namespace ssm::napi
