// Gradient flow da/dt = −∇L(a) (and b, c when trained) integrated by the ODE solvers of
// ode.h, with outputs at requested times, convergence tests and progress (SPEC §6).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "checks.h"
#include "fixed_order.h"
#include "kernels.h"
#include "mlp.h"
#include "ode.h"
#include "ode_output.h"

namespace ssm {
namespace {

// The flow of one student as an ODE system; y packs the trained parameters (a, then b,
// then c, each d values, then the MLP head's weights when they move).
class FlowSystem final : public ode::System {
 public:
  explicit FlowSystem(const ssm_flow_config& cfg)
      : cfg_(cfg),
        d_(cfg.student.dim),
        a_(cfg.student.a, cfg.student.a + d_),
        b_(cfg.student.b, cfg.student.b + d_),
        c_(cfg.student.c, cfg.student.c + d_),
        ga_(d_), gb_(d_), gc_(d_), e_(static_cast<size_t>(cfg.x.length)), hrev_(e_.size()),
        impulse_work_(static_cast<size_t>(impulse_work_size(d_))),
        evaluator_(d_, cfg.x, cfg.targets) {
    if (cfg.teacher.a != nullptr)
      ext_ = std::make_unique<ExtrapolationError>(cfg.teacher, cfg.ext_from, cfg.ext_to, d_);
    for (int bit : {SSM_TRAIN_A, SSM_TRAIN_B, SSM_TRAIN_C})
      if (cfg.train & bit) blocks_.push_back(bit);
    if (cfg.mlp.width > 0) {
      mlp_ = std::make_unique<MlpHead>(cfg.mlp.width, cfg.mlp.depth, cfg.mlp.weights);
      mlp_->reserve(cfg.x.count);
      mlp_trained_ = (cfg.train & SSM_TRAIN_MLP) != 0;
      erev_.resize(e_.size()), poly_.resize(d_), dpoly_.resize(d_), r_.resize(cfg.x.count);
    }
  }

  int64_t size() const override {
    return d_ * static_cast<int64_t>(blocks_.size()) + (mlp_trained_ ? mlp_->size() : 0);
  }
  bool has_jacobian() const override { return true; }

  void pack(double* y) const {
    for (size_t k = 0; k < blocks_.size(); ++k) std::copy_n(param(blocks_[k]).data(), d_, y + k * d_);
    if (mlp_trained_) std::copy(mlp_->weights().begin(), mlp_->weights().end(), y + blocks_.size() * d_);
  }

  // Sets the model from y (the trained blocks).
  void unpack(const double* y) {
    for (size_t k = 0; k < blocks_.size(); ++k) std::copy_n(y + k * d_, d_, param(blocks_[k]).data());
    if (mlp_trained_) std::copy_n(y + blocks_.size() * d_, mlp_->size(), mlp_->weights().data());
  }

  void rhs(double, const double* y, double* f) override {
    unpack(y);
    if (mlp_) {
      head_gradient();
      write_field(f);
      return;
    }
    double loss = 0.0;
    fixed_order::Evaluation ev{};
    ev.loss = &loss;
    ev.grad_a = cfg_.train & SSM_TRAIN_A ? ga_.data() : nullptr;
    ev.grad_b = cfg_.train & SSM_TRAIN_B ? gb_.data() : nullptr;
    ev.grad_c = cfg_.train & SSM_TRAIN_C ? gc_.data() : nullptr;
    evaluate(ev);
    write_field(f);
  }

  // f = −∇L of the trained blocks from ga_/gb_/gc_ (and the head's gradient).
  void write_field(double* f) const {
    for (size_t k = 0; k < blocks_.size(); ++k) {
      const std::vector<double>& g = blocks_[k] == SSM_TRAIN_A ? ga_ : blocks_[k] == SSM_TRAIN_B ? gb_ : gc_;
      for (int64_t i = 0; i < d_; ++i) f[k * d_ + i] = -g[i];
    }
    if (mlp_trained_) {
      const std::vector<double>& g = mlp_->grad();
      double* fm = f + blocks_.size() * d_;
      for (size_t i = 0; i < g.size(); ++i) fm[i] = -g[i];
    }
  }

