// Gradient-descent training loops (SPEC §5): every epoch of every student in native code,
// students in parallel. One epoch = one pass over the student's N sequences (one step at
// full batch, ⌈N/B⌉ steps with minibatches).
//
// Epoch e steps from θ_e to θ_{e+1}; then, as the official Keras callbacks do at the end of
// an epoch (common/callbacks.py), the loss of θ_{e+1} is tested against eps (before the
// fix_B_C reset), B and C are reset (fix_B_C), and a logged row describes θ_{e+1} (its
// loss, extrapolation error, |a|, rank, γ) with the learning rate of the step that made it.
// The gradient evaluated for that loss is the one epoch e+1 steps with, so full-batch
// training still costs one evaluation per epoch. When the loss reaches eps after epoch s,
// epochs_after_stop more run; the post-stop rows are logged at p = 0, log_every, …
// (p = e − s − 1), and the last of them is what the official code reports.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <vector>
#if !defined(SSM_SINGLE_THREAD)
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#endif

#include "blas.h"
#include "checks.h"
#include "kernels.h"
#include "mlp.h"
#include "parallel.h"
#include "ssm_train.h"

namespace ssm {
namespace {

using Clock = std::chrono::steady_clock;

bool valid_optimizer(const ssm_optimizer& o) {
  const bool common = o.lr > 0 && std::isfinite(o.lr) && o.weight_decay >= 0 && std::isfinite(o.weight_decay);
  switch (o.kind) {
    case SSM_OPT_GD: return common;
    case SSM_OPT_ADAPTIVE: return common && o.beta >= 0 && o.beta < 1 && o.soft >= 0 && std::isfinite(o.soft);
    case SSM_OPT_ADAM:
      return common && o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1 && o.epsilon > 0 &&
             std::isfinite(o.epsilon);
    default: return false;
  }
}

// Sizes of the per-student log rows.
struct LogShape {
  int64_t d, gammas, rows;
};

// One student's run: parameters, optimizer state and work buffers, all allocated once.
class StudentRun {
 public:
  StudentRun(const ssm_train_config& cfg, int64_t s, ssm_train_output* out)
      : cfg_(cfg), out_(out), s_(s), d_(cfg.students.dim), N_(cfg.count), K_(cfg.length),
        x_(cfg.x + s * N_ * K_), targets_(cfg.targets + s * N_),
        a_(cfg.students.a + s * d_, cfg.students.a + (s + 1) * d_),
        b_(cfg.students.b + s * d_, cfg.students.b + (s + 1) * d_),
        c_(cfg.students.c + s * d_, cfg.students.c + (s + 1) * d_),
        ga_(d_), gb_(d_), gc_(d_), poly_(d_), dpoly_(d_), hrev_(K_), erev_(K_), y_(N_), r_(N_),
        impulse_work_(impulse_work_size(d_)), poly_work_(e_polynomials_work_size(d_)),
        ma_(d_), va_(d_), mb_(d_), vb_(d_), mc_(d_), vc_(d_), prev_a_(a_), prev_b_(b_), prev_c_(c_), rows_(N_),
        sorted_(d_) {
    const int bits = cfg.train | (cfg.fix_bc ? SSM_TRAIN_B | SSM_TRAIN_C : 0);
    train_a_ = bits & SSM_TRAIN_A;
    train_b_ = bits & SSM_TRAIN_B;
    train_c_ = bits & SSM_TRAIN_C;
    batch_ = cfg.batch_size <= 0 || cfg.batch_size >= N_ ? N_ : cfg.batch_size;
    for (int64_t n = 0; n < N_; ++n) rows_[n] = n;
    if (batch_ < N_) ssm_mt_seed(&mt_, cfg.batch_seed + static_cast<uint32_t>(s));
    if (cfg.teacher.a) ext_ = std::make_unique<ExtrapolationError>(cfg.teacher, cfg.ext_from, cfg.ext_to, d_);
    if (cfg.mlp.width > 0) {
      const int64_t P = MlpHead::size(cfg.mlp.width, cfg.mlp.depth);
      mlp_ = std::make_unique<MlpHead>(cfg.mlp.width, cfg.mlp.depth, cfg.mlp.weights + s * P);
      mlp_->reserve(N_);
      train_mlp_ = cfg.train & SSM_TRAIN_MLP;
      mm_.assign(static_cast<size_t>(P), 0.0), mv_.assign(static_cast<size_t>(P), 0.0);
    }
    if (cfg.test_count > 0) {
      test_x_ = cfg.test_x + s * cfg.test_count * cfg.test_length;
      test_targets_ = cfg.test_targets + s * cfg.test_count;
      test_hrev_.resize(static_cast<size_t>(cfg.test_length));
    }
  }

