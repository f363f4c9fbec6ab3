#include "args.h"

#include <cmath>
#include <string>

#include "addon.h"

namespace ssm::napi {

namespace {
std::string type_of(Napi::Value v) {
  if (v.IsNull()) return "null";
  if (v.IsUndefined()) return "undefined";
  if (v.IsTypedArray()) {
    switch (v.As<Napi::TypedArray>().TypedArrayType()) {
      case napi_float64_array: return "Float64Array";
      case napi_float32_array: return "Float32Array";
      case napi_int32_array: return "Int32Array";
      case napi_uint8_array: return "Uint8Array";
      default: return "TypedArray";
    }
  }
  if (v.IsArray()) return "Array";
  switch (v.Type()) {
    case napi_boolean: return "boolean";
    case napi_number: return "number";
    case napi_string: return "string";
    case napi_symbol: return "symbol";
    case napi_function: return "function";
    case napi_bigint: return "bigint";
    default: return "object";
  }
}

std::string show(Napi::Value v) {
  if (v.IsNumber()) {
    const double d = v.As<Napi::Number>().DoubleValue();
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
  }
  if (v.IsString()) {
    std::string s = v.As<Napi::String>().Utf8Value();
    if (s.size() > 40) s = s.substr(0, 40) + "…";
    return "\"" + s + "\"";
  }
  if (v.IsTypedArray()) return type_of(v) + "(" + std::to_string(v.As<Napi::TypedArray>().ElementLength()) + ")";
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  return type_of(v);
}
}  // namespace

void throw_type_error(Napi::Env env, const std::string& message) { throw Napi::TypeError::New(env, message); }
void throw_range_error(Napi::Env env, const std::string& message) { throw Napi::RangeError::New(env, message); }

void throw_status(Napi::Env env, ssm_status status, const char* operation) {
  const std::string text = std::string(operation) + ": " + ssm_status_message(status);
  if (status == SSM_E_INVALID_ARGUMENT || status == SSM_E_NO_MEMORY) throw_range_error(env, text);
  throw library_error(env, text, "ERR_SSM_INTERNAL");
}

std::string expected(const char* what, const char* name, Napi::Value received) {
  return std::string("Expected ") + what + " for " + name + " but received " + show(received) + " of type " +
         type_of(received);
}

Napi::Float64Array float64_array(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value v = info[index];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw_type_error(info.Env(), expected("a Float64Array", name, v));
  return v.As<Napi::Float64Array>();
}

int64_t integer(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t min, int64_t max) {
  Napi::Value v = info[index];
  if (!v.IsNumber()) throw_type_error(info.Env(), expected("an integer", name, v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d || d < static_cast<double>(min) || d > static_cast<double>(max)) {
    const std::string what =
        "an integer between " + std::to_string(min) + " and " + std::to_string(max);
    throw_range_error(info.Env(), expected(what.c_str(), name, v));
  }
  return static_cast<int64_t>(d);
}

double finite_number(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value v = info[index];
  if (!v.IsNumber()) throw_type_error(info.Env(), expected("a finite number", name, v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throw_range_error(info.Env(), expected("a finite number", name, v));
  return d;
}

void require_shape(Napi::Env env, const Napi::Float64Array& array, int64_t count, const char* name,
                   const char* shape) {
  if (static_cast<int64_t>(array.ElementLength()) != count) {
    throw_range_error(env, std::string("Expected ") + std::to_string(count) + (count == 1 ? " element (" : " elements (") + shape + ") for " +
                               name + " but received Float64Array(" + std::to_string(array.ElementLength()) +
                               ") of type Float64Array");
  }
  const double* p = array.Data();
  for (int64_t i = 0; i < count; ++i)
    if (!std::isfinite(p[i]))
      throw_range_error(env, std::string("Expected finite numbers for ") + name + " but received " +
                                 (std::isnan(p[i]) ? "NaN" : "an infinite value") + " at index " +
                                 std::to_string(i) + " of type number");
}

int64_t output_size(Napi::Env env, std::initializer_list<int64_t> factors, const char* what) {
  int64_t total = 1;
  double product = 1.0;
  bool fits = true;
  for (int64_t f : factors) {
    product *= static_cast<double>(f);
    if (f < 1 || total > SSM_MAX_ELEMENTS / f) fits = false;
    else total *= f;
  }
  if (!fits) {
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", product);
    throw_range_error(env, std::string("Expected at most 2^31 elements for ") + what + " but received " + buf +
                               " of type number");
  }
  return total;
}

Napi::Float64Array new_float64_array(Napi::Env env, int64_t n, const char* what) {
  try {
    return Napi::Float64Array::New(env, static_cast<size_t>(n));
  } catch (const Napi::Error&) {
    throw_range_error(env, std::string("Could not allocate ") + std::to_string(n) + " doubles for " + what);
  }
}

ssm_models model_args(const Napi::CallbackInfo& info, size_t first, const char* prefix) {
  const std::string p(prefix);
  const std::string na = p + "a", nb = p + "b", nc = p + "c", ncount = p + "count", ndim = p + "dim";
  Napi::Float64Array a = float64_array(info, first, na.c_str());
  Napi::Float64Array b = float64_array(info, first + 1, nb.c_str());
  Napi::Float64Array c = float64_array(info, first + 2, nc.c_str());
  const int64_t S = integer(info, first + 3, ncount.c_str(), 1, SSM_MAX_ELEMENTS);
  const int64_t d = integer(info, first + 4, ndim.c_str(), 1, SSM_MAX_ELEMENTS);
  const int64_t n = output_size(info.Env(), {S, d}, "the model (count×dim)");
  require_shape(info.Env(), a, n, na.c_str(), "count×dim");
  require_shape(info.Env(), b, n, nb.c_str(), "count×dim");
  require_shape(info.Env(), c, n, nc.c_str(), "count×dim");
  return ssm_models{S, d, a.Data(), b.Data(), c.Data()};
}

ssm_sequences sequence_args(const Napi::CallbackInfo& info, size_t first) {
  Napi::Float64Array x = float64_array(info, first, "inputs");
  const int64_t N = integer(info, first + 1, "inputs count", 1, SSM_MAX_ELEMENTS);
  const int64_t K = integer(info, first + 2, "length", 1, SSM_MAX_ELEMENTS);
  const int64_t n = output_size(info.Env(), {N, K}, "the inputs (count×length)");
  require_shape(info.Env(), x, n, "inputs", "count×length");
  return ssm_sequences{N, K, x.Data()};
}

}  // namespace ssm::napi
