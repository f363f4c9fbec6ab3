// Arithmetic in one fixed order for the gradient flows (SPEC §6): the same bits on every
// CPU, with or without FMA hardware, with or without OpenBLAS, and in WebAssembly.
//
// An ODE solver's step-size choices can turn on the last bit of the right-hand side: the
// Theorem-1 runs sit close to such ties (L7_d10 seed 243 poisoned moves by 2e−5 when the
// Horner recursion is fused on one machine and not on another — SciPy's odeint does the
// same across CPUs). So the flows evaluate the loss, gradient and Hessian here: Horner's
// scheme with explicit fused multiply-adds (std::fma is correctly rounded everywhere), every
// other sum in a written order with no contraction (this file is compiled with
// -ffp-contract=off), no BLAS, an LU factorization of our own, and a correctly rounded pow
// for the solvers' step-size formulas (fixed_pow.cc; the C library's pow differs between
// glibc's FMA variant and musl). The systems gradient flows integrate are small (d
// parameters, a few sequences), so the plain loops cost little.
#ifndef SSM_POISON_CORE_FIXED_ORDER_H
#define SSM_POISON_CORE_FIXED_ORDER_H

#include <cstdint>
#include <vector>

#include "ssm.h"

namespace ssm::fixed_order {

// poly_i = Σ_l e_l a_i^l, dpoly_i = Σ_l l a_i^{l−1} e_l, d2poly_i = Σ_l l(l−1) a_i^{l−2} e_l
// from erev (erev[t] = e_{K−1−t}); any output may be null (kernels.h e_polynomials).
void e_polynomials(int64_t d, const double* a, int64_t K, const double* erev, double* poly, double* dpoly,
                   double* d2poly);

// What evaluate computes; every pointer but loss may be null.
struct Evaluation {
  double* loss;     // L = (1/N) Σ_n r_n²
  double* e;        // K values, e_l = (2/N) Σ_n r_n x_{n,K−1−l}
  double* grad_a;   // d values each
  double* grad_b;
  double* grad_c;
  double* hessian;  // d×d, ∂²L/∂a² (SPEC §2)
};

// Loss and derivatives of one student (SPEC §2), reusing its buffers between calls.
class Evaluator {
 public:
  Evaluator(int64_t d, const ssm_sequences& x, const double* targets);
  // false when the inputs or the results are not finite (the outputs are then NaN).
  bool operator()(const double* a, const double* b, const double* c, const Evaluation& out);

 private:
  void hessian(const double* a, const double* b, const double* c, double* H);

  int64_t d_;
  ssm_sequences x_;
  const double* targets_;
  std::vector<double> hrev_, erev_, r_, poly_, dpoly_, d2poly_, work_, D_, J_;
};

// x^y correctly rounded (fixed_pow.cc): the ODE solvers' step-size formulas use it in place
// of the C library's pow, whose last bit depends on the library and the CPU.
double pow(double x, double y);

// LU factorization with partial pivoting of the n×n row-major a, in place (LINPACK's
// order); 0, or k+1 when the k-th pivot is exactly 0. lu_solve solves A x = b (b is
// n×nrhs row-major, overwritten) with those factors.
int lu_factor(int64_t n, double* a, int64_t* pivots);
void lu_solve(int64_t n, const double* lu, const int64_t* pivots, int64_t nrhs, double* b);

}  // namespace ssm::fixed_order

#endif
