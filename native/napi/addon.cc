// The module file: registers the exports, nothing else.
#include "addon.h"

namespace ssm::napi {

Napi::Error library_error(Napi::Env env, const std::string& message, const char* code) {
  auto* data = env.GetInstanceData<InstanceData>();
  Napi::Object error;
  if (data != nullptr && !data->error_class.IsEmpty()) {
    error = data->error_class.New({Napi::String::New(env, message), Napi::String::New(env, code)});
  } else {
    error = Napi::Error::New(env, message).Value();
  }
  error.Set("code", Napi::String::New(env, code));
  return Napi::Error(env, error);
}

namespace {
Napi::Value set_error_class(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "Expected a function for errorClass");
  info.Env().GetInstanceData<InstanceData>()->error_class = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Object init_module(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<InstanceData>(new InstanceData());
  exports.Set("setErrorClass", Napi::Function::New(env, set_error_class, "setErrorClass"));
  register_kernels(env, exports);
  register_random(env, exports);
  register_ode(env, exports);
  register_flow(env, exports);
  register_train(env, exports);
  register_flow_scaled(env, exports);
  return exports;
}
}  // namespace

}  // namespace ssm::napi

static Napi::Object Init(Napi::Env env, Napi::Object exports) { return ssm::napi::init_module(env, exports); }

NODE_API_MODULE(NODE_GYP_MODULE_NAME, Init)
