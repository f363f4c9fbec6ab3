/*
 * ssm-poison core: gradient-descent training (SPEC §5), C ABI. One call runs whole
 * training loops — every epoch in native code — for S students, each with its own data
 * (the official experiments seed the data with the run's seed), in parallel over students.
 * Same conventions as ssm.h: float64, row-major, caller-owned arrays, status codes.
 */
#ifndef SSM_POISON_CORE_SSM_TRAIN_H
#define SSM_POISON_CORE_SSM_TRAIN_H

#include "ssm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ssm_optimizer_kind {
  SSM_OPT_GD = 0,       /* constant learning rate */
  SSM_OPT_ADAPTIVE = 1, /* the official rule, SPEC §5 */
  SSM_OPT_ADAM = 2      /* Keras Adam */
} ssm_optimizer_kind;

typedef struct ssm_optimizer {
  int kind;        /* ssm_optimizer_kind */
  double lr;       /* > 0 */
  double beta;     /* adaptive: 0 ≤ β < 1 (0.8) */
  double soft;     /* adaptive: ≥ 0 (1e−6) */
  double beta1;    /* adam: 0 ≤ β1 < 1 (0.9) */
  double beta2;    /* adam: 0 ≤ β2 < 1 (0.999) */
  double epsilon;  /* adam: > 0 (1e−7) */
  double weight_decay; /* ≥ 0: λ‖θ‖² added to the loss of every trained tensor */
} ssm_optimizer;

/* Run statuses. */
typedef enum ssm_train_status {
  SSM_TRAIN_CONVERGED = 1,  /* reached eps, then ran epochs_after_stop more */
  SSM_TRAIN_MAX_EPOCHS = 2, /* max_epochs without reaching eps */
  SSM_TRAIN_DIVERGED = -1,  /* a non-finite loss or parameter (at diverged_epoch) */
  SSM_TRAIN_ABORTED = -5
} ssm_train_status;

/* SSM_TRAIN_MLP and ssm_mlp_config (the MLP head after the SSM) are in ssm.h. */

int64_t ssm_mlp_size(int64_t width, int64_t depth);
/* y_k = MLP(z_k) for one weight vector (the teacher's labels, tests). */
ssm_status ssm_mlp_predict(int64_t width, int64_t depth, const double* weights, int64_t n, const double* z, double* y);

typedef struct ssm_train_config {
  ssm_models students;     /* S initial students (S×d) */
  int64_t count;           /* N sequences per student */
  int64_t length;          /* κ */
  const double* x;         /* S×N×κ: every student's own training sequences */
  const double* targets;   /* S×N */
  int train;               /* SSM_TRAIN_* bits (at least one) */
  int fix_bc;              /* b and c set to ones at the end of every epoch (official fix_B_C) */
  ssm_optimizer optimizer;
  int64_t batch_size;      /* 0 or ≥ N: full batch; else minibatch SGD (rows shuffled per epoch) */
  uint32_t batch_seed;     /* seeds the minibatch shuffles (MT19937) */
  double eps;              /* stop threshold on the train loss after an epoch's step */
  int64_t max_epochs;      /* ≥ 1, caps every epoch including those after the stop */
  int64_t epochs_after_stop;
  int64_t log_every;       /* ≥ 1 */
  int64_t max_logs;        /* rows of each log buffer */
  ssm_mlp_config mlp;      /* width 0: a standalone SSM */
  int64_t test_count;      /* T test sequences per student (0: none), for the relative */
  int64_t test_length;     /* test error ‖ŷ − y*‖₂/‖y*‖₂ (SPEC §7) */
  const double* test_x;    /* S×T×test_length */
  const double* test_targets; /* S×T */
  ssm_models teacher;      /* count 1; for the extrapolation error (teacher.a NULL: none) */
  int64_t ext_from, ext_to;
  const volatile int* abort;
} ssm_train_config;

/* Outputs. Log buffers hold max_logs rows per student (log entries beyond max_logs are
 * dropped and counted in logs_dropped); any log pointer may be NULL. */
typedef struct ssm_train_output {
  double* final_a; double* final_b; double* final_c; /* S×d */
  double* final_loss;        /* S: train loss of the final parameters */
  double* final_ext_error;   /* S */
  double* final_mlp;         /* S×P (with a head) */
  double* final_test_error;  /* S (with a test set) */
  int* status;               /* S: ssm_train_status */
  int64_t* epochs;           /* S: epochs run */
  int64_t* stop_epoch;       /* S: the epoch after whose step the loss reached eps (−1: never) */
  int64_t* diverged_epoch;   /* S: −1 unless diverged */
  int64_t* log_count;        /* S: rows written */
  int64_t* logs_dropped;     /* S */
  int64_t* reported;         /* S: the row the official code reports (the last log row of
                                the post-stop phase; −1 when there is none) */
  int64_t* log_epoch;        /* S×M */
  double* log_loss;          /* S×M: train loss of the parameters the epoch ends with */
  double* log_ext_error;     /* S×M */
  double* log_abs_a;         /* S×M×d: |a| sorted descending */
  double* log_eff_rank;      /* S×M */
  double* log_gamma;         /* S×M×(κ−1) */
  double* log_lr;            /* S×M: the learning rate of the epoch's (last) step */
  double* log_grad_norm;     /* S×M: the adaptive rule's sum of Frobenius norms */
  double* log_test_error;    /* S×M (with a test set) */
} ssm_train_output;

/* Called from the calling thread between chunks of epochs: the slowest student's epoch.
 * Single-threaded builds (SSM_SINGLE_THREAD, WebAssembly) train the students one after the
 * other and report the running student's epoch every 1024 epochs (fewer, down to every epoch,
 * when an epoch is large: about a millisecond of work between reports), then the slowest at
 * the end. */
typedef void (*ssm_train_progress)(void* context, int64_t epoch, double loss);

ssm_status ssm_train(const ssm_train_config* config, ssm_train_output* out, ssm_train_progress progress,
                     void* context);

/* The Frobenius norm of the full recurrent-kernel gradient through divided differences
 * (O(d² + dκ)); exposed for tests against ssm_evaluate's kernel_grad_norm. e is κ long. */
ssm_status ssm_kernel_grad_norm_fast(int64_t d, int64_t length, const double* a, const double* b, const double* c,
                                     const double* e, double* norm);

#ifdef __cplusplus
}
#endif

#endif
