/*
 * ssm-poison core: the C ABI of the simulation engine (SPEC §1–§3, §7).
 *
 * Plain C17/C++17, no Node or WASM headers. Every array is float64, row-major, owned by
 * the caller. Functions never throw and never abort: they validate their arguments and
 * return an ssm_status. Output pointers marked "optional" may be NULL (not computed).
 *
 * Shapes:  S students (independent diagonal SSMs of dimension d, a/b/c are S×d),
 *          N sequences of length K (x is N×K, x[n*K + t] = x_{n,t}).
 */
#ifndef SSM_POISON_CORE_SSM_H
#define SSM_POISON_CORE_SSM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ssm_status {
  SSM_OK = 0,
  SSM_E_INVALID_ARGUMENT = 1, /* a size, pointer or mode is out of range */
  SSM_E_NO_MEMORY = 2,        /* a work buffer could not be allocated */
  SSM_E_INTERNAL = 3          /* an unexpected C++ exception (a bug) */
} ssm_status;

/* The largest number of doubles any single array (input, output or work buffer) may
 * hold: 2^31 (16 GiB). Larger requests are rejected with SSM_E_INVALID_ARGUMENT. */
#define SSM_MAX_ELEMENTS ((int64_t)1 << 31)

/* A batch of S diagonal SSMs of dimension d: s_{t+1} = diag(a) s_t + b x_t, y = c·s_K. */
typedef struct ssm_models {
  int64_t count; /* S ≥ 1 */
  int64_t dim;   /* d ≥ 1 */
  const double* a; /* S×d */
  const double* b; /* S×d */
  const double* c; /* S×d */
} ssm_models;

/* N sequences of length K ≥ 1, row-major N×K. */
typedef struct ssm_sequences {
  int64_t count;  /* N ≥ 1 */
  int64_t length; /* K ≥ 1 */
  const double* x;
} ssm_sequences;

/* Human-readable text of a status. */
const char* ssm_status_message(ssm_status status);

/* Build information: the BLAS implementation ("openblas" or "portable"), whether
 * OpenBLAS is linked, and the thread counts used. */
const char* ssm_blas_name(void);
int ssm_has_openblas(void);
int ssm_blas_threads(void);
int ssm_threads(void);
/* Threads used to run independent students in parallel (≥ 1; 0 restores the default:
 * SSM_POISON_THREADS or the number of cores). */
void ssm_set_threads(int threads);

/* Impulse response h_{s,l} = Σ_i c_i b_i a_i^l, l = 0 … L−1; h is S×L. */
ssm_status ssm_impulse_response(const ssm_models* m, int64_t L, double* h);

/* Final outputs y_{s,n} = Σ_l h_{s,l} x_{n,K−1−l} through the impulse form; y is S×N. */
ssm_status ssm_forward(const ssm_models* m, const ssm_sequences* x, double* y);

/* The recurrence (scan). Modes:
 *   SSM_SCAN_FINAL   out is S×N        (y = c·s_K, equal to ssm_forward)
 *   SSM_SCAN_OUTPUTS out is S×N×K      (out[s][n][t] = c·s_{t+1}, the output after x_t)
 *   SSM_SCAN_STATES  out is S×N×K×d    (out[s][n][t][i] = (s_{t+1})_i)              */
typedef enum ssm_scan_mode { SSM_SCAN_FINAL = 0, SSM_SCAN_OUTPUTS = 1, SSM_SCAN_STATES = 2 } ssm_scan_mode;
ssm_status ssm_scan(const ssm_models* m, const ssm_sequences* x, int mode, double* out);

