// Module-wide state of the binding (per Node environment, so worker threads are safe).
#ifndef SSM_POISON_NAPI_ADDON_H
#define SSM_POISON_NAPI_ADDON_H

#include <napi.h>

#include <string>

namespace ssm::napi {

struct InstanceData {
  Napi::FunctionReference error_class;   // SsmPoisonError, handed over by setErrorClass
  Napi::FunctionReference numpy_random;  // the NumpyRandom constructor
};

// An error of the library's class (or a plain Error before setErrorClass) with a code.
Napi::Error library_error(Napi::Env env, const std::string& message, const char* code);

void register_kernels(Napi::Env env, Napi::Object exports);
void register_random(Napi::Env env, Napi::Object exports);
void register_ode(Napi::Env env, Napi::Object exports);
void register_flow(Napi::Env env, Napi::Object exports);
void register_train(Napi::Env env, Napi::Object exports);
void register_flow_scaled(Napi::Env env, Napi::Object exports);

}  // namespace ssm::napi

#endif
