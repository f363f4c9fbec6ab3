// Portable reference loops for the BLAS/LAPACK interface (no OpenBLAS; WebAssembly).
#include <cstddef>
#include <vector>

#include "blas.h"
#include "fixed_order.h"

namespace ssm::blas {

namespace {
inline double at(const double* x, int64_t ld, bool trans, int64_t row, int64_t col) {
  return trans ? x[col * ld + row] : x[row * ld + col];
}
}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
          int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    double* ci = c + i * ldc;
    if (beta == 0.0) {
      for (int64_t j = 0; j < n; ++j) ci[j] = 0.0;
    } else if (beta != 1.0) {
      for (int64_t j = 0; j < n; ++j) ci[j] *= beta;
    }
  }
  if (!trans_b) {
    // i-p-j order: the innermost loop walks a row of B and a row of C contiguously.
    for (int64_t i = 0; i < m; ++i) {
      double* ci = c + i * ldc;
      for (int64_t p = 0; p < k; ++p) {
        const double s = alpha * at(a, lda, trans_a, i, p);
        if (s == 0.0) continue;
        const double* bp = b + p * ldb;
        for (int64_t j = 0; j < n; ++j) ci[j] += s * bp[j];
      }
    }
    return;
  }
  // op(B) = Bᵀ: C[i][j] = Σ_p A[i][p] B[j][p], a dot product of two contiguous rows when A
  // is not transposed. Four accumulators keep the loop vectorizable without reassociation.
  std::vector<double> arow(static_cast<size_t>(k));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t p = 0; p < k; ++p) arow[p] = at(a, lda, trans_a, i, p);
    double* ci = c + i * ldc;
    for (int64_t j = 0; j < n; ++j) {
      const double* bj = b + j * ldb;
      double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      int64_t p = 0;
      for (; p + 4 <= k; p += 4) {
        s0 += arow[p] * bj[p];
        s1 += arow[p + 1] * bj[p + 1];
        s2 += arow[p + 2] * bj[p + 2];
        s3 += arow[p + 3] * bj[p + 3];
      }
      for (; p < k; ++p) s0 += arow[p] * bj[p];
      ci[j] += alpha * ((s0 + s1) + (s2 + s3));
    }
  }
}

// The fixed-order LU of the gradient flows (fixed_order.cc) is this implementation's LU.
int lu_factor(int64_t n, double* a, int64_t* pivots) { return fixed_order::lu_factor(n, a, pivots); }

void lu_solve(int64_t n, const double* lu, const int64_t* pivots, int64_t nrhs, double* b) {
  fixed_order::lu_solve(n, lu, pivots, nrhs, b);
}

const char* name() { return "portable"; }
bool has_openblas() { return false; }
int threads() { return 1; }

}  // namespace ssm::blas
