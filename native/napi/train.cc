// Training exports: train(config) on the calling thread; trainAsync(config, onProgress?,
// progressMs?, aborted?) in a worker thread → { promise, abort } (async_job.h);
// kernelGradNormFast(a, b, c, e) for tests of the adaptive rule's norm.
//
// config: { students, dim, count, length, a, b, c (students×dim), x (students×count×length),
//   targets (students×count), train (bits a=1 b=2 c=4), fixBC, optimizer: { kind (0 gd,
//   1 adaptive, 2 adam), lr, beta, soft, beta1, beta2, epsilon, weightDecay }, batchSize,
//   batchSeed, eps, maxEpochs, epochsAfterStop, logEvery, maxLogs, teacherA/B/C?, extFrom?,
//   extTo? }
#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "addon.h"
#include "args.h"
#include "async_job.h"
#include "config_fields.h"
#include "ssm_train.h"

namespace ssm::napi {

namespace {

struct TrainJob {
  std::vector<double> a, b, c, x, targets, ta, tb, tc, mlp, test_x, test_targets;
  int64_t S = 0, d = 0, N = 0, K = 0, M = 0, P = 0;
  ssm_train_config config{};
  // results
  std::vector<double> fa, fb, fc, final_loss, final_ext, final_mlp, final_test, log_test, log_loss, log_ext, log_abs_a, log_rank, log_gamma, log_lr,
      log_gnorm;
  std::vector<int> status;
  std::vector<int64_t> epochs, stop_epoch, diverged_epoch, log_count, dropped, reported, log_epoch;
  ssm_train_output out{};
  std::atomic<int> abort{0};

  static const char* name() { return "train"; }

  TrainJob(Napi::Env env, Napi::Value value) {
    if (!value.IsObject()) throw_type_error(env, expected("a config object", "config", value));
    Napi::Object o = value.As<Napi::Object>();
    S = integer_field(env, o, "students", 1, SSM_MAX_ELEMENTS);
    d = integer_field(env, o, "dim", 1, SSM_MAX_ELEMENTS);
    N = integer_field(env, o, "count", 1, SSM_MAX_ELEMENTS);
    K = integer_field(env, o, "length", 1, SSM_MAX_ELEMENTS);
    const int64_t sd = output_size(env, {S, d}, "the students (students×dim)");
    const int64_t nx = output_size(env, {S, N, K}, "the inputs (students×count×length)");
    const int64_t nt = output_size(env, {S, N}, "the targets (students×count)");
    a = copy_array(env, o, "a", sd, "students×dim");
    b = copy_array(env, o, "b", sd, "students×dim");
    c = copy_array(env, o, "c", sd, "students×dim");
    x = copy_array(env, o, "x", nx, "students×count×length");
    targets = copy_array(env, o, "targets", nt, "students×count");
    config.students = ssm_models{S, d, a.data(), b.data(), c.data()};
    config.count = N;
    config.length = K;
    config.x = x.data();
    config.targets = targets.data();
    config.fix_bc = bool_field(o, "fixBC") ? 1 : 0;
    config.train = static_cast<int>(integer_field(env, o, "train", config.fix_bc ? 0 : 1, 15));
    P = read_mlp(env, o, S, config.train, mlp, config.mlp);
    read_test_set(env, o);
    read_optimizer(env, o);
    config.batch_size = integer_field(env, o, "batchSize", 0, SSM_MAX_ELEMENTS);
    config.batch_seed = static_cast<uint32_t>(integer_field(env, o, "batchSeed", 0, 4294967295LL));
    config.eps = number_field(env, o, "eps");
    if (!(config.eps >= 0)) throw_range_error(env, expected("a number ≥ 0", "config.eps", o.Get("eps")));
    config.max_epochs = integer_field(env, o, "maxEpochs", 1, int64_t(1) << 52);
    config.epochs_after_stop = integer_field(env, o, "epochsAfterStop", 0, int64_t(1) << 52);
    config.log_every = integer_field(env, o, "logEvery", 1, int64_t(1) << 52);
    M = integer_field(env, o, "maxLogs", 0, SSM_MAX_ELEMENTS);
    config.max_logs = M;
    read_teacher(env, o, ta, tb, tc, config.teacher, config.ext_from, config.ext_to);
    config.abort = reinterpret_cast<const volatile int*>(&abort);
    allocate(env);
  }

  // testX (students×testCount×testLength), testTargets (students×testCount), or absent.
  void read_test_set(Napi::Env env, Napi::Object o) {
    if (o.Get("testX").IsUndefined()) return;
    config.test_count = integer_field(env, o, "testCount", 1, SSM_MAX_ELEMENTS);
    config.test_length = integer_field(env, o, "testLength", 1, SSM_MAX_ELEMENTS);
    test_x = copy_array(env, o, "testX", output_size(env, {S, config.test_count, config.test_length}, "the test inputs"),
                        "students×testCount×testLength");
    test_targets = copy_array(env, o, "testTargets", output_size(env, {S, config.test_count}, "the test targets"),
                              "students×testCount");
    config.test_x = test_x.data();
    config.test_targets = test_targets.data();
  }

