// NumpyRandom: a NumPy-exact MT19937 stream (native/core/mt19937.cc) as a JS class.
#include <cmath>

#include "addon.h"
#include "args.h"

namespace ssm::napi {

namespace {
class NumpyRandom : public Napi::ObjectWrap<NumpyRandom> {
 public:
  explicit NumpyRandom(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NumpyRandom>(info) {
    const int64_t seed = integer(info, 0, "seed", 0, 4294967295LL);
    ssm_mt_seed(&state_, static_cast<uint32_t>(seed));
  }

  Napi::Value RandomSample(const Napi::CallbackInfo& info) {
    const int64_t n = integer(info, 0, "n", 0, SSM_MAX_ELEMENTS);
    Napi::Float64Array out = new_float64_array(info.Env(), n, "random samples");
    ssm_mt_random_sample(&state_, n, out.Data());
    return out;
  }

  Napi::Value Normal(const Napi::CallbackInfo& info) {
    const double loc = finite_number(info, 0, "loc");
    const double scale = finite_number(info, 1, "scale");
    if (std::signbit(scale))  // NumPy rejects negative scales, −0 included
      throw_range_error(info.Env(), expected("a finite number ≥ 0", "scale", info[1]));
    const int64_t n = integer(info, 2, "n", 0, SSM_MAX_ELEMENTS);
    Napi::Float64Array out = new_float64_array(info.Env(), n, "normal samples");
    ssm_mt_normal(&state_, loc, scale, n, out.Data());
    return out;
  }

 private:
  ssm_mt19937 state_{};
};
}  // namespace

void register_random(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = NumpyRandom::DefineClass(env, "NumpyRandom",
                                                 {NumpyRandom::InstanceMethod("randomSample", &NumpyRandom::RandomSample),
                                                  NumpyRandom::InstanceMethod("normal", &NumpyRandom::Normal)});
  env.GetInstanceData<InstanceData>()->numpy_random = Napi::Persistent(ctor);
  exports.Set("NumpyRandom", ctor);
}

}  // namespace ssm::napi
