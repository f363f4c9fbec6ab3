// Running a long core call (a training run, a gradient flow) off the main thread:
// AsyncJobWorker<Job> runs job->run(&reporter) in the libuv pool and settles a promise
// with job->result(env). Progress goes through a thread-safe function at most every
// `interval` ms; a throwing progress callback is ignored. Cancellation is the job's own
// abort flag (set from JavaScript by the handle's abort()).
//
// Job needs: ssm_status run(ProgressSink*); Napi::Value result(Napi::Env) const;
//            static const char* name();  std::atomic<int> abort.
#ifndef SSM_POISON_NAPI_ASYNC_JOB_H
#define SSM_POISON_NAPI_ASYNC_JOB_H

#include <napi.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <utility>

#include "args.h"

namespace ssm::napi {

// What a job reports: up to four named numbers.
struct ProgressReport {
  static constexpr int kMax = 4;
  const char* names[kMax] = {nullptr, nullptr, nullptr, nullptr};
  double values[kMax] = {0, 0, 0, 0};
};

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // Called from the worker thread (or threads the core started); throttled here.
  virtual void report(const ProgressReport& r) = 0;
};

template <class Job>
class AsyncJobWorker final : public Napi::AsyncWorker, public ProgressSink {
 public:
  AsyncJobWorker(Napi::Env env, std::shared_ptr<Job> job, Napi::Function on_progress, double interval_ms)
      : Napi::AsyncWorker(env, Job::name()),
        job_(std::move(job)),
        deferred_(Napi::Promise::Deferred::New(env)),
        interval_(std::chrono::duration<double, std::milli>(interval_ms)) {
    if (!on_progress.IsEmpty()) tsfn_ = Napi::ThreadSafeFunction::New(env, on_progress, "ssm-poison:progress", 0, 1);
  }

  Napi::Promise promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      status_ = job_->run(tsfn_ ? static_cast<ProgressSink*>(this) : nullptr);
    } catch (...) {
      status_ = SSM_E_INTERNAL;
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (tsfn_) tsfn_.Release();
    if (status_ != SSM_OK) {
      try {
        throw_status(env, status_, Job::name());
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

  void report(const ProgressReport& r) override {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < interval_) return;
    last_ = now;
    auto* p = new ProgressReport(r);
    const napi_status s = tsfn_.NonBlockingCall(p, [](Napi::Env env, Napi::Function fn, ProgressReport* data) {
      Napi::Object o = Napi::Object::New(env);
      for (int k = 0; k < ProgressReport::kMax; ++k)
        if (data->names[k]) o.Set(data->names[k], Napi::Number::New(env, data->values[k]));
      delete data;
      try {
        fn.Call({o});
      } catch (const Napi::Error&) {
        // a throwing progress callback must not end the run; the error is dropped
      }
    });
    if (s != napi_ok) delete p;
  }

 private:
  std::shared_ptr<Job> job_;
  Napi::Promise::Deferred deferred_;
  Napi::ThreadSafeFunction tsfn_;
  std::chrono::duration<double, std::milli> interval_;
  std::chrono::steady_clock::time_point last_{};
  ssm_status status_ = SSM_OK;
};

// fnAsync(config, onProgress?, progressMs?, aborted?) → { promise, abort }: builds the job
// from the config (throwing on invalid input), queues it, returns the handle. aborted: the
// caller's signal fired before the start, so the run ends at its first check.
template <class Job>
Napi::Value start_async_job(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto job = std::make_shared<Job>(env, info[0]);
  Napi::Function on_progress;
  if (!info[1].IsUndefined() && !info[1].IsNull()) {
    if (!info[1].IsFunction()) throw_type_error(env, expected("a function", "onProgress", info[1]));
    on_progress = info[1].As<Napi::Function>();
  }
  const double interval = info[2].IsUndefined() ? 100.0 : finite_number(info, 2, "progressMs");
  if (info.Length() > 3 && info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value()) job->abort.store(1);
  auto* worker = new AsyncJobWorker<Job>(env, job, on_progress, interval);
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("promise", worker->promise());
  handle.Set("abort", Napi::Function::New(env, [job](const Napi::CallbackInfo& i) {
    job->abort.store(1);
    return i.Env().Undefined();
  }, "abort"));
  worker->Queue();
  return handle;
}

}  // namespace ssm::napi

#endif