  void read_optimizer(Napi::Env env, Napi::Object o) {
    Napi::Value v = o.Get("optimizer");
    if (!v.IsObject()) throw_type_error(env, expected("an object", "config.optimizer", v));
    Napi::Object opt = v.As<Napi::Object>();
    ssm_optimizer& p = config.optimizer;
    p.kind = static_cast<int>(integer_field(env, opt, "kind", SSM_OPT_GD, SSM_OPT_ADAM));
    p.lr = number_field(env, opt, "lr");
    p.beta = number_field(env, opt, "beta");
    p.soft = number_field(env, opt, "soft");
    p.beta1 = number_field(env, opt, "beta1");
    p.beta2 = number_field(env, opt, "beta2");
    p.epsilon = number_field(env, opt, "epsilon");
    p.weight_decay = number_field(env, opt, "weightDecay");
  }

  void allocate(Napi::Env env) {
    const int64_t rows = M > 0 ? output_size(env, {S, M}, "the log (students×maxLogs)") : 0;
    const int64_t rows_d = M > 0 ? output_size(env, {S, M, d}, "the |a| log (students×maxLogs×dim)") : 0;
    const int64_t rows_g = M > 0 && K > 1 ? output_size(env, {S, M, K - 1}, "the γ log (students×maxLogs×(length−1))") : 0;
    fa.resize(S * d), fb.resize(S * d), fc.resize(S * d);
    final_loss.resize(S), final_ext.resize(S), status.resize(S), epochs.resize(S), stop_epoch.resize(S);
    diverged_epoch.resize(S), log_count.resize(S), dropped.resize(S), reported.resize(S);
    log_epoch.resize(rows), log_loss.resize(rows), log_ext.resize(rows), log_rank.resize(rows), log_lr.resize(rows);
    log_gnorm.resize(rows), log_abs_a.resize(rows_d), log_gamma.resize(rows_g);
    out.final_a = fa.data(), out.final_b = fb.data(), out.final_c = fc.data();
    out.final_loss = final_loss.data(), out.final_ext_error = final_ext.data();
    if (P > 0) final_mlp.resize(S * P), out.final_mlp = final_mlp.data();
    if (config.test_count > 0) {
      final_test.resize(S), out.final_test_error = final_test.data();
      log_test.resize(rows);
      if (M > 0) out.log_test_error = log_test.data();
    }
    out.status = status.data(), out.epochs = epochs.data(), out.stop_epoch = stop_epoch.data();
    out.diverged_epoch = diverged_epoch.data(), out.log_count = log_count.data(), out.logs_dropped = dropped.data();
    out.reported = reported.data();
    if (M > 0) {
      out.log_epoch = log_epoch.data(), out.log_loss = log_loss.data(), out.log_ext_error = log_ext.data();
      out.log_abs_a = log_abs_a.data(), out.log_eff_rank = log_rank.data(), out.log_lr = log_lr.data();
      out.log_grad_norm = log_gnorm.data();
      out.log_gamma = K > 1 ? log_gamma.data() : nullptr;
    }
  }

  ssm_status run(ProgressSink* sink) {
    ssm_train_progress cb = [](void* context, int64_t epoch, double loss) {
      ProgressReport r;
      r.names[0] = "epoch", r.values[0] = static_cast<double>(epoch);
      r.names[1] = "loss", r.values[1] = loss;
      static_cast<ProgressSink*>(context)->report(r);
    };
    return ssm_train(&config, &out, sink ? cb : nullptr, sink);
  }

  template <class T>
  static Napi::Array numbers(Napi::Env env, const std::vector<T>& v) {
    Napi::Array arr = Napi::Array::New(env, v.size());
    for (size_t i = 0; i < v.size(); ++i) arr.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(v[i])));
    return arr;
  }

  Napi::Value result(Napi::Env env) const {
    Napi::Object r = Napi::Object::New(env);
    auto f64 = [&](const std::vector<double>& v) { return to_array(env, v.data(), v.size()); };
    r.Set("finalA", f64(fa));
    r.Set("finalB", f64(fb));
    r.Set("finalC", f64(fc));
    r.Set("finalLoss", f64(final_loss));
    r.Set("finalExtrapolationError", f64(final_ext));
    if (P > 0) r.Set("finalMlp", f64(final_mlp));
    if (config.test_count > 0) r.Set("finalTestError", f64(final_test));
    r.Set("status", numbers(env, status));
    r.Set("epochs", numbers(env, epochs));
    r.Set("stopEpoch", numbers(env, stop_epoch));
    r.Set("divergedEpoch", numbers(env, diverged_epoch));
    r.Set("logCount", numbers(env, log_count));
    r.Set("logsDropped", numbers(env, dropped));
    r.Set("reported", numbers(env, reported));
    if (M > 0) {
      r.Set("logEpoch", written_rows(env, log_epoch, 1));
      r.Set("logLoss", written_rows(env, log_loss, 1));
      r.Set("logExtrapolationError", written_rows(env, log_ext, 1));
      r.Set("logAbsA", written_rows(env, log_abs_a, d));
      r.Set("logEffectiveRank", written_rows(env, log_rank, 1));
      r.Set("logGamma", written_rows(env, log_gamma, K > 1 ? K - 1 : 0));
      r.Set("logLearningRate", written_rows(env, log_lr, 1));
      r.Set("logGradNorm", written_rows(env, log_gnorm, 1));
      if (config.test_count > 0) r.Set("logTestError", written_rows(env, log_test, 1));
    }
    return r;
  }

