// x^y rounded correctly, for the step-size formulas of the ODE solvers (fixed_order.h).
//
// C libraries' pow is accurate to ~0.52 ulp, not correctly rounded, and not the same
// everywhere: glibc picks an FMA variant on CPUs that have one, musl (WebAssembly) has none,
// and the two round differently about once in 10⁴ calls — enough to move an LSODA step
// decision. Here x^y = exp(y·log x) is evaluated in double-double arithmetic (~2^−100
// relative) and rounded once, so the result is the correctly rounded one (bar arguments
// within ~1e−30 of a rounding boundary) and depends on nothing but IEEE-754 basic
// operations and std::fma, which are correctly rounded on every platform. Compiled with
// -ffp-contract=off: the error-free transformations below must not be contracted.
#include <array>
#include <cmath>
#include <cstdint>

#include "fixed_order.h"
#include "simd.h"

namespace ssm::fixed_order {
namespace {

// A double-double: the unevaluated sum hi + lo with |lo| ≤ ulp(hi)/2.
struct DD {
  double hi, lo;
};

inline DD quick_two_sum(double a, double b) {  // |a| ≥ |b|
  const double s = a + b;
  return {s, b - (s - a)};
}
inline DD two_sum(double a, double b) {
  const double s = a + b, bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}
inline DD two_prod(double a, double b) {
  const double p = a * b;
  return {p, std::fma(a, b, -p)};
}
inline DD add(DD a, DD b) {
  DD s = two_sum(a.hi, b.hi);
  const DD t = two_sum(a.lo, b.lo);
  s.lo += t.hi;
  s = quick_two_sum(s.hi, s.lo);
  s.lo += t.lo;
  return quick_two_sum(s.hi, s.lo);
}
inline DD neg(DD a) { return {-a.hi, -a.lo}; }
inline DD mul(DD a, DD b) {
  DD p = two_prod(a.hi, b.hi);
  p.lo += a.hi * b.lo + a.lo * b.hi;
  return quick_two_sum(p.hi, p.lo);
}
inline DD mul(DD a, double b) {
  DD p = two_prod(a.hi, b);
  p.lo += a.lo * b;
  return quick_two_sum(p.hi, p.lo);
}
inline DD div(DD a, DD b) {  // long division, three quotient digits
  const double q1 = a.hi / b.hi;
  DD r = add(a, neg(mul(b, q1)));
  const double q2 = r.hi / b.hi;
  r = add(r, neg(mul(b, q2)));
  const double q3 = r.hi / b.hi;
  return add(quick_two_sum(q1, q2), DD{q3, 0.0});
}

// ln 2 = kLn2.hi + kLn2.lo + O(6e−34).
constexpr DD kLn2{0x1.62e42fefa39efp-1, 0x1.abc9e3b39803fp-56};

constexpr int kLogTerms = 23;  // atanh series: s^{2k}/(2k+1), k < 23 (s^44/45 < 1e−34)
constexpr int kExpTerms = 9;   // Taylor series of e^x − 1 for |x| < 3.4e−4: x^k/k!, k ≤ 9

// 1/(2k+1) and 1/k as double-doubles, divided once.
struct Reciprocals {
  std::array<DD, kLogTerms> odd;
  std::array<DD, kExpTerms + 1> integer;
  Reciprocals() {
    for (int k = 0; k < kLogTerms; ++k) odd[k] = div(DD{1.0, 0.0}, DD{2.0 * k + 1.0, 0.0});
    for (int k = 1; k <= kExpTerms; ++k) integer[k] = div(DD{1.0, 0.0}, DD{static_cast<double>(k), 0.0});
  }
};
const Reciprocals& reciprocals() {
  static const Reciprocals r;
  return r;
}

// log x for finite x > 0: x = m·2^e with m ∈ [√½, √2), log m = 2 atanh(s), s = (m−1)/(m+1),
// |s| ≤ 0.172, and atanh(s) = s Σ_k s^{2k}/(2k+1).
inline DD log_dd(double x, const Reciprocals& rc) {
  int e = 0;
  double m = std::frexp(x, &e);  // m ∈ [½, 1)
  if (m < 0.70710678118654752) m *= 2.0, --e;
  const DD s = div(DD{m - 1.0, 0.0}, two_sum(m, 1.0));  // m − 1 is exact (Sterbenz)
  const DD s2 = mul(s, s);
  DD series{0.0, 0.0};
  for (int k = kLogTerms - 1; k >= 0; --k) series = add(mul(series, s2), rc.odd[k]);
  return add(mul(kLn2, static_cast<double>(e)), mul(mul(s, series), 2.0));
}

// exp z for |z| < 708: z = n ln 2 + r, |r| ≤ ln2/2; u = e^{r/1024} − 1 by Taylor's series,
// then ten squarings as u ← 2u + u² (relative accuracy kept near 0), and e^z = 2^n (1 + u).
inline double exp_dd_rounded(DD z, const Reciprocals& rc) {
  const double n = std::nearbyint(z.hi / kLn2.hi);
  const DD r = add(z, neg(mul(kLn2, n)));
  const DD x{r.hi / 1024.0, r.lo / 1024.0};  // exact
  DD u{0.0, 0.0};
  for (int k = kExpTerms; k >= 1; --k) u = mul(mul(add(u, DD{1.0, 0.0}), x), rc.integer[k]);
  for (int i = 0; i < 10; ++i) u = add(mul(u, 2.0), mul(u, u));
  const DD result = add(DD{1.0, 0.0}, u);
  return std::ldexp(result.hi + result.lo, static_cast<int>(n));
}

}  // namespace

// Cloned like the kernels only so that std::fma is one instruction where the CPU has it: the
// results are the same bits either way.
SSM_VECTOR_CLONES
double pow(double x, double y) {
  // Special and extreme arguments keep the C library's answer (C99 Annex F fixes the
  // special cases; subnormal and overflowing results never reach the step formulas).
  if (!(x > 0.0) || !std::isfinite(x) || !std::isfinite(y) || y == 0.0 || x == 1.0) return std::pow(x, y);
  const Reciprocals& rc = reciprocals();
  const DD z = mul(log_dd(x, rc), y);
  if (!(std::fabs(z.hi) < 700.0)) return std::pow(x, y);
  return exp_dd_rounded(z, rc);
}

}  // namespace ssm::fixed_order
