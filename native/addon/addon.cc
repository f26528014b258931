// hull's N-API addon: the handful of syscalls layer extraction needs and Node does not offer.
#include <napi.h>
#include "fs_extra.h"
#include "idmap.h"
#include "spawn.h"
#include "mounts.h"
#include "inflate.h"
#include "layer_decoder.h"

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
  exports.Set("openat", Napi::Function::New(env, hull::OpenAt));
  exports.Set("mkdirat", Napi::Function::New(env, hull::MkdirAt));
  exports.Set("unlinkat", Napi::Function::New(env, hull::UnlinkAt));
  exports.Set("removeAllAt", Napi::Function::New(env, hull::RemoveAllAtFn));
  exports.Set("removeAllAtAsync", Napi::Function::New(env, hull::RemoveAllAtAsync));
  exports.Set("linkat", Napi::Function::New(env, hull::LinkAt));
  exports.Set("fstatatMode", Napi::Function::New(env, hull::FstatatMode));
  exports.Set("fstatMtime", Napi::Function::New(env, hull::FstatMtime));
  exports.Set("setMetaAt", Napi::Function::New(env, hull::SetMetaAt));
  exports.Set("mknodAt", Napi::Function::New(env, hull::MknodAt));
  exports.Set("symlinkAt", Napi::Function::New(env, hull::SymlinkAt));
  exports.Set("createFileAt", Napi::Function::New(env, hull::CreateFileAt));
  exports.Set("writeFileAt", Napi::Function::New(env, hull::WriteFileAt));
  exports.Set("writeFd", Napi::Function::New(env, hull::WriteFd));
  exports.Set("finishFile", Napi::Function::New(env, hull::FinishFile));
  exports.Set("lremovexattr", Napi::Function::New(env, hull::Lremovexattr));
  exports.Set("mount", Napi::Function::New(env, hull::Mount));
  exports.Set("umount2", Napi::Function::New(env, hull::Umount2));
  exports.Set("netnsCreate", Napi::Function::New(env, hull::NetnsCreate));
  exports.Set("usernsCreate", Napi::Function::New(env, hull::UsernsCreate));
  exports.Set("pipe", Napi::Function::New(env, hull::Pipe));
  exports.Set("spawnFds", Napi::Function::New(env, hull::SpawnFds));
  exports.Set("waitpid", Napi::Function::New(env, hull::WaitPid));
  exports.Set("idmappedTrees", Napi::Function::New(env, hull::IdmappedTrees));
  exports.Set("inflateAvailable", Napi::Function::New(env, hull::InflateAvailable));
  exports.Set("layerDecoderNew", Napi::Function::New(env, hull::LayerDecoderNew));
  exports.Set("layerDecoderTake", Napi::Function::New(env, hull::LayerDecoderTake));
  exports.Set("layerDecoderGive", Napi::Function::New(env, hull::LayerDecoderGive));
  exports.Set("layerDecoderResult", Napi::Function::New(env, hull::LayerDecoderResult));
  exports.Set("layerDecoderStop", Napi::Function::New(env, hull::LayerDecoderStop));
  return exports;
}

NODE_API_MODULE(hull_native, Init)