  std::atomic<int64_t> epoch{0};
  std::atomic<double> last_loss{NAN};
#if defined(SSM_SINGLE_THREAD)
  // No watching thread: called between chunks of epochs, after epoch/last_loss are stored,
  // so the caller reports progress (and may set cfg.abort) between them. A chunk is 1024
  // epochs of a small problem, fewer (down to one) as an epoch grows: about 2^17 units of
  // epoch_work() (under a millisecond in WebAssembly), so an abort from the caller's
  // progress handler lands within about a millisecond.
  std::function<void()> on_chunk;
#endif

  // A rough count of the values one epoch touches: inputs, kernel, polynomials, MLP head.
  int64_t epoch_work() const {
    const int64_t head = cfg_.mlp.width > 0 ? MlpHead::size(cfg_.mlp.width, cfg_.mlp.depth) : 0;
    return N_ * K_ + d_ * K_ + d_ * d_ + N_ * head;
  }

  static int64_t chunk_mask(int64_t work) {
#if defined(SSM_SINGLE_THREAD)
    int64_t chunk = 1024;
    while (chunk > 1 && work > (int64_t{1} << 17) / chunk) chunk /= 2;
    return chunk - 1;
#else
    (void)work;
    return 1023;
#endif
  }

  void run() {
    const int64_t max_epochs = cfg_.max_epochs;
    int64_t stop = -1, e = 0;
    int64_t to_log = 0;  // epochs until the next log row: p % log_every == 0 without a division
    int status = SSM_TRAIN_MAX_EPOCHS;
    // L(θ_0) and its gradient, which epoch 0 steps from (full batch).
    double loss = gradient(N_);
    const bool finite_start = std::isfinite(loss) && parameters_finite();
    if (!finite_start) {
      status = SSM_TRAIN_DIVERGED;
      out_->diverged_epoch[s_] = 0;
    }
    for (; finite_start && e < max_epochs; ++e) {
      if (cfg_.abort && *cfg_.abort) {
        status = SSM_TRAIN_ABORTED;
        break;
      }
      double lr = 0.0, gnorm = 0.0, stop_loss = NAN;
      loss = batch_ == N_ ? full_batch_epoch(lr, gnorm, stop_loss) : minibatch_epoch(lr, gnorm, stop_loss);
      if (!std::isfinite(loss) || !parameters_finite()) {
        status = SSM_TRAIN_DIVERGED;
        out_->diverged_epoch[s_] = e;
        // back to the last finite parameters (before the step that produced non-finite ones)
        if (!parameters_finite()) restore_previous();
        break;
      }
      const bool post = stop >= 0;
      const int64_t p = post ? e - stop - 1 : e;
      if (to_log == 0) {
        log_row(e, loss, lr, gnorm, post);
        to_log = cfg_.log_every;
      }
      --to_log;
      if ((e & chunk_mask_) == 0) {
        epoch.store(e, std::memory_order_relaxed);
        last_loss.store(loss, std::memory_order_relaxed);
#if defined(SSM_SINGLE_THREAD)
        if (on_chunk) on_chunk();
#endif
      }
      if (!post && stop_loss <= cfg_.eps) {
        stop = e;
        to_log = 0;  // the post-stop rows count from p = 0 (epoch stop + 1)
        out_->stop_epoch[s_] = e;
        if (cfg_.epochs_after_stop == 0) {
          ++e;
          status = SSM_TRAIN_CONVERGED;
          break;
        }
      } else if (post && p + 1 >= cfg_.epochs_after_stop) {
        ++e;
        status = SSM_TRAIN_CONVERGED;
        break;
      }
    }
    if (status == SSM_TRAIN_MAX_EPOCHS && stop >= 0) status = SSM_TRAIN_CONVERGED;  // capped after the stop
    out_->status[s_] = status;
    out_->epochs[s_] = e;
    epoch.store(e, std::memory_order_relaxed);
    finish();
  }

