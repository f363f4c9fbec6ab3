// Shared by the WebAssembly export files: the export attribute and the size conversion.
// Sizes cross the boundary as doubles (exact integers below 2^53, no BigInt in
// JavaScript); the TypeScript caller has validated them with the native binding's rules.
#ifndef SSM_POISON_WASM_EXPORTS_H
#define SSM_POISON_WASM_EXPORTS_H

#include <cstdint>

#define SSM_WASM_EXPORT(name) extern "C" __attribute__((export_name(#name), visibility("default")))

namespace ssm::wasm {

inline int64_t size(double v) { return static_cast<int64_t>(v); }

}  // namespace ssm::wasm

#endif
