// The MLP head that follows the SSM (SPEC §1): z (the SSM's scalar output) →
// u_1 = relu(z·D_1) (D_1: 1×m) → u_k = relu(u_{k−1} D_k) (D_k: m×m, k = 2 … depth) →
// y = u_depth · D_out (D_out: m×1); no biases. Weights are one flat vector in the order
// D_1, D_2, …, D_depth (row-major: D_k[i·m + j] maps u_{k−1,i} to unit j), D_out.
#ifndef SSM_POISON_CORE_MLP_H
#define SSM_POISON_CORE_MLP_H

#include <cstdint>
#include <vector>

namespace ssm {

class MlpHead {
 public:
  MlpHead(int64_t width, int64_t depth, const double* weights);

  static int64_t size(int64_t width, int64_t depth) { return 2 * width + (depth - 1) * width * width; }
  int64_t size() const { return static_cast<int64_t>(w_.size()); }
  std::vector<double>& weights() { return w_; }
  const std::vector<double>& weights() const { return w_; }
  std::vector<double>& grad() { return g_; }

  // Room for the activations of `slots` forward passes kept for backward.
  void reserve(int64_t slots);
  void zero_grad();
  // y for input z, keeping the activations in `slot`.
  double forward(double z, int64_t slot);
  // Accumulates ∂L/∂weights for the pass in `slot` with ∂L/∂y = gy; returns ∂L/∂z (ξ·gy).
  double backward(double z, int64_t slot, double gy);
  // y for input z, nothing kept.
  double predict(double z) const;
  // Σ over the weight tensors (D_1, each D_k, D_out) of the Frobenius norm of g_.
  double grad_norm_sum() const;

 private:
  const double* layer(int64_t k) const { return w_.data() + (k == 0 ? 0 : width_ + (k - 1) * width_ * width_); }
  int64_t out_offset() const { return width_ + (depth_ - 1) * width_ * width_; }

  int64_t width_, depth_;
  std::vector<double> w_, g_;
  std::vector<double> pre_;  // slots × depth × width pre-activations
  mutable std::vector<double> u_, v_;
};

}  // namespace ssm

#endif
