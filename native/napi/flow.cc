// Gradient-flow exports: gradientFlow(config) runs on the calling thread;
// gradientFlowAsync(config, onProgress, progressMs) runs in a worker thread and returns
// { promise, abort }. The config is read once and copied, so JavaScript may change or drop
// its arrays while a run works.
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "addon.h"
#include "args.h"
#include "ode_args.h"

namespace ssm::napi {

namespace {

std::vector<double> copy_array(Napi::Env env, Napi::Object o, const char* key, int64_t expected_length,
                               const char* shape) {
  Napi::Value v = o.Get(key);
  const std::string name = std::string("config.") + key;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw_type_error(env, expected("a Float64Array", name.c_str(), v));
  Napi::Float64Array arr = v.As<Napi::Float64Array>();
  const int64_t n = expected_length >= 0 ? expected_length : static_cast<int64_t>(arr.ElementLength());
  require_shape(env, arr, n, name.c_str(), shape);
  return std::vector<double>(arr.Data(), arr.Data() + n);
}

double number_field(Napi::Env env, Napi::Object o, const char* key) {
  Napi::Value v = o.Get(key);
  const std::string name = std::string("config.") + key;
  if (!v.IsNumber()) throw_type_error(env, expected("a number", name.c_str(), v));
  return v.As<Napi::Number>().DoubleValue();
}

int64_t integer_field(Napi::Env env, Napi::Object o, const char* key, int64_t min, int64_t max) {
  const double d = number_field(env, o, key);
  const std::string name = std::string("config.") + key;
  if (!std::isfinite(d) || std::floor(d) != d || d < min || d > max) {
    const std::string what = "an integer between " + std::to_string(min) + " and " + std::to_string(max);
    throw_range_error(env, expected(what.c_str(), name.c_str(), o.Get(key)));
  }
  return static_cast<int64_t>(d);
}

bool bool_field(Napi::Object o, const char* key) { return o.Get(key).ToBoolean().Value(); }

// Everything a run needs, owned by C++.
struct FlowJob {
  std::vector<double> a, b, c, x, targets, ta, tb, tc, times;
  int64_t d = 0, N = 0, K = 0, td = 0;
  ssm_flow_config config{};
  // results
  std::vector<double> out_a, out_b, out_c, loss, gamma0, ext, fa, fb, fc;
  ssm_flow_output out{};
  std::atomic<int> abort{0};

