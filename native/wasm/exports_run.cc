// The WebAssembly exports of the core's runs: training (ssm_train), gradient flow
// (ssm_gradient_flow), the large-κ flow in arc length (ssm_gradient_flow_scaled and its
// field hook), the ODE test problems, the adaptive rule's kernel-gradient norm and the MLP
// head. Thin wrappers, no logic: the config and output structs are filled in linear memory
// by lib/backends/wasm-*.ts through the layout table (layouts.cc).
//
// Progress: a run started with progress = 1 calls the imported env.ssm_wasm_progress with
// up to four numbers (training: epoch, loss; flow: t, loss, steps; large κ: log10 t, loss,
// arc length, steps), synchronously on the calling thread. The run's abort flag (the
// config's `abort` pointer) points into linear memory, so the import can end the run by
// writing 1 there (lib/backends/wasm-run-worker.ts does when the main thread asks); the
// core reads it at its next check (every epoch, every ODE step). Training calls the import
// between chunks of epochs of about a millisecond (native/core/train.cc, on_chunk).
#include <cstdint>

#include "../core/ssm.h"
#include "../core/ssm_train.h"
#include "exports.h"

extern "C" __attribute__((import_module("env"), import_name("ssm_wasm_progress"))) void ssm_wasm_progress(
    double a, double b, double c, double d);

namespace {

using ssm::wasm::size;

void train_progress(void*, int64_t epoch, double loss) {
  ssm_wasm_progress(static_cast<double>(epoch), loss, 0.0, 0.0);
}

void flow_progress(void*, double t, double loss, int64_t steps) {
  ssm_wasm_progress(t, loss, static_cast<double>(steps), 0.0);
}

void scaled_progress(void*, double log10_time, double loss, double arc_length, int64_t steps) {
  ssm_wasm_progress(log10_time, loss, arc_length, static_cast<double>(steps));
}

}  // namespace

SSM_WASM_EXPORT(ssm_wasm_train)
int ssm_wasm_train(const ssm_train_config* config, ssm_train_output* out, int progress) {
  return ssm_train(config, out, progress ? train_progress : nullptr, nullptr);
}

SSM_WASM_EXPORT(ssm_wasm_gradient_flow)
int ssm_wasm_gradient_flow(const ssm_flow_config* config, ssm_flow_output* out, int progress) {
  return ssm_gradient_flow(config, out, progress ? flow_progress : nullptr, nullptr);
}

SSM_WASM_EXPORT(ssm_wasm_gradient_flow_scaled)
int ssm_wasm_gradient_flow_scaled(const ssm_flow_scaled_config* config, ssm_flow_scaled_output* out, int progress) {
  return ssm_gradient_flow_scaled(config, out, progress ? scaled_progress : nullptr, nullptr);
}

SSM_WASM_EXPORT(ssm_wasm_flow_scaled_field)
int ssm_wasm_flow_scaled_field(const ssm_flow_scaled_config* config, const double* a, double log2_scale,
                               ssm_scaled_field_output* out) {
  return ssm_flow_scaled_field(config, a, size(log2_scale), out);
}

SSM_WASM_EXPORT(ssm_wasm_ode_solve_problem)
int ssm_wasm_ode_solve_problem(int problem, const double* params, double nparams, double n, const double* y0,
                               double t0, double t_end, const double* t_eval, double n_eval,
                               const ssm_ode_options* options, double* y_eval, ssm_ode_stats* stats) {
  return ssm_ode_solve_problem(problem, params, size(nparams), size(n), y0, t0, t_end, t_eval, size(n_eval), options,
                               y_eval, stats);
}

SSM_WASM_EXPORT(ssm_wasm_kernel_grad_norm_fast)
int ssm_wasm_kernel_grad_norm_fast(double d, double length, const double* a, const double* b, const double* c,
                                   const double* e, double* norm) {
  return ssm_kernel_grad_norm_fast(size(d), size(length), a, b, c, e, norm);
}

SSM_WASM_EXPORT(ssm_wasm_mlp_size) double ssm_wasm_mlp_size(double width, double depth) {
  return static_cast<double>(ssm_mlp_size(size(width), size(depth)));
}

SSM_WASM_EXPORT(ssm_wasm_mlp_predict)
int ssm_wasm_mlp_predict(double width, double depth, const double* weights, double n, const double* z, double* y) {
  return ssm_mlp_predict(size(width), size(depth), weights, size(n), z, y);
}