/* Loss and derivatives of the MSE L = (1/N) Σ_n (y_n − y*_n)² for every student (SPEC §2).
 * Every pointer except loss is optional.
 *   loss       S          outputs  S×N       residuals S×N (r = y − y*)
 *   e          S×K        e_l = (2/N) Σ_n r_n x_{n,K−1−l}
 *   grad_a/b/c S×d        ∂L/∂a, ∂L/∂b, ∂L/∂c
 *   gamma      S×(K−1)    γ^(k) = −(k+1) e_{k+1}, k = 0 … K−2 (Proposition 1)
 *   hessian    S×d×d      ∂²L/∂a² (b, c fixed)
 *   kernel_grad S×d×d     ∂L/∂A for the full (non-diagonal) recurrent kernel A
 *   kernel_grad_norm S    its Frobenius norm                                        */
typedef struct ssm_evaluation {
  double* loss;
  double* outputs;
  double* residuals;
  double* e;
  double* grad_a;
  double* grad_b;
  double* grad_c;
  double* gamma;
  double* hessian;
  double* kernel_grad;
  double* kernel_grad_norm;
} ssm_evaluation;
ssm_status ssm_evaluate(const ssm_models* m, const ssm_sequences* x, const double* targets /* N */,
                        ssm_evaluation* out);

/* Extrapolation error (SPEC §7) of every student against one teacher (teacher->count = 1):
 * max_{j∈[from,to]} |h_j − h*_j| / max_{j∈[from,to]} |h*_j| (inclusive range, 0 ≤ from ≤ to).
 * out is S. */
ssm_status ssm_extrapolation_error(const ssm_models* m, const ssm_models* teacher, int64_t from, int64_t to,
                                   double* out);

/* Effective rank exp(−Σ p_i log p_i), p = |a| / Σ|a| (SPEC §7); out is S. An all-zero a has
 * effective rank 0 by convention. */
ssm_status ssm_effective_rank(const ssm_models* m, double* out);

/* NumPy-compatible random numbers (SPEC §3): MT19937 seeded like np.random.seed(int),
 * random_sample doubles and the legacy polar Gaussian with its cached second value. */
typedef struct ssm_mt19937 {
  uint32_t key[624];
  int32_t pos;
  int32_t has_gauss;
  double gauss;
} ssm_mt19937;
void ssm_mt_seed(ssm_mt19937* state, uint32_t seed);
void ssm_mt_random_sample(ssm_mt19937* state, int64_t n, double* out);
void ssm_mt_normal(ssm_mt19937* state, double loc, double scale, int64_t n, double* out);

/* ---- ODE integration (SPEC §6) ---------------------------------------------------- */

typedef enum ssm_ode_method {
  SSM_ODE_DOPRI5 = 0,
  SSM_ODE_ROSENBROCK = 1,
  SSM_ODE_AUTO = 2,
  SSM_ODE_LSODA = 3
} ssm_ode_method;

typedef struct ssm_ode_options {
  int method;          /* ssm_ode_method */
  double rtol;         /* 0 < rtol < 1 (floored at 100·eps) */
  double atol;         /* > 0 */
  double first_step;   /* 0: automatic */
  double max_step;     /* > 0, may be +Inf */
  int64_t max_steps;   /* ≥ 1, accepted + rejected */
  const volatile int* abort; /* optional: non-zero ends the run with status aborted */
  double first_output; /* ≥ 0: the first output time after t0 (0: the end time); LSODA's
                          initial step depends on it, as in odeint */
} ssm_ode_options;

/* Outcome of an integration. status: 1 reached the end, 2 stopped (converged or asked),
 * negative: failed (-1 step too small, -2 step budget, -3 non-finite, -4 singular matrix,
 * -5 aborted); message says the same in words. */
typedef struct ssm_ode_stats {
  int status;
  double t;
  int64_t nfev, njev, nlu, nsteps, nrejected;
  int restarts;        /* clock restarts of an autonomous system (round-off of t) */
  char message[160];
} ssm_ode_stats;

/* Built-in test problems: DECAY y' = −p0·y (any n); LOGISTIC y' = p0·y(1 − y/p1);
 * LINEAR y' = A·y (params = A, n×n); ROBERTSON (n = 3, no params). */
