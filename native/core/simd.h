// Portable short vectors for the hot per-student loops (GCC/Clang vector extensions).
// A v4 is four doubles; on targets without 256-bit registers the compiler splits it. The
// hot functions are compiled twice on x86-64 (baseline and AVX + FMA) and the
// right one is picked when the library loads (SSM_VECTOR_CLONES).
#ifndef SSM_POISON_CORE_SIMD_H
#define SSM_POISON_CORE_SIMD_H

#include <cstring>

namespace ssm {

typedef double v4 __attribute__((vector_size(32)));

inline v4 load4(const double* p) {
  v4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store4(double* p, v4 v) { std::memcpy(p, &v, sizeof v); }
inline v4 splat4(double x) { return v4{x, x, x, x}; }
// Lanes summed in a fixed order, (v0 + v1) + (v2 + v3), independent of the machine.
inline double sum4(v4 v) { return (v[0] + v[1]) + (v[2] + v[3]); }

}  // namespace ssm

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__) && \
    !defined(SSM_NO_CLONES)
#define SSM_VECTOR_CLONES __attribute__((target_clones("fma", "default")))
#else
#define SSM_VECTOR_CLONES
#endif

#endif
