// The layouts of the core's config and output structs, exported so that the TypeScript
// side (lib/backends/wasm-layout.ts) fills and reads them by field name and never
// hard-codes an offset. Declarative: one line per field, offsetof and the field's C type
// taken by the compiler. A field the table does not list stays zero (the caller allocates
// structs zeroed), so a table missing a field cannot leave garbage in it.
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "../core/ssm.h"
#include "../core/ssm_train.h"
#include "exports.h"

namespace {

// What a field holds; the TypeScript side reads and writes with the matching DataView call.
enum FieldKind : uint32_t { kInt32 = 1, kUint32 = 2, kInt64 = 3, kFloat64 = 4, kPointer = 5, kChars = 6 };

struct Field {
  const char* name;  // "optimizer.lr": the member path, as written in C
  uint32_t offset;
  uint32_t kind;
  uint32_t size;  // bytes (kChars: the array length)
};

struct Layout {
  const char* name;  // the struct's C name
  uint32_t size;
  uint32_t count;
  const Field* fields;
};

template <class T>
constexpr uint32_t kind_of() {
  if constexpr (std::is_pointer_v<T>) return kPointer;
  else if constexpr (std::is_same_v<T, double>) return kFloat64;
  else if constexpr (std::is_same_v<T, int64_t>) return kInt64;
  else if constexpr (std::is_same_v<T, uint32_t>) return kUint32;
  else if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int>) return kInt32;
  else if constexpr (std::is_array_v<T> && std::is_same_v<std::remove_extent_t<T>, char>) return kChars;
  else static_assert(sizeof(T) == 0, "a field type the layout table does not know");
}

// Every struct crossing the boundary is plain C data.
template <class S>
constexpr bool plain() {
  return std::is_standard_layout_v<S> && std::is_trivially_copyable_v<S>;
}
static_assert(plain<ssm_train_config>() && plain<ssm_train_output>() && plain<ssm_flow_config>() &&
                  plain<ssm_flow_output>() && plain<ssm_flow_scaled_config>() && plain<ssm_flow_scaled_output>() &&
                  plain<ssm_scaled_field_output>() && plain<ssm_ode_options>() && plain<ssm_ode_stats>(),
              "boundary structs are standard-layout C structs");
static_assert(sizeof(void*) == 4 && sizeof(int) == 4 && sizeof(int64_t) == 8 && alignof(int64_t) == 8 &&
                  alignof(double) == 8,
              "wasm32 data model (the TypeScript side reads pointers as uint32)");

#define SSM_FIELD(S, path)                                                                          \
  Field {                                                                                           \
    #path, static_cast<uint32_t>(offsetof(S, path)), kind_of<decltype(std::declval<S&>().path)>(), \
        static_cast<uint32_t>(sizeof(std::declval<S&>().path))                                    \
  }
#define SSM_MODELS(S, m) \
  SSM_FIELD(S, m.count), SSM_FIELD(S, m.dim), SSM_FIELD(S, m.a), SSM_FIELD(S, m.b), SSM_FIELD(S, m.c)
#define SSM_ODE_OPTIONS(S, o)                                                                      \
  SSM_FIELD(S, o.method), SSM_FIELD(S, o.rtol), SSM_FIELD(S, o.atol), SSM_FIELD(S, o.first_step), \
      SSM_FIELD(S, o.max_step), SSM_FIELD(S, o.max_steps), SSM_FIELD(S, o.abort), SSM_FIELD(S, o.first_output)
#define SSM_ODE_STATS(S, s)                                                                                   \
  SSM_FIELD(S, s.status), SSM_FIELD(S, s.t), SSM_FIELD(S, s.nfev), SSM_FIELD(S, s.njev), SSM_FIELD(S, s.nlu), \
      SSM_FIELD(S, s.nsteps), SSM_FIELD(S, s.nrejected), SSM_FIELD(S, s.restarts), SSM_FIELD(S, s.message)