typedef enum ssm_ode_problem {
  SSM_ODE_PROBLEM_DECAY = 0,
  SSM_ODE_PROBLEM_LOGISTIC = 1,
  SSM_ODE_PROBLEM_LINEAR = 2,
  SSM_ODE_PROBLEM_ROBERTSON = 3
} ssm_ode_problem;

/* Integrates a test problem from (t0, y0) to t_end and writes y at the n_eval requested
 * times (monotone, within [t0, t_end]) into y_eval (n_eval×n). */
ssm_status ssm_ode_solve_problem(int problem, const double* params, int64_t nparams, int64_t n, const double* y0,
                                 double t0, double t_end, const double* t_eval, int64_t n_eval,
                                 const ssm_ode_options* options, double* y_eval, ssm_ode_stats* stats);

/* ---- Gradient flow da/dt = −∇L (SPEC §6) ------------------------------------------ */

/* Which parameters move (bits). */
#define SSM_TRAIN_A 1
#define SSM_TRAIN_B 2
#define SSM_TRAIN_C 4
#define SSM_TRAIN_MLP 8 /* the MLP head's weights */

/* The MLP head after the SSM (SPEC §1): width m, depth ≥ 1, ReLU, no biases; weights flat
 * in the order D_1 (m), D_2 … D_depth (m×m row-major each), D_out (m): 2m + (depth−1)m²
 * values (ssm_mlp_size in ssm_train.h) per student. width 0: no head. */
typedef struct ssm_mlp_config {
  int64_t width;
  int64_t depth;
  const double* weights;
} ssm_mlp_config;

typedef struct ssm_flow_config {
  ssm_models student;         /* count 1: the initial a, b, c */
  ssm_sequences x;            /* training sequences */
  const double* targets;      /* N labels */
  int train;                  /* SSM_TRAIN_* bits, at least one */
  ssm_mlp_config mlp;         /* an MLP head after the SSM (width 0: none); weights of one student */
  ssm_models teacher;         /* count 1, for the extrapolation error; teacher.a NULL: none */
  int64_t ext_from, ext_to;   /* extrapolation range [from, to] */
  ssm_ode_options ode;
  double until;               /* end time ≥ 0 (+Inf when a convergence test stops the run) */
  double loss_tol;            /* stop when L ≤ loss_tol (≤ 0: off) */
  double grad_tol;            /* stop when ‖∇L‖ ≤ grad_tol (≤ 0: off) */
  const double* output_times; /* n_outputs ascending times in [0, until] (may be NULL if 0) */
  int64_t n_outputs;
} ssm_flow_config;

/* Results; every pointer is optional. Per-output arrays have n_outputs rows (entries
 * after `written` are untouched: the run ended before those times). */
typedef struct ssm_flow_output {
  double* a; double* b; double* c;              /* n_outputs × d */
  double* loss; double* gamma0; double* ext_error; /* n_outputs */
  int64_t written;                              /* set by the call */
  double* final_a; double* final_b; double* final_c; /* d */
  double* final_mlp;                            /* P, with a head */
  double final_loss, final_gamma0, final_ext_error, final_grad_norm; /* set by the call */
  int converged;                                /* set: 1 when a convergence test stopped the run */
  ssm_ode_stats stats;                          /* set by the call */
} ssm_flow_output;

/* Called after accepted steps (from the calling thread), for progress reports. */
typedef void (*ssm_flow_progress)(void* context, double t, double loss, int64_t steps);

/* Integrates the gradient flow of the MSE loss from the student's parameters. The run ends
 * at `until`, on convergence, on failure or when ode.abort is set; stats says which. */
ssm_status ssm_gradient_flow(const ssm_flow_config* config, ssm_flow_output* out, ssm_flow_progress progress,
                             void* context);


/* ---- Gradient flow in arc length, for large κ (SPEC §6 "large κ") ------------------- */