  // A log (S students × M rows × width) as a new Float64Array: zeros, and each student's
  // written rows copied (an aborted long run's γ log is mostly unwritten; copying its whole
  // capacity would delay the result by tens of milliseconds). The same values as a full copy.
  template <class T>
  Napi::Float64Array written_rows(Napi::Env env, const std::vector<T>& v, int64_t width) const {
    Napi::Float64Array arr = Napi::Float64Array::New(env, v.size());
    if (width == 0) return arr;
    for (int64_t s = 0; s < S; ++s) {
      const int64_t start = s * M * width, n = std::min(log_count[s], M) * width;
      if (n > 0) std::copy(v.begin() + start, v.begin() + start + n, arr.Data() + start);
    }
    return arr;
  }
};

Napi::Value train(const Napi::CallbackInfo& info) {
  TrainJob job(info.Env(), info[0]);
  const ssm_status st = job.run(nullptr);
  if (st != SSM_OK) throw_status(info.Env(), st, "train");
  return job.result(info.Env());
}

// kernelGradNormFast(a, b, c, e) → number
Napi::Value kernel_grad_norm_fast(const Napi::CallbackInfo& info) {
  Napi::Float64Array a = float64_array(info, 0, "a");
  const int64_t d = static_cast<int64_t>(a.ElementLength());
  Napi::Float64Array b = float64_array(info, 1, "b");
  Napi::Float64Array c = float64_array(info, 2, "c");
  Napi::Float64Array e = float64_array(info, 3, "e");
  require_shape(info.Env(), a, d, "a", "dim");
  require_shape(info.Env(), b, d, "b", "dim");
  require_shape(info.Env(), c, d, "c", "dim");
  const int64_t K = static_cast<int64_t>(e.ElementLength());
  require_shape(info.Env(), e, K, "e", "length");
  if (d < 1 || K < 1) throw_range_error(info.Env(), expected("non-empty arrays", "a", info[0]));
  output_size(info.Env(), {d, d}, "the kernel gradient (dim×dim)");
  double norm = 0.0;
  const ssm_status st = ssm_kernel_grad_norm_fast(d, K, a.Data(), b.Data(), c.Data(), e.Data(), &norm);
  if (st != SSM_OK) throw_status(info.Env(), st, "kernelGradNormFast");
  return Napi::Number::New(info.Env(), norm);
}

// mlpPredict(width, depth, weights, z) → Float64Array y
Napi::Value mlp_predict(const Napi::CallbackInfo& info) {
  const int64_t width = integer(info, 0, "width", 1, 1 << 20);
  const int64_t depth = integer(info, 1, "depth", 1, 1 << 20);
  output_size(info.Env(), {width, width, depth}, "the MLP weights");
  Napi::Float64Array w = float64_array(info, 2, "weights");
  require_shape(info.Env(), w, ssm_mlp_size(width, depth), "weights", "2·width + (depth−1)·width²");
  Napi::Float64Array z = float64_array(info, 3, "z");
  const int64_t n = static_cast<int64_t>(z.ElementLength());
  require_shape(info.Env(), z, n, "z", "n");
  if (n < 1) throw_range_error(info.Env(), expected("at least one value", "z", info[3]));
  Napi::Float64Array y = new_float64_array(info.Env(), n, "the MLP outputs");
  const ssm_status st = ssm_mlp_predict(width, depth, w.Data(), n, z.Data(), y.Data());
  if (st != SSM_OK) throw_status(info.Env(), st, "mlpPredict");
  return y;
}

}  // namespace

void register_train(Napi::Env env, Napi::Object exports) {
  exports.Set("train", Napi::Function::New(env, train, "train"));
  exports.Set("trainAsync", Napi::Function::New(env, start_async_job<TrainJob>, "trainAsync"));
  exports.Set("mlpPredict", Napi::Function::New(env, mlp_predict, "mlpPredict"));
  exports.Set("kernelGradNormFast", Napi::Function::New(env, kernel_grad_norm_fast, "kernelGradNormFast"));
}

}  // namespace ssm::napi