 private:
  // Loss at θ_e and ∇ into ga_/gb_/gc_, poly_/dpoly_/erev_ for the rows [0, nb) of rows_
  // (all rows, in order, at full batch).
  double gradient(int64_t nb) {
    impulse_one(d_, a_.data(), b_.data(), c_.data(), K_, true, hrev_.data(), impulse_work_.data());
    const bool full = nb == N_;
    if (full && N_ * K_ >= 4096) {
      blas::gemm(false, false, N_, 1, K_, 1.0, x_, K_, hrev_.data(), 1, 0.0, y_.data(), 1);
    } else {
      for (int64_t k = 0; k < nb; ++k) {
        const double* xn = x_ + rows_[k] * K_;
        double y = 0.0;
        for (int64_t t = 0; t < K_; ++t) y += xn[t] * hrev_[t];
        y_[k] = y;
      }
    }
    double loss = 0.0;
    if (mlp_) {
      mlp_->zero_grad();
      for (int64_t k = 0; k < nb; ++k) {
        // with a head, r_k becomes ξ_k r_k (SPEC §2): ∂L/∂z_k = (2/nb) ξ_k r_k
        const double y = mlp_->forward(y_[k], k);
        const double r = y - targets_[full ? k : rows_[k]];
        loss += r * r;
        r_[k] = mlp_->backward(y_[k], k, r);
      }
    } else {
      // No head: the same sums in a loop without calls, so loss stays in a register.
      const double* y = y_.data();
      double* res = r_.data();
      for (int64_t k = 0; k < nb; ++k) {
        const double r = y[k] - targets_[full ? k : rows_[k]];
        loss += r * r;
        res[k] = r;
      }
    }
    loss /= static_cast<double>(nb);
    const double scale = 2.0 / static_cast<double>(nb);
    if (mlp_) {
      const double wd = 2.0 * cfg_.optimizer.weight_decay;
      std::vector<double>& g = mlp_->grad();
      const std::vector<double>& w = mlp_->weights();
      for (size_t i = 0; i < g.size(); ++i) g[i] = scale * g[i] + wd * w[i];
    }
    if (full && N_ * K_ >= 4096) {
      blas::gemm(true, false, K_, 1, N_, scale, x_, K_, r_.data(), 1, 0.0, erev_.data(), 1);
    } else {
      // e_t = Σ_k (scale·r_k) x_{k,t} over k ascending, accumulated in registers four t at a
      // time (row by row into erev_ the sums waited on store-to-load forwarding); the same
      // products added in the same order.
      double* erev = erev_.data();
      const double* res = r_.data();
      const int64_t* rows = rows_.data();
      int64_t t0 = 0;
      for (; t0 + 4 <= K_; t0 += 4) {
        double acc0 = 0.0, acc1 = 0.0, acc2 = 0.0, acc3 = 0.0;
        for (int64_t k = 0; k < nb; ++k) {
          const double rk = scale * res[k];
          const double* xk = x_ + rows[k] * K_ + t0;
          acc0 += rk * xk[0];
          acc1 += rk * xk[1];
          acc2 += rk * xk[2];
          acc3 += rk * xk[3];
        }
        erev[t0] = acc0, erev[t0 + 1] = acc1, erev[t0 + 2] = acc2, erev[t0 + 3] = acc3;
      }
      const int64_t rest = K_ - t0;
      if (rest > 0) {
        double acc0 = 0.0, acc1 = 0.0, acc2 = 0.0;
        for (int64_t k = 0; k < nb; ++k) {
          const double rk = scale * res[k];
          const double* xk = x_ + rows[k] * K_ + t0;
          acc0 += rk * xk[0];
          if (rest > 1) acc1 += rk * xk[1];
          if (rest > 2) acc2 += rk * xk[2];
        }
        erev[t0] = acc0;
        if (rest > 1) erev[t0 + 1] = acc1;
        if (rest > 2) erev[t0 + 2] = acc2;
      }
    }
    // SPEC §2: ∂L/∂a_i = c_i b_i E'(a_i), ∂L/∂b_i = c_i E(a_i), ∂L/∂c_i = b_i E(a_i)
    e_polynomials_into(d_, a_.data(), K_, erev_.data(), poly_.data(), dpoly_.data(), nullptr, poly_work_.data());
    const double wd = 2.0 * cfg_.optimizer.weight_decay;
    for (int64_t i = 0; i < d_; ++i) {
      ga_[i] = c_[i] * b_[i] * dpoly_[i] + wd * a_[i];
      gb_[i] = c_[i] * poly_[i] + wd * b_[i];
      gc_[i] = b_[i] * poly_[i] + wd * c_[i];
    }
    return loss;
  }

