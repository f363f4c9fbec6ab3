// Kernel exports: impulse response, forward, scan, evaluate, metrics, build info.
// Argument order for a model is (a, b, c, count, dim); for sequences (x, count, length).
#include "addon.h"
#include "args.h"

namespace ssm::napi {

namespace {

constexpr size_t kModel = 0;     // a, b, c, count, dim
constexpr size_t kInputs = 5;    // x, count, length

void check(Napi::Env env, ssm_status status, const char* operation) {
  if (status != SSM_OK) throw_status(env, status, operation);
}

Napi::Value impulse_response(const Napi::CallbackInfo& info) {
  const ssm_models m = model_args(info, kModel, "");
  const int64_t L = integer(info, 5, "length", 1, SSM_MAX_ELEMENTS);
  Napi::Float64Array h = new_float64_array(info.Env(), output_size(info.Env(), {m.count, L}, "the impulse response"),
                                           "the impulse response");
  check(info.Env(), ssm_impulse_response(&m, L, h.Data()), "impulseResponse");
  return h;
}

Napi::Value forward(const Napi::CallbackInfo& info) {
  const ssm_models m = model_args(info, kModel, "");
  const ssm_sequences x = sequence_args(info, kInputs);
  output_size(info.Env(), {m.count, x.length}, "the impulse responses (count×length)");
  Napi::Float64Array y =
      new_float64_array(info.Env(), output_size(info.Env(), {m.count, x.count}, "the outputs"), "the outputs");
  check(info.Env(), ssm_forward(&m, &x, y.Data()), "forward");
  return y;
}

Napi::Value scan(const Napi::CallbackInfo& info) {
  const ssm_models m = model_args(info, kModel, "");
  const ssm_sequences x = sequence_args(info, kInputs);
  const int64_t mode = integer(info, 8, "mode", SSM_SCAN_FINAL, SSM_SCAN_STATES);
  const int64_t n = mode == SSM_SCAN_FINAL     ? output_size(info.Env(), {m.count, x.count}, "the scan output")
                    : mode == SSM_SCAN_OUTPUTS ? output_size(info.Env(), {m.count, x.count, x.length}, "the scan outputs")
                                               : output_size(info.Env(), {m.count, x.count, x.length, m.dim}, "the scan states");
  Napi::Float64Array out = new_float64_array(info.Env(), n, "the scan result");
  check(info.Env(), ssm_scan(&m, &x, static_cast<int>(mode), out.Data()), "scan");
  return out;
}

// Bits of the `request` flags of evaluate (mirrored in lib/backends/native.ts).
enum EvaluateFlag : int64_t {
  kOutputs = 1 << 0,
  kResiduals = 1 << 1,
  kE = 1 << 2,
  kGradA = 1 << 3,
  kGradB = 1 << 4,
  kGradC = 1 << 5,
  kGamma = 1 << 6,
  kHessian = 1 << 7,
  kKernelGrad = 1 << 8,
  kKernelGradNorm = 1 << 9,
  kAllFlags = (1 << 10) - 1,
};

Napi::Value evaluate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const ssm_models m = model_args(info, kModel, "");
  const ssm_sequences x = sequence_args(info, kInputs);
  Napi::Float64Array targets = float64_array(info, 8, "targets");
  require_shape(env, targets, x.count, "targets", "inputs count");
  const int64_t flags = integer(info, 9, "request", 0, kAllFlags);
  const int64_t S = m.count, d = m.dim, N = x.count, K = x.length;
  output_size(env, {S, K}, "the impulse responses (count×length)");

  Napi::Object result = Napi::Object::New(env);
  ssm_evaluation out{};
  auto add = [&](const char* key, int64_t flag, std::initializer_list<int64_t> shape) -> double* {
    if (flag != 0 && !(flags & flag)) return nullptr;
    Napi::Float64Array arr = new_float64_array(env, output_size(env, shape, key), key);
    result.Set(key, arr);
    return arr.Data();
  };
  out.loss = add("loss", 0, {S});
  out.outputs = add("outputs", kOutputs, {S, N});
  out.residuals = add("residuals", kResiduals, {S, N});
  out.e = add("e", kE, {S, K});
  out.grad_a = add("gradA", kGradA, {S, d});
  out.grad_b = add("gradB", kGradB, {S, d});
  out.grad_c = add("gradC", kGradC, {S, d});
  out.gamma = K > 1 ? add("gamma", kGamma, {S, K - 1}) : nullptr;
  if (K == 1 && (flags & kGamma)) result.Set("gamma", Napi::Float64Array::New(env, 0));
  if (flags & kHessian) output_size(env, {N, d}, "the Hessian's Jacobian (inputs count×dim)");
  out.hessian = add("hessian", kHessian, {S, d, d});
  out.kernel_grad = add("kernelGrad", kKernelGrad, {S, d, d});
  out.kernel_grad_norm = add("kernelGradNorm", kKernelGradNorm, {S});
  check(env, ssm_evaluate(&m, &x, targets.Data(), &out), "evaluate");
  return result;
}

Napi::Value extrapolation_error(const Napi::CallbackInfo& info) {
  const ssm_models m = model_args(info, kModel, "");
  const ssm_models teacher = model_args(info, 5, "teacher.");
  if (teacher.count != 1) throw_range_error(info.Env(), expected("1", "teacher.count", info[8]));
  const int64_t from = integer(info, 10, "from", 0, SSM_MAX_ELEMENTS - 1);
  const int64_t to = integer(info, 11, "to", from, SSM_MAX_ELEMENTS - 1);
  Napi::Float64Array out = new_float64_array(info.Env(), m.count, "the extrapolation errors");
  check(info.Env(), ssm_extrapolation_error(&m, &teacher, from, to, out.Data()), "extrapolationError");
  return out;
}

Napi::Value effective_rank(const Napi::CallbackInfo& info) {
  const ssm_models m = model_args(info, kModel, "");
  Napi::Float64Array out = new_float64_array(info.Env(), m.count, "the effective ranks");
  check(info.Env(), ssm_effective_rank(&m, out.Data()), "effectiveRank");
  return out;
}

Napi::Value build_info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("blas", Napi::String::New(env, ssm_blas_name()));
  o.Set("openblas", Napi::Boolean::New(env, ssm_has_openblas() != 0));
  o.Set("threads", Napi::Number::New(env, ssm_threads()));
  o.Set("blasThreads", Napi::Number::New(env, ssm_blas_threads()));
  return o;
}

Napi::Value set_threads(const Napi::CallbackInfo& info) {
  ssm_set_threads(static_cast<int>(integer(info, 0, "threads", 0, 256)));
  return info.Env().Undefined();
}

}  // namespace

void register_kernels(Napi::Env env, Napi::Object exports) {
  exports.Set("impulseResponse", Napi::Function::New(env, impulse_response, "impulseResponse"));
  exports.Set("forward", Napi::Function::New(env, forward, "forward"));
  exports.Set("scan", Napi::Function::New(env, scan, "scan"));
  exports.Set("evaluate", Napi::Function::New(env, evaluate, "evaluate"));
  exports.Set("extrapolationError", Napi::Function::New(env, extrapolation_error, "extrapolationError"));
  exports.Set("effectiveRank", Napi::Function::New(env, effective_rank, "effectiveRank"));
  exports.Set("buildInfo", Napi::Function::New(env, build_info, "buildInfo"));
  exports.Set("setThreads", Napi::Function::New(env, set_threads, "setThreads"));
}

}  // namespace ssm::napi
