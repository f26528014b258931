// gzip inflation with Intel ISA-L, loaded at run time (inflate.cc).
#pragma once
#include <napi.h>

struct inflate_state;

namespace hull {
// The ISA-L functions the layer decoder calls (layer_decoder.cc).
struct IsalInflateApi {
  void (*init)(struct inflate_state*);
  int (*inflate)(struct inflate_state*);
};
// nullptr when the addon was built without ISA-L's headers or libisal.so.2 does not load.
const IsalInflateApi* IsalInflate();

Napi::Value InflateAvailable(const Napi::CallbackInfo& info);
}  // namespace hull