  // The adaptive rule's Σ_tensors ‖∇‖_F, the recurrent kernel's gradient as the full d×d
  // matrix (its off-diagonal part is what the diagonal constraint later discards).
  double gradient_norm() const {
    double total = 0.0;
    if (train_a_) {
      double kn = kernel_grad_norm_fast(d_, a_.data(), b_.data(), c_.data(), K_, erev_.data(), poly_.data(),
                                        dpoly_.data());
      if (cfg_.optimizer.weight_decay > 0) {  // decay adds 2λa_i on the diagonal only
        double sq = kn * kn;
        for (int64_t i = 0; i < d_; ++i) {
          const double g0 = c_[i] * b_[i] * dpoly_[i];
          sq += ga_[i] * ga_[i] - g0 * g0;
        }
        kn = std::sqrt(std::max(sq, 0.0));
      }
      total += kn;
    }
    auto norm2 = [](const std::vector<double>& g) {
      double s = 0.0;
      for (double v : g) s += v * v;
      return std::sqrt(s);
    };
    if (train_b_) total += norm2(gb_);
    if (train_c_) total += norm2(gc_);
    if (train_mlp_) total += mlp_->grad_norm_sum();
    return total;
  }

  // One optimizer step from the gradient in ga_/gb_/gc_; returns the learning rate used.
  double step(double& gnorm) {
    const ssm_optimizer& o = cfg_.optimizer;
    double lr = o.lr;
    if (mlp_) prev_mlp_ = mlp_->weights();
    if (o.kind == SSM_OPT_ADAPTIVE) {
      // SPEC §5: g_t = β g_{t−1} + (1−β) Σ‖∇‖_F, lr_t = lr / (√(g_t / (1 − β^{t+1})) + soft)
      gnorm = gradient_norm();
      g_avg_ = o.beta * g_avg_ + (1.0 - o.beta) * gnorm;
      beta_power_ *= o.beta;
      lr = o.lr / (std::sqrt(g_avg_ / (1.0 - beta_power_)) + o.soft);
    }
    // θ_e is kept in prev_*: a trained tensor's buffers are swapped and θ_{e+1} written from
    // prev_* (no copy); an untrained tensor never changes, so prev_* holds it already.
    if (train_a_) a_.swap(prev_a_);
    if (train_b_) b_.swap(prev_b_);
    if (train_c_) c_.swap(prev_c_);
    if (o.kind == SSM_OPT_ADAM) {
      // Keras: m ← β1 m + (1−β1) g, v ← β2 v + (1−β2) g², θ ← θ − α m / (√v + ε),
      // α = lr √(1 − β2^t) / (1 − β1^t), t = step + 1
      beta1_power_ *= o.beta1;
      beta2_power_ *= o.beta2;
      const double alpha = o.lr * std::sqrt(1.0 - beta2_power_) / (1.0 - beta1_power_);
      // w_new = w − α m / (√v + ε), from w (in place for the head, from prev_* for a, b, c)
      auto adam = [&](std::vector<double>& out, const std::vector<double>& w, const std::vector<double>& g,
                      std::vector<double>& m, std::vector<double>& v) {
        for (size_t i = 0; i < w.size(); ++i) {
          m[i] = o.beta1 * m[i] + (1.0 - o.beta1) * g[i];
          v[i] = o.beta2 * v[i] + (1.0 - o.beta2) * g[i] * g[i];
          out[i] = w[i] - alpha * m[i] / (std::sqrt(v[i]) + o.epsilon);
        }
      };
      if (train_a_) adam(a_, prev_a_, ga_, ma_, va_);
      if (train_b_) adam(b_, prev_b_, gb_, mb_, vb_);
      if (train_c_) adam(c_, prev_c_, gc_, mc_, vc_);
      if (train_mlp_) adam(mlp_->weights(), mlp_->weights(), mlp_->grad(), mm_, mv_);
      lr = alpha;
    } else {
      if (train_a_)
        for (int64_t i = 0; i < d_; ++i) a_[i] = prev_a_[i] - lr * ga_[i];
      if (train_b_)
        for (int64_t i = 0; i < d_; ++i) b_[i] = prev_b_[i] - lr * gb_[i];
      if (train_c_)
        for (int64_t i = 0; i < d_; ++i) c_[i] = prev_c_[i] - lr * gc_[i];
      if (train_mlp_) {
        std::vector<double>& w = mlp_->weights();
        const std::vector<double>& g = mlp_->grad();
        for (size_t i = 0; i < w.size(); ++i) w[i] -= lr * g[i];
      }
    }
    ++steps_;
    return lr;
  }

