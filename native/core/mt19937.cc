// NumPy-compatible MT19937 (SPEC §3): np.random.seed(int) seeding (init_genrand),
// random_sample's 53-bit doubles and the legacy polar Gaussian with its cached value.
// Compiled with -ffp-contract=off so that no multiply-add is fused: the arithmetic must
// round exactly as NumPy's does. NumPy's Gaussians call the C library's log (glibc on
// Linux); builds on another C library (WebAssembly) define SSM_GLIBC_LOG and take the port
// of glibc's log in glibc_log.cc instead.
#include <cmath>

#include "ssm.h"
#if defined(SSM_GLIBC_LOG)
#include "glibc_log.h"
#endif

namespace {

constexpr int kN = 624, kM = 397;
constexpr uint32_t kMatrixA = 0x9908b0dfU, kUpper = 0x80000000U, kLower = 0x7fffffffU;

void regenerate(ssm_mt19937* st) {
  uint32_t* mt = st->key;
  int k = 0;
  for (; k < kN - kM; ++k) {
    const uint32_t y = (mt[k] & kUpper) | (mt[k + 1] & kLower);
    mt[k] = mt[k + kM] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
  }
  for (; k < kN - 1; ++k) {
    const uint32_t y = (mt[k] & kUpper) | (mt[k + 1] & kLower);
    mt[k] = mt[k + (kM - kN)] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
  }
  const uint32_t y = (mt[kN - 1] & kUpper) | (mt[0] & kLower);
  mt[kN - 1] = mt[kM - 1] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
  st->pos = 0;
}

uint32_t next_uint32(ssm_mt19937* st) {
  if (st->pos >= kN) regenerate(st);
  uint32_t y = st->key[st->pos++];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= (y >> 18);
  return y;
}

double next_double(ssm_mt19937* st) {
  const int32_t a = static_cast<int32_t>(next_uint32(st) >> 5), b = static_cast<int32_t>(next_uint32(st) >> 6);
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

double legacy_gauss(ssm_mt19937* st) {
  if (st->has_gauss) {
    st->has_gauss = 0;
    const double g = st->gauss;
    st->gauss = 0.0;
    return g;
  }
  double x1, x2, r2;
  do {
    x1 = 2.0 * next_double(st) - 1.0;
    x2 = 2.0 * next_double(st) - 1.0;
    r2 = x1 * x1 + x2 * x2;
  } while (r2 >= 1.0 || r2 == 0.0);
#if defined(SSM_GLIBC_LOG)
  const double log_r2 = ssm::glibc_log_fma(r2);
#else
  const double log_r2 = std::log(r2);
#endif
  const double f = std::sqrt(-2.0 * log_r2 / r2);  // polar Box–Muller
  st->gauss = f * x1;
  st->has_gauss = 1;
  return f * x2;
}

}  // namespace

extern "C" {

void ssm_mt_seed(ssm_mt19937* st, uint32_t seed) {
  st->key[0] = seed;
  for (int i = 1; i < kN; ++i) st->key[i] = 1812433253U * (st->key[i - 1] ^ (st->key[i - 1] >> 30)) + static_cast<uint32_t>(i);
  st->pos = kN;
  st->has_gauss = 0;
  st->gauss = 0.0;
}

void ssm_mt_random_sample(ssm_mt19937* st, int64_t n, double* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = next_double(st);
}

void ssm_mt_normal(ssm_mt19937* st, double loc, double scale, int64_t n, double* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = loc + scale * legacy_gauss(st);
}

}