using TC = ssm_train_config;
constexpr Field kTrainConfig[] = {
    SSM_MODELS(TC, students), SSM_FIELD(TC, count), SSM_FIELD(TC, length), SSM_FIELD(TC, x), SSM_FIELD(TC, targets),
    SSM_FIELD(TC, train), SSM_FIELD(TC, fix_bc), SSM_FIELD(TC, optimizer.kind), SSM_FIELD(TC, optimizer.lr),
    SSM_FIELD(TC, optimizer.beta), SSM_FIELD(TC, optimizer.soft), SSM_FIELD(TC, optimizer.beta1),
    SSM_FIELD(TC, optimizer.beta2), SSM_FIELD(TC, optimizer.epsilon), SSM_FIELD(TC, optimizer.weight_decay),
    SSM_FIELD(TC, batch_size), SSM_FIELD(TC, batch_seed), SSM_FIELD(TC, eps), SSM_FIELD(TC, max_epochs),
    SSM_FIELD(TC, epochs_after_stop), SSM_FIELD(TC, log_every), SSM_FIELD(TC, max_logs), SSM_FIELD(TC, mlp.width),
    SSM_FIELD(TC, mlp.depth), SSM_FIELD(TC, mlp.weights), SSM_FIELD(TC, test_count), SSM_FIELD(TC, test_length),
    SSM_FIELD(TC, test_x), SSM_FIELD(TC, test_targets), SSM_MODELS(TC, teacher), SSM_FIELD(TC, ext_from),
    SSM_FIELD(TC, ext_to), SSM_FIELD(TC, abort),
};

using TO = ssm_train_output;
constexpr Field kTrainOutput[] = {
    SSM_FIELD(TO, final_a), SSM_FIELD(TO, final_b), SSM_FIELD(TO, final_c), SSM_FIELD(TO, final_loss),
    SSM_FIELD(TO, final_ext_error), SSM_FIELD(TO, final_mlp), SSM_FIELD(TO, final_test_error), SSM_FIELD(TO, status),
    SSM_FIELD(TO, epochs), SSM_FIELD(TO, stop_epoch), SSM_FIELD(TO, diverged_epoch), SSM_FIELD(TO, log_count),
    SSM_FIELD(TO, logs_dropped), SSM_FIELD(TO, reported), SSM_FIELD(TO, log_epoch), SSM_FIELD(TO, log_loss),
    SSM_FIELD(TO, log_ext_error), SSM_FIELD(TO, log_abs_a), SSM_FIELD(TO, log_eff_rank), SSM_FIELD(TO, log_gamma),
    SSM_FIELD(TO, log_lr), SSM_FIELD(TO, log_grad_norm), SSM_FIELD(TO, log_test_error),
};

using FC = ssm_flow_config;
constexpr Field kFlowConfig[] = {
    SSM_MODELS(FC, student), SSM_FIELD(FC, x.count), SSM_FIELD(FC, x.length), SSM_FIELD(FC, x.x),
    SSM_FIELD(FC, targets), SSM_FIELD(FC, train), SSM_FIELD(FC, mlp.width), SSM_FIELD(FC, mlp.depth),
    SSM_FIELD(FC, mlp.weights), SSM_MODELS(FC, teacher), SSM_FIELD(FC, ext_from), SSM_FIELD(FC, ext_to),
    SSM_ODE_OPTIONS(FC, ode), SSM_FIELD(FC, until), SSM_FIELD(FC, loss_tol), SSM_FIELD(FC, grad_tol),
    SSM_FIELD(FC, output_times), SSM_FIELD(FC, n_outputs),
};

using FO = ssm_flow_output;
constexpr Field kFlowOutput[] = {
    SSM_FIELD(FO, a), SSM_FIELD(FO, b), SSM_FIELD(FO, c), SSM_FIELD(FO, loss), SSM_FIELD(FO, gamma0),
    SSM_FIELD(FO, ext_error), SSM_FIELD(FO, written), SSM_FIELD(FO, final_a), SSM_FIELD(FO, final_b),
    SSM_FIELD(FO, final_c), SSM_FIELD(FO, final_mlp), SSM_FIELD(FO, final_loss), SSM_FIELD(FO, final_gamma0),
    SSM_FIELD(FO, final_ext_error), SSM_FIELD(FO, final_grad_norm), SSM_FIELD(FO, converged),
    SSM_ODE_STATS(FO, stats),
};

using SC = ssm_flow_scaled_config;
constexpr Field kScaledConfig[] = {
    SSM_MODELS(SC, student), SSM_FIELD(SC, x.count), SSM_FIELD(SC, x.length), SSM_FIELD(SC, x.x),
    SSM_FIELD(SC, targets), SSM_MODELS(SC, teacher), SSM_FIELD(SC, ext_from), SSM_FIELD(SC, ext_to),
    SSM_ODE_OPTIONS(SC, ode), SSM_FIELD(SC, loss_tol), SSM_FIELD(SC, grad_tol), SSM_FIELD(SC, max_log10_time),
    SSM_FIELD(SC, output_log10_times), SSM_FIELD(SC, n_outputs), SSM_FIELD(SC, record_every),
    SSM_FIELD(SC, max_records), SSM_FIELD(SC, rescale),
};

