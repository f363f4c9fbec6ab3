// Per-student building blocks shared by the C entry points (SPEC §1–§2).
#ifndef SSM_POISON_CORE_KERNELS_H
#define SSM_POISON_CORE_KERNELS_H

#include <cstdint>
#include <vector>

#include "ssm.h"

namespace ssm {

// h_l = Σ_i c_i b_i a_i^l for l = 0 … L−1 into out[l], or with reversed into out[L−1−l]
// (the layout the forward product needs). work holds impulse_work_size(d) doubles.
void impulse_one(int64_t d, const double* a, const double* b, const double* c, int64_t L, bool reversed,
                 double* out, double* work);
int64_t impulse_work_size(int64_t d);

// For one student and the reversed e vector (erev[t] = e_{K−1−t}, the order Horner's scheme
// consumes it), all at once (any output may be null):
//   poly_i   = Σ_{l=0}^{K−1} e_l a_i^l
//   dpoly_i  = Σ_{l=1}^{K−1} l a_i^{l−1} e_l
//   d2poly_i = Σ_{l=2}^{K−1} l (l−1) a_i^{l−2} e_l
void e_polynomials(int64_t d, const double* a, int64_t K, const double* erev, double* poly, double* dpoly,
                   double* d2poly);
// The same without allocating: work holds e_polynomials_work_size(d) doubles.
void e_polynomials_into(int64_t d, const double* a, int64_t K, const double* erev, double* poly, double* dpoly,
                        double* d2poly, double* work);
int64_t e_polynomials_work_size(int64_t d);

// ‖∂L/∂A‖_F for the full recurrent kernel in O(d² + dK) (kernel_norm.cc): poly and dpoly
// from e_polynomials; divided differences (poly_i − poly_j)/(a_i − a_j) where a_i and a_j
// are far apart, Horner's scheme for divided differences where they are close.
double kernel_grad_norm_fast(int64_t d, const double* a, const double* b, const double* c, int64_t K,
                             const double* erev, const double* poly, const double* dpoly);

// Reversed impulse responses of all students (S×K: hrev[s][K−1−l] = h_{s,l}).
void reversed_impulses(const ssm_models* m, int64_t K, double* hrev);

// y (S×N) = hrev (S×K) · Xᵀ, i.e. y_{s,n} = Σ_l h_{s,l} x_{n,K−1−l} (one GEMM).
void forward_from_impulses(int64_t S, const ssm_sequences* x, const double* hrev, double* y);

// The extrapolation error (SPEC §7) against one teacher, for repeated use in a run: the
// teacher's response and the buffers are prepared once (metrics.cc). Same arithmetic as
// ssm_extrapolation_error.
class ExtrapolationError {
 public:
  ExtrapolationError(const ssm_models& teacher, int64_t from, int64_t to, int64_t student_dim);
  double operator()(int64_t d, const double* a, const double* b, const double* c);
  // From the student's impulse response h_0 … h_to (already computed).
  double from_impulse(const double* h) const;
  int64_t length() const { return to_ + 1; }

 private:
  int64_t from_, to_;
  std::vector<double> teacher_h_, h_, work_;
  double scale_ = 0.0;
};

}  // namespace ssm

#endif