  // Loss and gradients through the MLP head (SPEC §2: r_n becomes ξ_n r_n): ga_/gb_/gc_,
  // the head's gradient and erev_ (erev_[t] = e_{K−1−t}).
  double head_gradient() {
    const int64_t K = cfg_.x.length, N = cfg_.x.count;
    impulse_one(d_, a_.data(), b_.data(), c_.data(), K, true, hrev_.data(), impulse_work_.data());
    mlp_->zero_grad();
    double loss = 0.0;
    for (int64_t n = 0; n < N; ++n) {
      const double* xn = cfg_.x.x + n * K;
      double z = 0.0;
      for (int64_t t = 0; t < K; ++t) z += xn[t] * hrev_[t];
      const double r = mlp_->forward(z, n) - cfg_.targets[n];
      loss += r * r;
      r_[n] = mlp_->backward(z, n, r);
    }
    const double scale = 2.0 / static_cast<double>(N);
    std::fill(erev_.begin(), erev_.end(), 0.0);
    for (int64_t n = 0; n < N; ++n) {
      const double* xn = cfg_.x.x + n * K;
      for (int64_t t = 0; t < K; ++t) erev_[t] += scale * r_[n] * xn[t];
    }
    for (double& g : mlp_->grad()) g *= scale;
    fixed_order::e_polynomials(d_, a_.data(), K, erev_.data(), poly_.data(), dpoly_.data(), nullptr);
    for (int64_t i = 0; i < d_; ++i) {
      ga_[i] = c_[i] * b_[i] * dpoly_[i];
      gb_[i] = c_[i] * poly_[i];
      gc_[i] = b_[i] * poly_[i];
    }
    loss /= static_cast<double>(N);
    return std::isfinite(loss) ? loss : NAN;
  }

  // J = ∂f/∂y = −Hessian: analytic when only a moves (SPEC §2), otherwise central
  // differences of the analytic gradient.
  void jacobian(double t, const double* y, double* J) override {
    const int64_t n = size();
    if (cfg_.train == SSM_TRAIN_A && !mlp_) {  // (through a head: differences below)
      unpack(y);
      double loss = 0.0;
      fixed_order::Evaluation ev{};
      ev.loss = &loss;
      ev.hessian = J;
      evaluate(ev);
      for (int64_t i = 0; i < n * n; ++i) J[i] = -J[i];
      return;
    }
    std::vector<double> yp(y, y + n), fp(n), fm(n);
    for (int64_t j = 0; j < n; ++j) {
      const double h = 6.0554544523933395e-06 * std::max(std::fabs(y[j]), 1e-3);  // eps^(1/3)
      yp[j] = y[j] + h;
      rhs(t, yp.data(), fp.data());
      yp[j] = y[j] - h;
      rhs(t, yp.data(), fm.data());
      yp[j] = y[j];
      for (int64_t i = 0; i < n; ++i) J[i * n + j] = (fp[i] - fm[i]) / (2 * h);
    }
  }

  struct Metrics {
    double loss, gamma0, ext_error, grad_norm;
  };

  // Loss, γ^(0), extrapolation error and ‖∇L‖ (trained parameters) at y.
  Metrics metrics(const double* y, bool with_grad) {
    unpack(y);
    if (!with_grad) return light_metrics();
    if (mlp_) return head_metrics();
    Metrics m{};
    fixed_order::Evaluation ev{};
    ev.loss = &m.loss;
    const int64_t K = cfg_.x.length;
    std::vector<double>& e = e_;
    ev.e = e.data();
    if (with_grad) {
      ev.grad_a = cfg_.train & SSM_TRAIN_A ? ga_.data() : nullptr;
      ev.grad_b = cfg_.train & SSM_TRAIN_B ? gb_.data() : nullptr;
      ev.grad_c = cfg_.train & SSM_TRAIN_C ? gc_.data() : nullptr;
    }
    evaluate(ev);
    m.gamma0 = K > 1 ? -e[1] : 0.0;  // γ^(0) = −e_1 (Proposition 1)
    if (with_grad) {
      double s = 0.0;
      for (int bit : blocks_)
        for (double g : bit == SSM_TRAIN_A ? ga_ : bit == SSM_TRAIN_B ? gb_ : gc_) s += g * g;
      m.grad_norm = std::sqrt(s);
    }
    m.ext_error = ext_ ? (*ext_)(d_, a_.data(), b_.data(), c_.data()) : NAN;
    return m;
  }

  Metrics head_metrics() {
    Metrics m{};
    const int64_t K = cfg_.x.length;
    m.loss = head_gradient();
    m.gamma0 = K > 1 ? -erev_[K - 2] : 0.0;  // γ^(0) = −e_1, with ξ (Proposition 1)
    double s = 0.0;
    for (int bit : blocks_)
      for (double g : bit == SSM_TRAIN_A ? ga_ : bit == SSM_TRAIN_B ? gb_ : gc_) s += g * g;
    if (mlp_trained_)
      for (double g : mlp_->grad()) s += g * g;
    m.grad_norm = std::sqrt(s);
    m.ext_error = ext_ ? (*ext_)(d_, a_.data(), b_.data(), c_.data()) : NAN;
    return m;
  }

