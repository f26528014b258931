// hull's N-API addon: the handful of syscalls layer extraction needs and Node does not offer.
#include <napi.h>
#include "fs_extra.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("mknod", Napi::Function::New(env, hull::Mknod));
  exports.Set("lsetxattr", Napi::Function::New(env, hull::Lsetxattr));
  exports.Set("lgetxattr", Napi::Function::New(env, hull::Lgetxattr));
  exports.Set("llistxattr", Napi::Function::New(env, hull::Llistxattr));
  exports.Set("openat2", Napi::Function::New(env, hull::Openat2));
  exports.Set("flock", Napi::Function::New(env, hull::Flock));
  exports.Set("makedev", Napi::Function::New(env, hull::Makedev));
  exports.Set("major", Napi::Function::New(env, hull::Major));
  exports.Set("minor", Napi::Function::New(env, hull::Minor));
  return exports;
}

NODE_API_MODULE(hull_native, Init)
