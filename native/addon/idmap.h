// Idmapped mounts of directories, for the layers of a container in its own user namespace
// (idmap.cc).
#pragma once
#include <napi.h>

namespace hull {
Napi::Value UsernsCreate(const Napi::CallbackInfo& info);
Napi::Value IdmappedTrees(const Napi::CallbackInfo& info);
}  // namespace hull
