// Argument checks shared by the C entry points, and the guard that turns C++ exceptions
// into status codes (the core never lets an exception cross the C ABI).
#ifndef SSM_POISON_CORE_CHECKS_H
#define SSM_POISON_CORE_CHECKS_H

#include <cmath>
#include <cstdint>
#include <new>

#include "ssm.h"

namespace ssm {

// a·b·c… as a number of elements, or -1 when a factor is < 1 or the product exceeds
// SSM_MAX_ELEMENTS.
inline int64_t element_count(std::initializer_list<int64_t> factors) {
  int64_t total = 1;
  for (int64_t f : factors) {
    if (f < 1 || total > SSM_MAX_ELEMENTS / f) return -1;
    total *= f;
  }
  return total;
}

inline bool all_finite(const double* x, int64_t n) {
  double acc = 0.0;  // x·0 is NaN exactly when x is NaN or ±Inf
  for (int64_t i = 0; i < n; ++i) acc += x[i] * 0.0;
  return acc == 0.0;
}

inline bool valid_models(const ssm_models* m) {
  if (m == nullptr || m->a == nullptr || m->b == nullptr || m->c == nullptr) return false;
  const int64_t n = element_count({m->count, m->dim});
  return n > 0 && all_finite(m->a, n) && all_finite(m->b, n) && all_finite(m->c, n);
}

inline bool valid_sequences(const ssm_sequences* x) {
  if (x == nullptr || x->x == nullptr) return false;
  const int64_t n = element_count({x->count, x->length});
  return n > 0 && all_finite(x->x, n);
}

// Without C++ exceptions (the WebAssembly build: WASI has no unwinding) nothing can be
// caught: a failed allocation traps, and the wasm glue reports it (lib/backends/wasm.ts).
template <class Body>
ssm_status guarded(Body&& body) noexcept {
#if defined(__cpp_exceptions)
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return SSM_E_NO_MEMORY;
  } catch (...) {
    return SSM_E_INTERNAL;
  }
#else
  return body();
#endif
}

}  // namespace ssm

#endif