  // Loss, γ^(0) = −e_1 = −(2/N) Σ_n r_n x_{n,K−2} and the extrapolation error without the
  // gradient machinery: what every output and convergence test needs, in O(dK + NK).
  Metrics light_metrics() {
    const int64_t K = cfg_.x.length, N = cfg_.x.count;
    if (mlp_) return head_metrics();
    Metrics m{};
    // one impulse response serves the outputs (h_0 … h_{K−1}) and the extrapolation range
    const int64_t L = ext_ ? std::max(K, ext_->length()) : K;
    if (static_cast<int64_t>(h_.size()) < L) h_.resize(static_cast<size_t>(L));
    impulse_one(d_, a_.data(), b_.data(), c_.data(), L, false, h_.data(), impulse_work_.data());
    double loss = 0.0, e1 = 0.0;
    for (int64_t n = 0; n < N; ++n) {
      const double* xn = cfg_.x.x + n * K;
      double yn = 0.0;
      for (int64_t t = 0; t < K; ++t) yn += xn[t] * h_[K - 1 - t];
      const double r = yn - cfg_.targets[n];
      loss += r * r;
      if (K > 1) e1 += r * xn[K - 2];
    }
    m.loss = loss / static_cast<double>(N);
    m.gamma0 = -(2.0 / static_cast<double>(N)) * e1;
    m.grad_norm = NAN;
    if (!std::isfinite(m.loss)) m.loss = NAN;
    m.ext_error = ext_ ? ext_->from_impulse(h_.data()) : NAN;
    return m;
  }

  double loss_at(const double* y) {
    unpack(y);
    if (mlp_) return head_gradient();
    double loss = 0.0;
    fixed_order::Evaluation ev{};
    ev.loss = &loss;
    evaluate(ev);
    return loss;
  }

  const std::vector<double>& a() const { return a_; }
  const std::vector<double>& b() const { return b_; }
  const std::vector<double>& c() const { return c_; }
  const MlpHead* head() const { return mlp_.get(); }

 private:
  std::vector<double>& param(int bit) { return bit == SSM_TRAIN_A ? a_ : bit == SSM_TRAIN_B ? b_ : c_; }
  const std::vector<double>& param(int bit) const { return bit == SSM_TRAIN_A ? a_ : bit == SSM_TRAIN_B ? b_ : c_; }

  // In fixed order (fixed_order.h): the same trajectory on every CPU and in WebAssembly.
  // Non-finite parameters (a diverging trial step) give NaN results, which make the solver
  // reject the step or report non-finite values.
  void evaluate(const fixed_order::Evaluation& ev) { evaluator_(a_.data(), b_.data(), c_.data(), ev); }

  const ssm_flow_config& cfg_;
  int64_t d_;
  std::vector<int> blocks_;
  std::vector<double> a_, b_, c_, ga_, gb_, gc_, e_, hrev_, impulse_work_;
  fixed_order::Evaluator evaluator_;
  std::unique_ptr<ExtrapolationError> ext_;
  std::unique_ptr<MlpHead> mlp_;
  bool mlp_trained_ = false;
  std::vector<double> erev_, poly_, dpoly_, r_, h_;
};

class FlowObserver final : public ode::Observer {
 public:
  FlowObserver(FlowSystem& sys, const ssm_flow_config& cfg, ssm_flow_output& out, ssm_flow_progress progress,
               void* context)
      : sys_(sys), cfg_(cfg), out_(out), progress_(progress), context_(context), y_(sys.size()) {}

  bool start(double t0, const double* y0) override {
    write_outputs_until(t0, [&](double, double* y) { std::copy_n(y0, sys_.size(), y); });
    return !converged(y0);
  }

  bool accepted(const ode::Step& step) override {
    write_outputs_until(step.t(), [&](double t, double* y) {
      if (t == step.t()) std::copy_n(step.y(), sys_.size(), y);
      else step.interpolate(t, y);
    });
    ++steps_;
    const bool done = converged(step.y());
    if (progress_) progress_(context_, step.t(), last_loss_, steps_);
    return !done;
  }

  // Why the run stopped by convergence, or nullptr.
  const char* convergence() const { return convergence_; }

 private:
  template <class Fill>
  void write_outputs_until(double t, Fill fill) {
    const int64_t d = cfg_.student.dim;
    while (out_.written < cfg_.n_outputs && cfg_.output_times[out_.written] <= t) {
      const int64_t k = out_.written++;
      fill(cfg_.output_times[k], y_.data());
      const FlowSystem::Metrics m = sys_.metrics(y_.data(), false);
      if (out_.a) std::copy_n(sys_.a().data(), d, out_.a + k * d);
      if (out_.b) std::copy_n(sys_.b().data(), d, out_.b + k * d);
      if (out_.c) std::copy_n(sys_.c().data(), d, out_.c + k * d);
      if (out_.loss) out_.loss[k] = m.loss;
      if (out_.gamma0) out_.gamma0[k] = m.gamma0;
      if (out_.ext_error) out_.ext_error[k] = m.ext_error;
    }
  }