/* The same trajectory as ssm_gradient_flow (only a trained, b and c fixed) integrated in
 * arc length s (ds = ‖∇L‖ dt) with every power, gradient and Hessian term held as a
 * mantissa and a binary exponent (a shared scale), so that the direction of motion stays
 * exact when a_i^(κ−2) underflows; physical time is tracked in log scale. See
 * native/core/flow_scaled.cc for the method (segments, slow-manifold constraints). */
typedef struct ssm_flow_scaled_config {
  ssm_models student;          /* count 1: initial a; b, c fixed */
  ssm_sequences x;             /* training sequences (only non-zero entries matter) */
  const double* targets;       /* N labels */
  ssm_models teacher;          /* count 1, for the extrapolation error; teacher.a NULL: none */
  int64_t ext_from, ext_to;    /* extrapolation range [from, to] */
  ssm_ode_options ode;         /* rtol/atol apply to a (and rtol to the time variable) */
  double loss_tol;             /* stop when L ≤ loss_tol (≤ 0: off) */
  double grad_tol;             /* stop when ‖∇L‖ ≤ grad_tol, compared in log form (≤ 0: off) */
  double max_log10_time;       /* stop (status 1) at this log10 of physical time; +Inf: none */
  const double* output_log10_times; /* n_outputs ascending finite log10 times */
  int64_t n_outputs;
  int64_t record_every;        /* record the state every k-th accepted step (0: off) */
  int64_t max_records;         /* capacity of the record arrays */
  double rescale;              /* restart a segment when the log-scale drifts by more (0: 50) */
} ssm_flow_scaled_config;

typedef struct ssm_flow_scaled_output {
  /* At the requested log10 times (rows after `written` untouched). Optional. */
  double* a;                   /* n_outputs × d */
  double* loss; double* gamma0; double* ext_error; double* arc_length; /* n_outputs */
  int64_t written;
  /* Records: the initial state, then every record_every-th accepted step. Optional. */
  double* rec_a;               /* max_records × d */
  double* rec_loss; double* rec_gamma0; double* rec_ext_error; double* rec_log10_time;
  double* rec_arc_length; double* rec_log10_grad_norm; double* rec_constrained; /* max_records */
  int64_t recorded;
  double* final_a;             /* d, optional */
  double final_loss, final_gamma0, final_ext_error, final_log10_time, final_arc_length,
      final_log10_grad_norm;
  int converged;
  int stationary;              /* 1: the gradient was exactly zero — a rest point, never "converged" */
  int64_t segments, constrained_segments, physical_segments;
  ssm_ode_stats stats;         /* counters summed over segments; stats.t = arc length */
} ssm_flow_scaled_output;

typedef void (*ssm_flow_scaled_progress)(void* context, double log10_time, double loss, double arc_length,
                                         int64_t steps);

ssm_status ssm_gradient_flow_scaled(const ssm_flow_scaled_config* config, ssm_flow_scaled_output* out,
                                    ssm_flow_scaled_progress progress, void* context);

/* Test hook: the scaled quantities at a (only config's student b, c, x, targets are used).
 * log2_scale is the segment's reference exponent (the field is −u, dz/ds = 2^log2_scale/‖∇L‖).
 * direction (d), field (d+1) and jacobian ((d+1)², row-major, exact) are optional. */
typedef struct ssm_scaled_field_output {
  double loss;
  double log10_grad_norm;      /* −Inf when the gradient is exactly zero */
  double* direction;           /* ∇L / ‖∇L‖ */
  double* field;
  double* jacobian;
} ssm_scaled_field_output;
ssm_status ssm_flow_scaled_field(const ssm_flow_scaled_config* config, const double* a, int64_t log2_scale,
                                 ssm_scaled_field_output* out);

#ifdef __cplusplus
}
#endif

#endif /* SSM_POISON_CORE_SSM_H */