  // Epoch e at full batch: the step from θ_e (whose gradient the previous evaluation left in
  // ga_/gb_/gc_ and the head) to θ_{e+1}, then L(θ_{e+1}) and its gradient for the next
  // epoch. stop_loss is what the official StoppingCallback tests: the loss after the step,
  // before fix_B_C's reset.
  double full_batch_epoch(double& lr, double& gnorm, double& stop_loss) {
    lr = step(gnorm);
    if (cfg_.fix_bc) stop_loss = reset_bc();
    const double loss = gradient(N_);
    if (!cfg_.fix_bc) stop_loss = loss;
    return loss;
  }

  // Keras-style minibatch epoch: rows shuffled, one step per batch; then, like the official
  // callbacks, the full-batch loss of the parameters the epoch ends with.
  double minibatch_epoch(double& lr, double& gnorm, double& stop_loss) {
    for (int64_t n = N_ - 1; n > 0; --n) {  // Fisher–Yates with MT19937 doubles
      double u;
      ssm_mt_random_sample(&mt_, 1, &u);
      std::swap(rows_[n], rows_[static_cast<int64_t>(u * static_cast<double>(n + 1))]);
    }
    for (int64_t start = 0; start < N_; start += batch_) {
      const int64_t nb = std::min(batch_, N_ - start);
      std::rotate(rows_.begin(), rows_.begin() + start, rows_.end());  // batch rows first
      const double loss = gradient(nb);
      std::rotate(rows_.begin(), rows_.begin() + (N_ - start), rows_.end());
      if (!std::isfinite(loss)) return loss;
      lr = step(gnorm);
    }
    if (cfg_.fix_bc) stop_loss = reset_bc();
    const double loss = full_loss();
    if (!cfg_.fix_bc) stop_loss = loss;
    return loss;
  }

  // fix_B_C (the official LoggingCallback, which runs after the StoppingCallback): b and c
  // back to ones at the end of every epoch. Returns the loss before the reset.
  double reset_bc() {
    const double before = full_loss();
    std::fill(b_.begin(), b_.end(), 1.0);
    std::fill(c_.begin(), c_.end(), 1.0);
    return before;
  }

  // The full-batch train loss at the current parameters (forward only).
  double full_loss() {
    impulse_one(d_, a_.data(), b_.data(), c_.data(), K_, true, hrev_.data(), impulse_work_.data());
    double loss = 0.0;
    for (int64_t n = 0; n < N_; ++n) {
      const double* xn = x_ + n * K_;
      double z = 0.0;
      for (int64_t t = 0; t < K_; ++t) z += xn[t] * hrev_[t];
      const double r = (mlp_ ? mlp_->predict(z) : z) - targets_[n];
      loss += r * r;
    }
    return loss / static_cast<double>(N_);
  }

