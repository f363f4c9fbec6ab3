{
  "variables": {
    "openblas%": "<!(node scripts/probe-openblas.js found)",
    "core_sources": [
      "native/core/parallel.cc",
      "native/core/impulse.cc",
      "native/core/scan.cc",
      "native/core/evaluate.cc",
      "native/core/metrics.cc",
      "native/core/ode_common.cc",
      "native/core/dopri5.cc",
      "native/core/rosenbrock.cc",
      "native/core/ode_auto.cc",
      "native/core/ode_restart.cc",
      "native/core/lsoda.cc",
      "native/core/ode_problems.cc",
      "native/core/flow.cc",
      "native/core/kernel_norm.cc",
      "native/core/train.cc",
      "native/core/mlp.cc",
      "native/core/flow_scaled.cc",
      "native/core/info.cc"
    ],
    "napi_sources": [
      "native/napi/addon.cc",
      "native/napi/args.cc",
      "native/napi/kernels.cc",
      "native/napi/random.cc",
      "native/napi/ode.cc",
      "native/napi/flow.cc",
      "native/napi/train.cc",
      "native/napi/flow_scaled.cc"
    ]
  },
  "target_defaults": {
    "include_dirs": [
      "<!(node -p \"require('node-addon-api').include_dir\")",
      "native/core"
    ],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++14", "-O2"],
    "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-ffp-contract=fast", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-psabi"],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "OTHER_CPLUSPLUSFLAGS": ["-O3"]
    },
    "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1 } }
  },
  "targets": [
    {
      "target_name": "ssm_exact",
      "type": "static_library",
      "comment": "Code whose rounding is fixed: like NumPy (mt19937) or the same on every CPU and in WebAssembly (fixed_order, the gradient flows); no contracted multiply-adds.",
      "sources": ["native/core/mt19937.cc", "native/core/fixed_order.cc", "native/core/fixed_pow.cc"],
      "cflags": ["-fPIC"],
      "cflags_cc!": ["-ffp-contract=fast"],
      "cflags_cc+": ["-ffp-contract=off"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-ffp-contract=off"] }
    },
    {
      "target_name": "ssm_poison",
      "dependencies": ["ssm_exact"],
      "sources": ["<@(core_sources)", "<@(napi_sources)"],
      "conditions": [
        ["openblas==1", {
          "sources": ["native/core/blas_openblas.cc"],
          "defines": ["SSM_WITH_OPENBLAS=1"],
          "cflags_cc": ["<!@(node scripts/probe-openblas.js cflags)"],
          "libraries": ["<!@(node scripts/probe-openblas.js libs)"]
        }, {
          "sources": ["native/core/blas_portable.cc"]
        }]
      ]
    },
    {
      "target_name": "ssm_poison_portable",
      "dependencies": ["ssm_exact"],
      "sources": ["<@(core_sources)", "<@(napi_sources)", "native/core/blas_portable.cc"]
    }
  ]
}
