// mount(2), umount2(2) and network namespace creation for the engine (mounts.cc).
#pragma once
#include <napi.h>

namespace hull {
Napi::Value Mount(const Napi::CallbackInfo& info);
Napi::Value Umount2(const Napi::CallbackInfo& info);
Napi::Value NetnsCreate(const Napi::CallbackInfo& info);
}  // namespace hull
