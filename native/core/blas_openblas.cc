// The BLAS/LAPACK interface on OpenBLAS: cblas_dgemm, and LAPACK's dgetrf_/dgetrs_
// through the Fortran symbols exported by libopenblas (no LAPACKE needed).
#include <cblas.h>

#include <algorithm>
#include <vector>

#include "blas.h"

extern "C" {
void dgetrf_(const int* m, const int* n, double* a, const int* lda, int* ipiv, int* info);
void dgetrs_(const char* trans, const int* n, const int* nrhs, const double* a, const int* lda,
             const int* ipiv, double* b, const int* ldb, int* info);
int openblas_get_num_threads(void);
}

namespace ssm::blas {

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
          int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  if (m == 1) {
    // One row (a single student): cᵀ = op(B)ᵀ · op(A)ᵀ is a matrix-vector product, which
    // OpenBLAS does faster than a 1×n GEMM. The row of op(A) has stride 1, or lda when
    // A is transposed.
    cblas_dgemv(CblasRowMajor, trans_b ? CblasNoTrans : CblasTrans, static_cast<blasint>(trans_b ? n : k),
                static_cast<blasint>(trans_b ? k : n), alpha, b, static_cast<blasint>(ldb), a,
                static_cast<blasint>(trans_a ? lda : 1), beta, c, 1);
    return;
  }
  cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

// LAPACK is column-major: a row-major A is Aᵀ to it. We factor Aᵀ = P L U and solve
// with trans = 'T', which solves (Aᵀ)ᵀ x = A x = b. Pivots are converted to 0-based.
int lu_factor(int64_t n, double* a, int64_t* pivots) {
  const int nn = static_cast<int>(n);
  std::vector<int> ipiv(static_cast<size_t>(std::max(1, nn)));
  int info = 0;
  dgetrf_(&nn, &nn, a, &nn, ipiv.data(), &info);
  for (int i = 0; i < nn; ++i) pivots[i] = ipiv[i] - 1;
  return info > 0 ? info : 0;
}

void lu_solve(int64_t n, const double* lu, const int64_t* pivots, int64_t nrhs, double* b) {
  // b is n×nrhs row-major = nrhs×n column-major; dgetrs needs the n×nrhs column-major
  // layout, so solve one right-hand side (a contiguous column) at a time via a copy.
  const int nn = static_cast<int>(n), one = 1;
  std::vector<int> ipiv(static_cast<size_t>(std::max(1, nn)));
  for (int i = 0; i < nn; ++i) ipiv[i] = static_cast<int>(pivots[i]) + 1;
  std::vector<double> col(static_cast<size_t>(n));
  const char trans = 'T';
  for (int64_t j = 0; j < nrhs; ++j) {
    for (int64_t i = 0; i < n; ++i) col[i] = b[i * nrhs + j];
    int info = 0;
    dgetrs_(&trans, &nn, &one, lu, &nn, ipiv.data(), col.data(), &nn, &info);
    for (int64_t i = 0; i < n; ++i) b[i * nrhs + j] = col[i];
  }
}

const char* name() { return "openblas"; }
bool has_openblas() { return true; }
int threads() { return openblas_get_num_threads(); }

}  // namespace ssm::blas
