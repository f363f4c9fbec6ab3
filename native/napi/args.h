// Argument checks of the binding. Every value coming from JavaScript is checked again
// here (TypeScript validated it first): a wrong type is a TypeError, a wrong size or
// value a RangeError, both naming the parameter in the shape
// "Expected <what> for <name> but received <value> of type <type>".
#ifndef SSM_POISON_NAPI_ARGS_H
#define SSM_POISON_NAPI_ARGS_H

#include <napi.h>

#include <cstdint>
#include <string>

#include "ssm.h"

namespace ssm::napi {

[[noreturn]] void throw_type_error(Napi::Env env, const std::string& message);
[[noreturn]] void throw_range_error(Napi::Env env, const std::string& message);
// Maps a core status to an exception: invalid argument → RangeError, no memory →
// RangeError, internal → the library's SsmPoisonError (see addon.cc) with a code.
[[noreturn]] void throw_status(Napi::Env env, ssm_status status, const char* operation);

// "Expected <what> for <name> but received <value> of type <type>".
std::string expected(const char* what, const char* name, Napi::Value received);

Napi::Float64Array float64_array(const Napi::CallbackInfo& info, size_t index, const char* name);
// An integer in [min, max].
int64_t integer(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t min, int64_t max);
double finite_number(const Napi::CallbackInfo& info, size_t index, const char* name);

// The array holds exactly `count` elements (shape names the expected shape, e.g. "S×d"),
// all finite.
void require_shape(Napi::Env env, const Napi::Float64Array& array, int64_t count, const char* name,
                   const char* shape);

// a·b·… elements, or a RangeError naming `what` when the product exceeds SSM_MAX_ELEMENTS.
int64_t output_size(Napi::Env env, std::initializer_list<int64_t> factors, const char* what);

// A new Float64Array of n elements (a RangeError if it cannot be allocated).
Napi::Float64Array new_float64_array(Napi::Env env, int64_t n, const char* what);

// Reads a, b, c (S×d each) and S, d starting at argument `first`; the view borrows the
// arrays' memory, valid while the call runs.
ssm_models model_args(const Napi::CallbackInfo& info, size_t first, const char* prefix);

// Reads x (N×K), N, K starting at argument `first`.
ssm_sequences sequence_args(const Napi::CallbackInfo& info, size_t first);

}  // namespace ssm::napi

#endif
