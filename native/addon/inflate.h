// gzip inflation with Intel ISA-L, loaded at run time (inflate.cc).
#pragma once
#include <napi.h>

namespace hull {
Napi::Value InflateAvailable(const Napi::CallbackInfo& info);
Napi::Value InflateNew(const Napi::CallbackInfo& info);
Napi::Value InflateReset(const Napi::CallbackInfo& info);
Napi::Value InflateRun(const Napi::CallbackInfo& info);
}  // namespace hull
