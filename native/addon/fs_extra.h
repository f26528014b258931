// Syscalls Node's fs lacks, exposed synchronously: layer extraction calls them
// once per tar entry from the thread that already owns the entry's data.
#pragma once
#include <napi.h>

namespace hull {
Napi::Value Mknod(const Napi::CallbackInfo& info);
Napi::Value Lsetxattr(const Napi::CallbackInfo& info);
Napi::Value Lgetxattr(const Napi::CallbackInfo& info);
Napi::Value Llistxattr(const Napi::CallbackInfo& info);
Napi::Value Openat2(const Napi::CallbackInfo& info);
Napi::Value Flock(const Napi::CallbackInfo& info);
Napi::Value Makedev(const Napi::CallbackInfo& info);
Napi::Value Major(const Napi::CallbackInfo& info);
Napi::Value Minor(const Napi::CallbackInfo& info);
Napi::Value OpenAt(const Napi::CallbackInfo& info);
Napi::Value MkdirAt(const Napi::CallbackInfo& info);
Napi::Value UnlinkAt(const Napi::CallbackInfo& info);
Napi::Value RemoveAllAtFn(const Napi::CallbackInfo& info);
Napi::Value RemoveAllAtAsync(const Napi::CallbackInfo& info);
Napi::Value LinkAt(const Napi::CallbackInfo& info);
Napi::Value FstatatMode(const Napi::CallbackInfo& info);
Napi::Value FstatMtime(const Napi::CallbackInfo& info);
Napi::Value SetMetaAt(const Napi::CallbackInfo& info);
Napi::Value MknodAt(const Napi::CallbackInfo& info);
Napi::Value SymlinkAt(const Napi::CallbackInfo& info);
Napi::Value CreateFileAt(const Napi::CallbackInfo& info);
Napi::Value WriteFileAt(const Napi::CallbackInfo& info);
Napi::Value WriteFd(const Napi::CallbackInfo& info);
Napi::Value FinishFile(const Napi::CallbackInfo& info);
Napi::Value Lremovexattr(const Napi::CallbackInfo& info);
}  // namespace hull