using SO = ssm_flow_scaled_output;
constexpr Field kScaledOutput[] = {
    SSM_FIELD(SO, a), SSM_FIELD(SO, loss), SSM_FIELD(SO, gamma0), SSM_FIELD(SO, ext_error),
    SSM_FIELD(SO, arc_length), SSM_FIELD(SO, written), SSM_FIELD(SO, rec_a), SSM_FIELD(SO, rec_loss),
    SSM_FIELD(SO, rec_gamma0), SSM_FIELD(SO, rec_ext_error), SSM_FIELD(SO, rec_log10_time),
    SSM_FIELD(SO, rec_arc_length), SSM_FIELD(SO, rec_log10_grad_norm), SSM_FIELD(SO, rec_constrained),
    SSM_FIELD(SO, recorded), SSM_FIELD(SO, final_a), SSM_FIELD(SO, final_loss), SSM_FIELD(SO, final_gamma0),
    SSM_FIELD(SO, final_ext_error), SSM_FIELD(SO, final_log10_time), SSM_FIELD(SO, final_arc_length),
    SSM_FIELD(SO, final_log10_grad_norm), SSM_FIELD(SO, converged), SSM_FIELD(SO, stationary),
    SSM_FIELD(SO, segments), SSM_FIELD(SO, constrained_segments), SSM_FIELD(SO, physical_segments),
    SSM_ODE_STATS(SO, stats),
};

using FF = ssm_scaled_field_output;
constexpr Field kScaledField[] = {
    SSM_FIELD(FF, loss), SSM_FIELD(FF, log10_grad_norm), SSM_FIELD(FF, direction), SSM_FIELD(FF, field),
    SSM_FIELD(FF, jacobian),
};

// The ODE options and statistics on their own (the test problems take them by pointer).
using OO = ssm_ode_options;
constexpr Field kOdeOptions[] = {
    SSM_FIELD(OO, method),   SSM_FIELD(OO, rtol),      SSM_FIELD(OO, atol),  SSM_FIELD(OO, first_step),
    SSM_FIELD(OO, max_step), SSM_FIELD(OO, max_steps), SSM_FIELD(OO, abort), SSM_FIELD(OO, first_output),
};
using OS = ssm_ode_stats;
constexpr Field kOdeStats[] = {
    SSM_FIELD(OS, status), SSM_FIELD(OS, t),         SSM_FIELD(OS, nfev),     SSM_FIELD(OS, njev),    SSM_FIELD(OS, nlu),
    SSM_FIELD(OS, nsteps), SSM_FIELD(OS, nrejected), SSM_FIELD(OS, restarts), SSM_FIELD(OS, message),
};

template <class S, size_t N>
constexpr Layout layout(const char* name, const Field (&fields)[N]) {
  return Layout{name, static_cast<uint32_t>(sizeof(S)), static_cast<uint32_t>(N), fields};
}

constexpr Layout kLayouts[] = {
    layout<ssm_train_config>("ssm_train_config", kTrainConfig),
    layout<ssm_train_output>("ssm_train_output", kTrainOutput),
    layout<ssm_flow_config>("ssm_flow_config", kFlowConfig),
    layout<ssm_flow_output>("ssm_flow_output", kFlowOutput),
    layout<ssm_flow_scaled_config>("ssm_flow_scaled_config", kScaledConfig),
    layout<ssm_flow_scaled_output>("ssm_flow_scaled_output", kScaledOutput),
    layout<ssm_scaled_field_output>("ssm_scaled_field_output", kScaledField),
    layout<ssm_ode_options>("ssm_ode_options", kOdeOptions),
    layout<ssm_ode_stats>("ssm_ode_stats", kOdeStats),
    Layout{nullptr, 0, 0, nullptr},
};

// The byte layout the TypeScript reader assumes for the two table structs.
static_assert(sizeof(Field) == 16 && offsetof(Field, offset) == 4 && offsetof(Field, kind) == 8 &&
              offsetof(Field, size) == 12);
static_assert(sizeof(Layout) == 16 && offsetof(Layout, size) == 4 && offsetof(Layout, count) == 8 &&
              offsetof(Layout, fields) == 12);

}  // namespace

// The table: Layout records (name, size, field count, fields) until a null name.
SSM_WASM_EXPORT(ssm_wasm_layouts) const void* ssm_wasm_layouts() { return kLayouts; }
