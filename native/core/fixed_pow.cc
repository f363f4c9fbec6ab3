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
constexpr DD kOne{1.0, 0.0};

// Table points c = j/128: log x reduces to log c + log(m/c) with |m − c| ≤ 1/256, and exp z
// to e^{j/128} · e^{r} with |r| ≤ 1/256; the short series below then reach ~1e−33.
constexpr int kLogFirst = 90, kLogLast = 182;  // c ∈ [0.703, 1.422] covers m ∈ [√½, √2)
constexpr int kExpSpan = 45;                   // j ∈ [−45, 45] covers |r| ≤ ln2/2
constexpr int kSeriesTerms = 23;               // the tables' own series (|s| ≤ 0.172, |x| < 3.4e−4)
constexpr int kLogTerms = 7;                   // s^{2k}/(2k+1), |s| < 0.0028
constexpr int kExpTerms = 11;                  // x^k/k!, |x| ≤ 1/256

// atanh s = s Σ_{k<terms} s^{2k}/(2k+1) (no cancellation: every term has the sign of s).
inline DD atanh_series(DD s, int terms, const DD* odd) {
  const DD s2 = mul(s, s);
  DD series{0.0, 0.0};
  for (int k = terms - 1; k >= 0; --k) series = add(mul(series, s2), odd[k]);
  return mul(s, series);
}

// e^x − 1 = Σ_{1≤k≤terms} x^k/k! by Horner's scheme.
inline DD expm1_series(DD x, int terms, const DD* inverse) {
  DD u{0.0, 0.0};
  for (int k = terms; k >= 1; --k) u = mul(mul(add(u, kOne), x), inverse[k]);
  return u;
}

// Reciprocals and the two tables, computed once by the long series.
struct Tables {
  std::array<DD, kSeriesTerms> odd;         // 1/(2k+1)
  std::array<DD, kSeriesTerms + 1> inverse;  // 1/k
  std::array<DD, kLogLast - kLogFirst + 1> log_c;
  std::array<DD, 2 * kExpSpan + 1> exp_j;
  Tables() {
    for (int k = 0; k < kSeriesTerms; ++k) odd[k] = div(kOne, DD{2.0 * k + 1.0, 0.0});
    for (int k = 1; k <= kSeriesTerms; ++k) inverse[k] = div(kOne, DD{static_cast<double>(k), 0.0});
    for (int j = kLogFirst; j <= kLogLast; ++j) {  // log c = 2 atanh((c − 1)/(c + 1)), c − 1 exact
      const double c = j / 128.0;
      log_c[j - kLogFirst] = mul(atanh_series(div(DD{c - 1.0, 0.0}, two_sum(c, 1.0)), kSeriesTerms, odd.data()), 2.0);
    }
    for (int j = -kExpSpan; j <= kExpSpan; ++j) {  // e^{j/128} = (e^{j/131072})^1024: ten squarings
      DD u = expm1_series(DD{j / 131072.0, 0.0}, 9, inverse.data());
      for (int i = 0; i < 10; ++i) u = add(mul(u, 2.0), mul(u, u));
      exp_j[j + kExpSpan] = add(kOne, u);
    }
  }
};
const Tables& tables() {
  static const Tables t;
  return t;
}

// log x for finite x > 0: x = m·2^e, m ∈ [√½, √2), c = j/128 nearest m, and
// log x = e ln 2 + log c + 2 atanh((m − c)/(m + c)) (m − c is exact: Sterbenz).
inline DD log_dd(double x, const Tables& t) {
  int e = 0;
  double m = std::frexp(x, &e);  // m ∈ [½, 1)
  if (m < 0.70710678118654752) m *= 2.0, --e;
  const double j = std::nearbyint(m * 128.0), c = j / 128.0;
  const DD s = div(DD{m - c, 0.0}, two_sum(m, c));
  const DD log_m = add(t.log_c[static_cast<int>(j) - kLogFirst], mul(atanh_series(s, kLogTerms, t.odd.data()), 2.0));
  return add(mul(kLn2, static_cast<double>(e)), log_m);
}

// e^z rounded, |z| < 708: z = n ln 2 + j/128 + r, |r| ≤ 1/256, e^z = 2^n e^{j/128} (1 + expm1 r).
inline double exp_dd_rounded(DD z, const Tables& t) {
  const double n = std::nearbyint(z.hi / kLn2.hi);
  const DD r = add(z, neg(mul(kLn2, n)));
  const double j = std::nearbyint(r.hi * 128.0);
  const DD x = add(r, DD{-j / 128.0, 0.0});
  const DD result = mul(t.exp_j[static_cast<int>(j) + kExpSpan], add(kOne, expm1_series(x, kExpTerms, t.inverse.data())));
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
  const Tables& t = tables();
  const DD z = mul(log_dd(x, t), y);
  if (!(std::fabs(z.hi) < 700.0)) return std::pow(x, y);
  return exp_dd_rounded(z, t);
}

}  // namespace ssm::fixed_order
