// The WebAssembly exports of native/core (DESIGN.md "WASM"): thin C ABI wrappers, no
// logic. Sizes cross the boundary as doubles (exact integers below 2^53, no BigInt in
// JavaScript) and are converted to the core's int64_t here; the caller (lib/backends/
// wasm.ts) has already validated them with the native binding's rules. Pointers are
// offsets into this module's linear memory, from ssm_wasm_malloc.
//
// Exported here: the kernels (impulse response, forward, scan, evaluate, extrapolation
// error, effective rank), the NumPy-exact MT19937, build information and malloc/free.
// The runs (training, gradient flows, ODE test problems) are in exports_run.cc, the
// layouts of their structs in layouts.cc.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "../core/ssm.h"
#include "exports.h"

namespace {

using ssm::wasm::size;

ssm_models models(double count, double dim, const double* a, const double* b, const double* c) {
  return ssm_models{size(count), size(dim), a, b, c};
}

ssm_sequences sequences(double count, double length, const double* x) {
  return ssm_sequences{size(count), size(length), x};
}

}  // namespace

// The evaluate request is an ssm_evaluation the caller fills in linear memory: 11
// pointers in declaration order (0 = not requested).
static_assert(sizeof(ssm_evaluation) == 11 * sizeof(double*), "ssm_evaluation is 11 pointers");
static_assert(sizeof(double*) == 4, "wasm32");

SSM_WASM_EXPORT(ssm_wasm_malloc) void* ssm_wasm_malloc(double bytes) {
  if (!(bytes >= 1.0) || bytes > 4294967295.0) return nullptr;
  return std::malloc(static_cast<size_t>(bytes));
}

// Zeroed memory: the run structs are allocated with it, so fields left unset are 0/NULL.
SSM_WASM_EXPORT(ssm_wasm_calloc) void* ssm_wasm_calloc(double bytes) {
  if (!(bytes >= 1.0) || bytes > 4294967295.0) return nullptr;
  return std::calloc(1, static_cast<size_t>(bytes));
}

SSM_WASM_EXPORT(ssm_wasm_free) void ssm_wasm_free(void* p) { std::free(p); }

SSM_WASM_EXPORT(ssm_wasm_status_message) const char* ssm_wasm_status_message(int status) {
  return ssm_status_message(static_cast<ssm_status>(status));
}

SSM_WASM_EXPORT(ssm_wasm_blas_name) const char* ssm_wasm_blas_name() { return ssm_blas_name(); }

SSM_WASM_EXPORT(ssm_wasm_impulse_response)
int ssm_wasm_impulse_response(double count, double dim, const double* a, const double* b, const double* c,
                              double length, double* h) {
  const ssm_models m = models(count, dim, a, b, c);
  return ssm_impulse_response(&m, size(length), h);
}

SSM_WASM_EXPORT(ssm_wasm_forward)
int ssm_wasm_forward(double count, double dim, const double* a, const double* b, const double* c, double n,
                     double k, const double* x, double* y) {
  const ssm_models m = models(count, dim, a, b, c);
  const ssm_sequences xs = sequences(n, k, x);
  return ssm_forward(&m, &xs, y);
}

SSM_WASM_EXPORT(ssm_wasm_scan)
int ssm_wasm_scan(double count, double dim, const double* a, const double* b, const double* c, double n, double k,
                  const double* x, int mode, double* out) {
  const ssm_models m = models(count, dim, a, b, c);
  const ssm_sequences xs = sequences(n, k, x);
  return ssm_scan(&m, &xs, mode, out);
}

SSM_WASM_EXPORT(ssm_wasm_evaluate)
int ssm_wasm_evaluate(double count, double dim, const double* a, const double* b, const double* c, double n,
                      double k, const double* x, const double* targets, ssm_evaluation* out) {
  const ssm_models m = models(count, dim, a, b, c);
  const ssm_sequences xs = sequences(n, k, x);
  return ssm_evaluate(&m, &xs, targets, out);
}

SSM_WASM_EXPORT(ssm_wasm_extrapolation_error)
int ssm_wasm_extrapolation_error(double count, double dim, const double* a, const double* b, const double* c,
                                 double teacher_count, double teacher_dim, const double* ta, const double* tb,
                                 const double* tc, double from, double to, double* out) {
  const ssm_models m = models(count, dim, a, b, c);
  const ssm_models teacher = models(teacher_count, teacher_dim, ta, tb, tc);
  return ssm_extrapolation_error(&m, &teacher, size(from), size(to), out);
}

SSM_WASM_EXPORT(ssm_wasm_effective_rank)
int ssm_wasm_effective_rank(double count, double dim, const double* a, const double* b, const double* c,
                            double* out) {
  const ssm_models m = models(count, dim, a, b, c);
  return ssm_effective_rank(&m, out);
}

// MT19937: the state lives in JavaScript between calls (copied in and out around each
// call), so the module itself holds no state beyond its heap.
SSM_WASM_EXPORT(ssm_wasm_mt_state_size) int ssm_wasm_mt_state_size() { return sizeof(ssm_mt19937); }

SSM_WASM_EXPORT(ssm_wasm_mt_seed) void ssm_wasm_mt_seed(ssm_mt19937* state, uint32_t seed) {
  ssm_mt_seed(state, seed);
}

SSM_WASM_EXPORT(ssm_wasm_mt_random_sample)
void ssm_wasm_mt_random_sample(ssm_mt19937* state, double n, double* out) {
  ssm_mt_random_sample(state, size(n), out);
}

SSM_WASM_EXPORT(ssm_wasm_mt_normal)
void ssm_wasm_mt_normal(ssm_mt19937* state, double loc, double scale, double n, double* out) {
  ssm_mt_normal(state, loc, scale, size(n), out);
}