  bool converged(const double* y) {
    if (cfg_.loss_tol > 0 || progress_) last_loss_ = sys_.loss_at(y);
    if (cfg_.loss_tol > 0 && last_loss_ <= cfg_.loss_tol) convergence_ = "converged: the loss fell below lossTol";
    else if (cfg_.grad_tol > 0 && sys_.metrics(y, true).grad_norm <= cfg_.grad_tol)
      convergence_ = "converged: the gradient norm fell below gradTol";
    return convergence_ != nullptr;
  }

  FlowSystem& sys_;
  const ssm_flow_config& cfg_;
  ssm_flow_output& out_;
  ssm_flow_progress progress_;
  void* context_;
  std::vector<double> y_;
  int64_t steps_ = 0;
  double last_loss_ = NAN;
  const char* convergence_ = nullptr;
};

bool valid_config(const ssm_flow_config* c) {
  if (c == nullptr || !valid_models(&c->student) || c->student.count != 1 || !valid_sequences(&c->x) ||
      c->targets == nullptr || !all_finite(c->targets, c->x.count) || c->train < 1 || c->train > 15)
    return false;
  if (c->mlp.width < 0 || (c->mlp.width == 0 && (c->train & SSM_TRAIN_MLP))) return false;
  if (c->mlp.width > 0 && (c->mlp.depth < 1 || c->mlp.weights == nullptr ||
                           element_count({c->mlp.width, c->mlp.width, c->mlp.depth}) < 0 ||
                           !all_finite(c->mlp.weights, MlpHead::size(c->mlp.width, c->mlp.depth))))
    return false;
  if (element_count({c->x.length, 1}) < 0 || element_count({c->student.dim, c->student.dim}) < 0) return false;
  if (c->teacher.a != nullptr &&
      (!valid_models(&c->teacher) || c->teacher.count != 1 || c->ext_from < 0 || c->ext_to < c->ext_from ||
       element_count({c->ext_to + 1}) < 0))
    return false;
  if (std::isnan(c->until) || c->until < 0 || std::isnan(c->loss_tol) || std::isnan(c->grad_tol)) return false;
  if (std::isinf(c->until) && !(c->loss_tol > 0 || c->grad_tol > 0)) return false;  // would never end
  if (c->n_outputs < 0 || (c->n_outputs > 0 && c->output_times == nullptr)) return false;
  for (int64_t k = 0; k < c->n_outputs; ++k) {
    const double t = c->output_times[k];
    if (!(t >= 0 && t <= c->until) || (k > 0 && t < c->output_times[k - 1])) return false;
  }
  return true;
}

}  // namespace
}  // namespace ssm

using namespace ssm;

extern "C" ssm_status ssm_gradient_flow(const ssm_flow_config* config, ssm_flow_output* out,
                                        ssm_flow_progress progress, void* context) {
  return guarded([&]() -> ssm_status {
    if (!valid_config(config) || out == nullptr) return SSM_E_INVALID_ARGUMENT;
    ode::Options opt;
    if (!ode_options_from(config->ode, opt)) return SSM_E_INVALID_ARGUMENT;
    const int64_t d = config->student.dim;
    if (out->a || out->b || out->c) {
      if (config->n_outputs > 0 && element_count({config->n_outputs, d}) < 0) return SSM_E_INVALID_ARGUMENT;
    }
    out->written = 0;
    out->converged = 0;
    FlowSystem sys(*config);
    std::vector<double> y(static_cast<size_t>(sys.size()));
    sys.pack(y.data());
    FlowObserver obs(sys, *config, *out, progress, context);
    // The flow is autonomous: restart the clock where steps fall below round-off of t.
    const ode::Result r = ode::solve_autonomous(ode_solver(config->ode.method), sys, 0.0, config->until, y.data(), opt, obs);
    write_stats(r, &out->stats);
    out->converged = obs.convergence() ? 1 : 0;
    if (obs.convergence()) std::strncpy(out->stats.message, obs.convergence(), sizeof out->stats.message - 1);
    const FlowSystem::Metrics m = sys.metrics(y.data(), true);
    if (out->final_a) std::copy_n(sys.a().data(), d, out->final_a);
    if (out->final_b) std::copy_n(sys.b().data(), d, out->final_b);
    if (out->final_c) std::copy_n(sys.c().data(), d, out->final_c);
    if (out->final_mlp && sys.head()) std::copy(sys.head()->weights().begin(), sys.head()->weights().end(), out->final_mlp);
    out->final_loss = m.loss;
    out->final_gamma0 = m.gamma0;
    out->final_ext_error = m.ext_error;
    out->final_grad_norm = m.grad_norm;
    return SSM_OK;
  });
}
