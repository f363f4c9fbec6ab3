// Reading a run's config object (flow, training): fields checked again in C++ and copied,
// so JavaScript may change or drop its arrays while a run works. Errors name the field as
// "config.<key>".
#ifndef SSM_POISON_NAPI_CONFIG_FIELDS_H
#define SSM_POISON_NAPI_CONFIG_FIELDS_H

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "args.h"

namespace ssm::napi {

// A Float64Array field of expected_length finite values (any length when < 0), copied.
inline std::vector<double> copy_array(Napi::Env env, Napi::Object o, const char* key, int64_t expected_length,
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

inline double number_field(Napi::Env env, Napi::Object o, const char* key) {
  Napi::Value v = o.Get(key);
  const std::string name = std::string("config.") + key;
  if (!v.IsNumber()) throw_type_error(env, expected("a number", name.c_str(), v));
  return v.As<Napi::Number>().DoubleValue();
}

inline int64_t integer_field(Napi::Env env, Napi::Object o, const char* key, int64_t min, int64_t max) {
  const double d = number_field(env, o, key);
  const std::string name = std::string("config.") + key;
  if (!std::isfinite(d) || std::floor(d) != d || d < static_cast<double>(min) || d > static_cast<double>(max)) {
    const std::string what = "an integer between " + std::to_string(min) + " and " + std::to_string(max);
    throw_range_error(env, expected(what.c_str(), name.c_str(), o.Get(key)));
  }
  return static_cast<int64_t>(d);
}

inline bool bool_field(Napi::Object o, const char* key) { return o.Get(key).ToBoolean().Value(); }

// A copy of v as a new Float64Array.
inline Napi::Float64Array to_array(Napi::Env env, const double* v, size_t n) {
  Napi::Float64Array arr = Napi::Float64Array::New(env, n);
  std::copy(v, v + n, arr.Data());
  return arr;
}

// One student and its data: dim, count, length, a, b, c (dim), x (count×length), targets
// (count), copied into the caller's vectors.
struct StudentData {
  int64_t& d;
  int64_t& N;
  int64_t& K;
  std::vector<double>& a;
  std::vector<double>& b;
  std::vector<double>& c;
  std::vector<double>& x;
  std::vector<double>& targets;

  void read(Napi::Env env, Napi::Object o) {
    d = integer_field(env, o, "dim", 1, SSM_MAX_ELEMENTS);
    N = integer_field(env, o, "count", 1, SSM_MAX_ELEMENTS);
    K = integer_field(env, o, "length", 1, SSM_MAX_ELEMENTS);
    const int64_t nx = output_size(env, {N, K}, "the inputs (count×length)");
    a = copy_array(env, o, "a", d, "dim");
    b = copy_array(env, o, "b", d, "dim");
    c = copy_array(env, o, "c", d, "dim");
    x = copy_array(env, o, "x", nx, "count×length");
    targets = copy_array(env, o, "targets", N, "count");
  }
  ssm_models model() const { return ssm_models{1, d, a.data(), b.data(), c.data()}; }
  ssm_sequences sequences() const { return ssm_sequences{N, K, x.data()}; }
};

// The optional MLP head { width, depth, weights (students × P) }: copied into `storage`,
// viewed by `mlp`. Returns P (0 when absent; then the MLP train bit is an error).
inline int64_t read_mlp(Napi::Env env, Napi::Object o, int64_t students, int train, std::vector<double>& storage,
                        ssm_mlp_config& mlp) {
  Napi::Value v = o.Get("mlp");
  if (v.IsUndefined() || v.IsNull()) {
    if (train & SSM_TRAIN_MLP) throw_range_error(env, expected("no MLP bit without an mlp", "config.train", o.Get("train")));
    return 0;
  }
  if (!v.IsObject()) throw_type_error(env, expected("an object", "config.mlp", v));
  Napi::Object m = v.As<Napi::Object>();
  const int64_t width = integer_field(env, m, "width", 1, 1 << 20);
  const int64_t depth = integer_field(env, m, "depth", 1, 1 << 20);
  output_size(env, {width, width, depth}, "the MLP weights");
  const int64_t P = 2 * width + (depth - 1) * width * width;
  storage = copy_array(env, m, "weights", output_size(env, {students, P}, "the MLP weights (students×P)"), "students×P");
  mlp = ssm_mlp_config{width, depth, storage.data()};
  return P;
}

// The optional teacher of a run (teacherA/B/C and the range extFrom … extTo of the
// extrapolation error): copied into ta/tb/tc, viewed by `teacher`. False when absent.
inline bool read_teacher(Napi::Env env, Napi::Object o, std::vector<double>& ta, std::vector<double>& tb,
                         std::vector<double>& tc, ssm_models& teacher, int64_t& from, int64_t& to) {
  if (o.Get("teacherA").IsUndefined()) return false;
  ta = copy_array(env, o, "teacherA", -1, "teacher dim");
  const int64_t td = static_cast<int64_t>(ta.size());
  if (td < 1) throw_range_error(env, expected("at least one value", "config.teacherA", o.Get("teacherA")));
  tb = copy_array(env, o, "teacherB", td, "teacher dim");
  tc = copy_array(env, o, "teacherC", td, "teacher dim");
  teacher = ssm_models{1, td, ta.data(), tb.data(), tc.data()};
  from = integer_field(env, o, "extFrom", 0, SSM_MAX_ELEMENTS - 1);
  to = integer_field(env, o, "extTo", from, SSM_MAX_ELEMENTS - 1);
  return true;
}

}  // namespace ssm::napi

#endif
