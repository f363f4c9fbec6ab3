// The one internal BLAS/LAPACK interface of the core. Two implementations are chosen at
// build time: blas_openblas.cc (cblas + the Fortran LAPACK symbols in libopenblas) and
// blas_portable.cc (reference loops; always used in WebAssembly).
#ifndef SSM_POISON_CORE_BLAS_H
#define SSM_POISON_CORE_BLAS_H

#include <cstdint>

namespace ssm::blas {

// C = alpha · op(A) · op(B) + beta · C, row-major; op(X) = Xᵀ when trans_x.
// op(A) is m×k, op(B) is k×n, C is m×n; lda/ldb/ldc are row strides.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
          int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc);

// LU factorization with partial pivoting of the n×n row-major matrix a, in place. The
// factors and the n pivots are opaque: only lu_solve of the same implementation reads
// them. Returns 0, or k+1 when the k-th pivot is exactly 0 (singular).
int lu_factor(int64_t n, double* a, int64_t* pivots);

// Solves A x = b for nrhs right-hand sides (b is n×nrhs row-major, overwritten by x)
// with the factors of lu_factor.
void lu_solve(int64_t n, const double* lu, const int64_t* pivots, int64_t nrhs, double* b);

const char* name();
bool has_openblas();
int threads();

}  // namespace ssm::blas

#endif
