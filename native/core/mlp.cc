#include "mlp.h"

#include <algorithm>
#include <cmath>

#include "checks.h"
#include "ssm_train.h"

namespace ssm {

MlpHead::MlpHead(int64_t width, int64_t depth, const double* weights)
    : width_(width), depth_(depth), w_(weights, weights + size(width, depth)), g_(w_.size()),
      u_(static_cast<size_t>(width)), v_(static_cast<size_t>(width)) {}

void MlpHead::reserve(int64_t slots) { pre_.resize(static_cast<size_t>(slots * depth_ * width_)); }

void MlpHead::zero_grad() { std::fill(g_.begin(), g_.end(), 0.0); }

double MlpHead::forward(double z, int64_t slot) {
  const int64_t m = width_;
  double* pre = pre_.data() + slot * depth_ * m;
  const double* d1 = layer(0);
  for (int64_t j = 0; j < m; ++j) pre[j] = z * d1[j];
  for (int64_t k = 1; k < depth_; ++k) {
    const double* prev = pre + (k - 1) * m;
    double* cur = pre + k * m;
    const double* D = layer(k);
    std::fill(cur, cur + m, 0.0);
    for (int64_t i = 0; i < m; ++i) {
      const double ui = std::max(prev[i], 0.0);
      if (ui == 0.0) continue;
      for (int64_t j = 0; j < m; ++j) cur[j] += ui * D[i * m + j];
    }
  }
  const double* last = pre + (depth_ - 1) * m;
  const double* out = w_.data() + out_offset();
  double y = 0.0;
  for (int64_t j = 0; j < m; ++j) y += std::max(last[j], 0.0) * out[j];
  return y;
}

double MlpHead::backward(double z, int64_t slot, double gy) {
  const int64_t m = width_;
  const double* pre = pre_.data() + slot * depth_ * m;
  const double* out = w_.data() + out_offset();
  double* g_out = g_.data() + out_offset();
  const double* last = pre + (depth_ - 1) * m;
  // δ_j = ∂L/∂pre_j of the last hidden layer (relu' = 1 above 0, else 0, as Keras)
  for (int64_t j = 0; j < m; ++j) {
    const double u = std::max(last[j], 0.0);
    g_out[j] += gy * u;
    u_[j] = last[j] > 0.0 ? gy * out[j] : 0.0;
  }
  for (int64_t k = depth_ - 1; k >= 1; --k) {
    const double* prev = pre + (k - 1) * m;
    const double* D = layer(k);
    double* gD = g_.data() + (layer(k) - w_.data());
    for (int64_t i = 0; i < m; ++i) {
      const double ui = std::max(prev[i], 0.0);
      double back = 0.0;
      for (int64_t j = 0; j < m; ++j) {
        gD[i * m + j] += ui * u_[j];
        back += D[i * m + j] * u_[j];
      }
      v_[i] = prev[i] > 0.0 ? back : 0.0;
    }
    std::swap(u_, v_);
  }
  const double* d1 = layer(0);
  double gz = 0.0;
  for (int64_t j = 0; j < m; ++j) {
    g_[j] += z * u_[j];
    gz += d1[j] * u_[j];
  }
  return gz;
}

double MlpHead::predict(double z) const {
  const int64_t m = width_;
  const double* d1 = layer(0);
  for (int64_t j = 0; j < m; ++j) u_[j] = std::max(z * d1[j], 0.0);
  for (int64_t k = 1; k < depth_; ++k) {
    const double* D = layer(k);
    std::fill(v_.begin(), v_.end(), 0.0);
    for (int64_t i = 0; i < m; ++i)
      if (u_[i] != 0.0)
        for (int64_t j = 0; j < m; ++j) v_[j] += u_[i] * D[i * m + j];
    for (int64_t j = 0; j < m; ++j) u_[j] = std::max(v_[j], 0.0);
  }
  const double* out = w_.data() + out_offset();
  double y = 0.0;
  for (int64_t j = 0; j < m; ++j) y += u_[j] * out[j];
  return y;
}

double MlpHead::grad_norm_sum() const {
  auto norm = [&](int64_t from, int64_t count) {
    double s = 0.0;
    for (int64_t i = from; i < from + count; ++i) s += g_[i] * g_[i];
    return std::sqrt(s);
  };
  const int64_t m = width_;
  double total = norm(0, m);
  for (int64_t k = 1; k < depth_; ++k) total += norm(m + (k - 1) * m * m, m * m);
  return total + norm(out_offset(), m);
}

}  // namespace ssm

extern "C" ssm_status ssm_mlp_predict(int64_t width, int64_t depth, const double* weights, int64_t n, const double* z,
                                      double* y) {
  using namespace ssm;
  if (width < 1 || depth < 1 || n < 1 || !weights || !z || !y || element_count({width, width, depth}) < 0 ||
      element_count({n}) < 0 || !all_finite(weights, MlpHead::size(width, depth)) || !all_finite(z, n))
    return SSM_E_INVALID_ARGUMENT;
  return guarded([&] {
    const MlpHead head(width, depth, weights);
    for (int64_t k = 0; k < n; ++k) y[k] = head.predict(z[k]);
    return SSM_OK;
  });
}
