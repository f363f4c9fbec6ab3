#!/usr/bin/env bash
# Builds the WebAssembly fallback (DESIGN.md "WASM") from native/core with Debian's clang:
#   native/wasm/ssm_poison.wasm       baseline wasm32 (MVP + the default features)
#   native/wasm/ssm_poison_simd.wasm  the same with -msimd128 (chosen when the runtime has SIMD)
# Compile and link are two steps; the portable BLAS path; one thread; no C++ exceptions.
# The module imports one function, env.ssm_wasm_progress (progress of long runs).
# The output is deterministic (no debug info, names or paths), so CI rebuilds it and
# compares it with the committed files.
#
# Needs: apt-get install -y clang lld wasi-libc libc++-dev-wasm32 libclang-rt-dev-wasm32
# Environment: CXX (default clang++), OUT_DIR (default native/wasm).
set -euo pipefail
cd "$(dirname "$0")/.."

CXX="${CXX_WASM:-clang++}"
OUT_DIR="${OUT_DIR:-native/wasm}"
OBJ_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/ssm-poison-wasm.XXXXXX")"  # object files (node-gyp owns build/)
trap 'rm -rf "$OBJ_ROOT"' EXIT

if ! command -v "$CXX" >/dev/null 2>&1; then
  echo "build-wasm: $CXX not found; install: apt-get install -y clang lld wasi-libc libc++-dev-wasm32 libclang-rt-dev-wasm32" >&2
  exit 1
fi

# The kernels, the RNG, the training loops, the gradient flows and the ODE solvers.
SOURCES=(
  native/core/blas_portable.cc
  native/core/fixed_order.cc
  native/core/fixed_pow.cc
  native/core/info.cc
  native/core/parallel.cc
  native/core/impulse.cc
  native/core/scan.cc
  native/core/evaluate.cc
  native/core/metrics.cc
  native/core/mt19937.cc
  native/core/glibc_log.cc
  native/core/kernel_norm.cc
  native/core/mlp.cc
  native/core/train.cc
  native/core/dopri5.cc
  native/core/rosenbrock.cc
  native/core/lsoda.cc
  native/core/ode_auto.cc
  native/core/ode_common.cc
  native/core/ode_restart.cc
  native/core/ode_problems.cc
  native/core/flow.cc
  native/core/flow_scaled.cc
  native/wasm/exports.cc
  native/wasm/exports_run.cc
  native/wasm/layouts.cc
)

# -ffp-contract=off everywhere: wasm has no fused multiply-add, and mt19937.cc must round
# like NumPy. SSM_SINGLE_THREAD: parallel_for runs inline (no std::thread in WASI).
# SSM_GLIBC_LOG: NumPy's Gaussians need glibc's log, not musl's (native/core/glibc_log.cc).
CXXFLAGS=(
  --target=wasm32-wasi -std=c++17 -O3 -fno-exceptions -fno-rtti -ffp-contract=off
  -DSSM_SINGLE_THREAD -DSSM_NO_CLONES -DSSM_GLIBC_LOG -DNDEBUG
  -Wall -Wextra -Wno-unused-parameter -Werror
)
LDFLAGS=(
  --target=wasm32-wasi -mexec-model=reactor
  -Wl,--strip-all -Wl,-z,stack-size=1048576 -Wl,--max-memory=4294967296
)

build() {  # build <variant> <output> <extra flags…>
  local variant="$1" output="$2"
  shift 2
  local obj_dir="$OBJ_ROOT/$variant" objects=()
  mkdir -p "$obj_dir"
  for src in "${SOURCES[@]}"; do
    local obj="$obj_dir/$(basename "${src%.cc}").o"
    "$CXX" "${CXXFLAGS[@]}" "$@" -c "$src" -o "$obj"
    objects+=("$obj")
  done
  "$CXX" "${LDFLAGS[@]}" "$@" "${objects[@]}" -o "$output"
  chmod 644 "$output"  # data, not an executable (wasm-ld sets +x)
  echo "build-wasm: $output ($(wc -c <"$output") bytes)"
}

mkdir -p "$OUT_DIR"
build plain "$OUT_DIR/ssm_poison.wasm"
build simd "$OUT_DIR/ssm_poison_simd.wasm" -msimd128