  void restore_previous() {
    if (steps_ == 0) return;
    a_ = prev_a_, b_ = prev_b_, c_ = prev_c_;
    if (mlp_) mlp_->weights() = prev_mlp_;
  }

  bool parameters_finite() const {
    return all_finite(a_.data(), d_) && all_finite(b_.data(), d_) && all_finite(c_.data(), d_) &&
           (!mlp_ || all_finite(mlp_->weights().data(), mlp_->size()));
  }

  // ‖ŷ − y*‖₂ / ‖y*‖₂ on the test sequences (SPEC §7) at the current parameters.
  double test_error() {
    if (!test_x_) return NAN;
    const int64_t T = cfg_.test_count, L = cfg_.test_length;
    impulse_one(d_, a_.data(), b_.data(), c_.data(), L, true, test_hrev_.data(), impulse_work_.data());
    double num = 0.0, den = 0.0;
    for (int64_t n = 0; n < T; ++n) {
      const double* xn = test_x_ + n * L;
      double z = 0.0;
      for (int64_t t = 0; t < L; ++t) z += xn[t] * test_hrev_[t];
      const double y = mlp_ ? mlp_->predict(z) : z;
      num += (y - test_targets_[n]) * (y - test_targets_[n]);
      den += test_targets_[n] * test_targets_[n];
    }
    return std::sqrt(num) / std::sqrt(den);
  }


  void metrics(const double* a, double& ext, double& rank) {
    ssm_models m{1, d_, a, b_.data(), c_.data()};
    ext = ext_ ? (*ext_)(d_, a, b_.data(), c_.data()) : NAN;
    rank = NAN;
    ssm_effective_rank(&m, &rank);
  }

  void log_row(int64_t e, double loss, double lr, double gnorm, bool post) {
    int64_t& row = out_->log_count[s_];
    if (row >= cfg_.max_logs) {
      ++out_->logs_dropped[s_];
      return;
    }
    const int64_t at = s_ * cfg_.max_logs + row;
    if (out_->log_epoch) out_->log_epoch[at] = e;
    if (out_->log_loss) out_->log_loss[at] = loss;
    if (out_->log_lr) out_->log_lr[at] = lr;
    if (out_->log_grad_norm) out_->log_grad_norm[at] = gnorm;
    // the row describes θ_{e+1}, the parameters this epoch ends with (the official
    // LoggingCallback.on_epoch_end); γ comes from their full-batch e (left by gradient())
    {
      double ext, rank;
      metrics(a_.data(), ext, rank);
      if (out_->log_ext_error) out_->log_ext_error[at] = ext;
      if (out_->log_eff_rank) out_->log_eff_rank[at] = rank;
      if (out_->log_test_error) out_->log_test_error[at] = test_error();
      if (out_->log_abs_a) {
        for (int64_t i = 0; i < d_; ++i) sorted_[i] = std::fabs(a_[i]);
        std::sort(sorted_.begin(), sorted_.end(), std::greater<double>());
        std::copy(sorted_.begin(), sorted_.end(), out_->log_abs_a + at * d_);
      }
      if (out_->log_gamma) {
        // γ^(k) = −(k+1) e_{k+1} (Proposition 1) of the full batch at θ_e; erev_[t] = e_{K−1−t}
        if (batch_ < N_) full_batch_e();
        double* g = out_->log_gamma + at * (K_ - 1);
        for (int64_t k = 0; k + 1 < K_; ++k) g[k] = -static_cast<double>(k + 1) * erev_[K_ - 2 - k];
      }
    }
    if (post) out_->reported[s_] = row;
    ++row;
  }

  // e of the full batch at the current parameters (minibatch mode logs the full-batch γ).
  void full_batch_e() {
    std::vector<int64_t> saved_rows = rows_;
    for (int64_t n = 0; n < N_; ++n) rows_[n] = n;
    gradient(N_);
    rows_ = saved_rows;
  }