  FlowJob(Napi::Env env, Napi::Value value) {
    if (!value.IsObject()) throw_type_error(env, expected("a config object", "config", value));
    Napi::Object o = value.As<Napi::Object>();
    d = integer_field(env, o, "dim", 1, SSM_MAX_ELEMENTS);
    N = integer_field(env, o, "count", 1, SSM_MAX_ELEMENTS);
    K = integer_field(env, o, "length", 1, SSM_MAX_ELEMENTS);
    output_size(env, {d, d}, "the Hessian (dim×dim)");
    const int64_t nx = output_size(env, {N, K}, "the inputs (count×length)");
    a = copy_array(env, o, "a", d, "dim");
    b = copy_array(env, o, "b", d, "dim");
    c = copy_array(env, o, "c", d, "dim");
    x = copy_array(env, o, "x", nx, "count×length");
    targets = copy_array(env, o, "targets", N, "count");
    const int train = static_cast<int>(integer_field(env, o, "train", 1, 7));
    config.student = ssm_models{1, d, a.data(), b.data(), c.data()};
    config.x = ssm_sequences{N, K, x.data()};
    config.targets = targets.data();
    config.train = train;
    if (!o.Get("teacherA").IsUndefined()) {
      ta = copy_array(env, o, "teacherA", -1, "teacher dim");
      td = static_cast<int64_t>(ta.size());
      if (td < 1) throw_range_error(env, expected("at least one value", "config.teacherA", o.Get("teacherA")));
      tb = copy_array(env, o, "teacherB", td, "teacher dim");
      tc = copy_array(env, o, "teacherC", td, "teacher dim");
      config.teacher = ssm_models{1, td, ta.data(), tb.data(), tc.data()};
      config.ext_from = integer_field(env, o, "extFrom", 0, SSM_MAX_ELEMENTS - 1);
      config.ext_to = integer_field(env, o, "extTo", config.ext_from, SSM_MAX_ELEMENTS - 1);
    }
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

  ssm_status run(ssm_flow_progress progress, void* context) { return ssm_gradient_flow(&config, &out, progress, context); }

  static Napi::Float64Array array(Napi::Env env, const std::vector<double>& v) {
    Napi::Float64Array arr = Napi::Float64Array::New(env, v.size());
    std::copy(v.begin(), v.end(), arr.Data());
    return arr;
  }

  Napi::Object result(Napi::Env env) const {
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
  const ssm_status st = job.run(nullptr, nullptr);
  if (st != SSM_OK) throw_status(info.Env(), st, "gradientFlow");
  return job.result(info.Env());
}

struct Progress {
  double t, loss;
  int64_t steps;
};

// Runs a FlowJob in the libuv thread pool; progress at most every `interval` through a
// thread-safe function; cancellation through the job's abort flag.
class FlowWorker final : public Napi::AsyncWorker {
 public:
  FlowWorker(Napi::Env env, std::shared_ptr<FlowJob> job, Napi::Function on_progress, double interval_ms)
      : Napi::AsyncWorker(env, "ssm-poison:gradientFlow"),
        job_(std::move(job)),
        deferred_(Napi::Promise::Deferred::New(env)),
        interval_(std::chrono::duration<double, std::milli>(interval_ms)) {
    if (!on_progress.IsEmpty())
      tsfn_ = Napi::ThreadSafeFunction::New(env, on_progress, "ssm-poison:progress", 0, 1);
  }

  Napi::Promise promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      status_ = job_->run(tsfn_ ? &FlowWorker::on_step : nullptr, this);
    } catch (...) {
      status_ = SSM_E_INTERNAL;
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (tsfn_) tsfn_.Release();
    if (status_ != SSM_OK) {
      try {
        throw_status(env, status_, "gradientFlow");
      } catch (const Napi::Error& e) {
        deferred_.Reject(e.Value());
      }
      return;
    }
    deferred_.Resolve(job_->result(env));
  }

  void OnError(const Napi::Error& e) override {
    if (tsfn_) tsfn_.Release();
    deferred_.Reject(e.Value());
  }

 private:
  static void on_step(void* context, double t, double loss, int64_t steps) {
    auto* self = static_cast<FlowWorker*>(context);
    const auto now = std::chrono::steady_clock::now();
    if (now - self->last_ < self->interval_) return;
    self->last_ = now;
    auto* p = new Progress{t, loss, steps};
    const napi_status s = self->tsfn_.NonBlockingCall(p, [](Napi::Env env, Napi::Function fn, Progress* data) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("t", Napi::Number::New(env, data->t));
      o.Set("loss", Napi::Number::New(env, data->loss));
      o.Set("steps", Napi::Number::New(env, static_cast<double>(data->steps)));
      delete data;
      try {
        fn.Call({o});
      } catch (const Napi::Error&) {
        // a throwing progress callback must not end the run; the error is dropped
      }
    });
    if (s != napi_ok) delete p;
  }

  std::shared_ptr<FlowJob> job_;
  Napi::Promise::Deferred deferred_;
  Napi::ThreadSafeFunction tsfn_;
  std::chrono::duration<double, std::milli> interval_;
  std::chrono::steady_clock::time_point last_{};
  ssm_status status_ = SSM_OK;
};

// gradientFlowAsync(config, onProgress?, progressMs, aborted?) → { promise, abort }
// (aborted: the caller's signal fired before the start; the run then ends at its first step)
Napi::Value gradient_flow_async(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto job = std::make_shared<FlowJob>(env, info[0]);
  Napi::Function on_progress;
  if (!info[1].IsUndefined() && !info[1].IsNull()) {
    if (!info[1].IsFunction()) throw_type_error(env, expected("a function", "onProgress", info[1]));
    on_progress = info[1].As<Napi::Function>();
  }
  const double interval = info[2].IsUndefined() ? 100.0 : finite_number(info, 2, "progressMs");
  if (info.Length() > 3 && info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value()) job->abort.store(1);
  auto* worker = new FlowWorker(env, job, on_progress, interval);
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("promise", worker->promise());
  handle.Set("abort", Napi::Function::New(env, [job](const Napi::CallbackInfo& i) {
    job->abort.store(1);
    return i.Env().Undefined();
  }, "abort"));
  worker->Queue();
  return handle;
}

}  // namespace

void register_flow(Napi::Env env, Napi::Object exports) {
  exports.Set("gradientFlow", Napi::Function::New(env, gradient_flow, "gradientFlow"));
  exports.Set("gradientFlowAsync", Napi::Function::New(env, gradient_flow_async, "gradientFlowAsync"));
}

}  // namespace ssm::napi