  void finish() {
    std::copy(a_.begin(), a_.end(), out_->final_a + s_ * d_);
    std::copy(b_.begin(), b_.end(), out_->final_b + s_ * d_);
    std::copy(c_.begin(), c_.end(), out_->final_c + s_ * d_);
    for (int64_t n = 0; n < N_; ++n) rows_[n] = n;
    out_->final_loss[s_] = gradient(N_);
    double ext, rank;
    metrics(a_.data(), ext, rank);
    out_->final_ext_error[s_] = ext;
    if (mlp_ && out_->final_mlp) std::copy(mlp_->weights().begin(), mlp_->weights().end(), out_->final_mlp + s_ * mlp_->size());
    if (out_->final_test_error) out_->final_test_error[s_] = test_error();
    last_loss.store(out_->final_loss[s_], std::memory_order_relaxed);
  }

  const ssm_train_config& cfg_;
  ssm_train_output* out_;
  const int64_t s_, d_, N_, K_;
  // Epochs between progress stores: a power of two minus one (see on_chunk).
  const int64_t chunk_mask_ = chunk_mask(epoch_work());
  const double* x_;
  const double* targets_;
  std::vector<double> a_, b_, c_, ga_, gb_, gc_, poly_, dpoly_, hrev_, erev_, y_, r_;
  std::vector<double> impulse_work_, poly_work_;
  std::vector<double> ma_, va_, mb_, vb_, mc_, vc_;
  std::vector<double> prev_a_, prev_b_, prev_c_;
  std::vector<int64_t> rows_;
  std::vector<double> sorted_;
  bool train_a_ = false, train_b_ = false, train_c_ = false;
  int64_t batch_ = 0, steps_ = 0;
  double g_avg_ = 0.0, beta_power_ = 1.0, beta1_power_ = 1.0, beta2_power_ = 1.0;
  ssm_mt19937 mt_{};
  std::unique_ptr<ExtrapolationError> ext_;
  std::unique_ptr<MlpHead> mlp_;
  bool train_mlp_ = false;
  std::vector<double> mm_, mv_, prev_mlp_, test_hrev_;
  const double* test_x_ = nullptr;
  const double* test_targets_ = nullptr;
};

bool valid_config(const ssm_train_config* c, const ssm_train_output* o) {
  if (!c || !o || !valid_models(&c->students)) return false;
  const int64_t S = c->students.count, d = c->students.dim;
  const int64_t xs = element_count({S, c->count, c->length});
  const int64_t ts = element_count({S, c->count});
  if (xs < 0 || ts < 0 || !c->x || !c->targets || !all_finite(c->x, xs) || !all_finite(c->targets, ts)) return false;
  if ((c->train & ~15) != 0 || (c->train == 0 && !c->fix_bc)) return false;
  if (c->mlp.width < 0 || (c->mlp.width == 0 && (c->train & SSM_TRAIN_MLP))) return false;
  if (c->mlp.width > 0) {
    if (c->mlp.depth < 1 || !c->mlp.weights || element_count({c->mlp.width, c->mlp.width, c->mlp.depth}) < 0) return false;
    const int64_t P = MlpHead::size(c->mlp.width, c->mlp.depth);
    if (element_count({S, P}) < 0 || !all_finite(c->mlp.weights, S * P)) return false;
  }
  if (c->test_count < 0) return false;
  if (c->test_count > 0) {
    const int64_t tx = element_count({S, c->test_count, c->test_length});
    if (tx < 0 || !c->test_x || !c->test_targets || !all_finite(c->test_x, tx) ||
        !all_finite(c->test_targets, S * c->test_count))
      return false;
  }
  if (c->mlp.width > 0 && !o->final_mlp) return false;
  if (!valid_optimizer(c->optimizer) || c->batch_size < 0 || !(c->eps >= 0) || c->max_epochs < 1 ||
      c->epochs_after_stop < 0 || c->log_every < 1 || c->max_logs < 0)
    return false;
  if (c->teacher.a) {
    if (c->teacher.count != 1 || !valid_models(&c->teacher) || c->ext_from < 0 || c->ext_to < c->ext_from) return false;
  }
  if (!o->final_a || !o->final_b || !o->final_c || !o->final_loss || !o->final_ext_error || !o->status ||
      !o->epochs || !o->stop_epoch || !o->diverged_epoch || !o->log_count || !o->logs_dropped || !o->reported)
    return false;
  if (c->max_logs > 0 && (element_count({S, c->max_logs, d}) < 0 ||
                          (c->length > 1 && element_count({S, c->max_logs, c->length - 1}) < 0)))
    return false;
  if (c->max_logs == 0 && (o->log_epoch || o->log_loss || o->log_ext_error || o->log_abs_a || o->log_eff_rank ||
                           o->log_gamma || o->log_lr || o->log_grad_norm))
    return false;
  return true;
}

}  // namespace
}  // namespace ssm

extern "C" ssm_status ssm_train(const ssm_train_config* config, ssm_train_output* out, ssm_train_progress progress,
                                void* context) {
  using namespace ssm;
  if (!valid_config(config, out)) return SSM_E_INVALID_ARGUMENT;
  return guarded([&]() -> ssm_status {
    const int64_t S = config->students.count;
    for (int64_t s = 0; s < S; ++s) {
      out->stop_epoch[s] = out->diverged_epoch[s] = out->reported[s] = -1;
      out->log_count[s] = out->logs_dropped[s] = 0;
      out->epochs[s] = 0;
    }
    std::vector<std::unique_ptr<StudentRun>> runs;
    runs.reserve(static_cast<size_t>(S));
    for (int64_t s = 0; s < S; ++s) runs.push_back(std::make_unique<StudentRun>(*config, s, out));

    auto report = [&] {
      if (!progress) return;
      int64_t slowest = -1;
      double loss = NAN;
      for (const auto& r : runs) {
        const int64_t e = r->epoch.load(std::memory_order_relaxed);
        if (slowest < 0 || e < slowest) slowest = e, loss = r->last_loss.load(std::memory_order_relaxed);
      }
      progress(context, slowest, loss);
    };
#if defined(SSM_SINGLE_THREAD)
    // One thread, no exceptions (the WebAssembly build): the students run one after the
    // other on the calling thread, which reports the running student's epoch and loss
    // between chunks of epochs (the slowest student would be one that has not started).
    for (const auto& r : runs) {
      if (progress) {
        StudentRun* running = r.get();
        r->on_chunk = [=] { progress(context, running->epoch.load(), running->last_loss.load()); };
      }
      r->run();
    }
    if (progress) report();
#else
    const int64_t workers = std::min<int64_t>(student_threads(), S);
    std::atomic<int64_t> next{0}, done{0};
    std::mutex mutex;
    std::condition_variable finished;
    std::exception_ptr error;
    auto work = [&] {
      for (int64_t s = next++; s < S; s = next++) {
        try {
          runs[s]->run();
        } catch (...) {
          std::lock_guard<std::mutex> lock(mutex);
          if (!error) error = std::current_exception();
        }
        {
          std::lock_guard<std::mutex> lock(mutex);
          ++done;
        }
        finished.notify_all();
      }
    };
    // Without a progress callback the calling thread trains too; with one it only
    // watches, so reports keep coming while any student trains.
    std::vector<std::thread> pool;
    for (int64_t w = progress ? 0 : 1; w < workers; ++w) {
      try {
        pool.emplace_back(work);
      } catch (...) {
        break;  // could not start a thread: fewer workers
      }
    }
    if (!progress || pool.empty()) {
      work();
    } else {
      std::unique_lock<std::mutex> lock(mutex);
      while (done < S) {
        finished.wait_for(lock, std::chrono::milliseconds(50));
        lock.unlock();
        report();
        lock.lock();
      }
    }
    for (auto& t : pool) t.join();
    if (progress) report();
    if (error) std::rethrow_exception(error);
#endif
    return SSM_OK;
  });
}

extern "C" int64_t ssm_mlp_size(int64_t width, int64_t depth) {
  return width < 1 || depth < 1 || ssm::element_count({width, width, depth}) < 0 ? -1 : ssm::MlpHead::size(width, depth);
}
