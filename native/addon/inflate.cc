// gzip inflation with Intel ISA-L for the layer decoder (layer_decoder.cc). ISA-L's inflate is
// ~1.6x faster than the zlib in Node and ~3x faster than GNU gzip on layer blobs; running it
// in-process (instead of piping through the `igzip` program) saves a pipe copy of every tar
// byte, which on these VMs cost more than the faster inflate saved.
//
// libisal.so.2 (Debian's libisal2) is loaded with dlopen on first use, so the addon loads and
// everything else works where it is missing; inflateAvailable() tells. The headers (libisal-dev)
// are only needed at build time, and the addon still builds without them (no ISA-L then).
#include "inflate.h"

#include <dlfcn.h>

#include <mutex>

#if __has_include(<isa-l/igzip_lib.h>)
#define HULL_HAVE_ISAL 1
#endif

namespace hull {

const IsalInflateApi* IsalInflate() {
#ifdef HULL_HAVE_ISAL
  // Loaded once per process; the decoder threads of several layers may ask at once.
  static IsalInflateApi api;
  static bool ok = false;
  static std::once_flag once;
  std::call_once(once, [] {
    void* h = dlopen("libisal.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!h) return;
    api.init = reinterpret_cast<void (*)(struct inflate_state*)>(dlsym(h, "isal_inflate_init"));
    api.inflate = reinterpret_cast<int (*)(struct inflate_state*)>(dlsym(h, "isal_inflate"));
    ok = api.init && api.inflate;
  });
  return ok ? &api : nullptr;
#else
  return nullptr;
#endif
}

// inflateAvailable() -> boolean: ISA-L was built in and libisal.so.2 loads.
Napi::Value InflateAvailable(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), IsalInflate() != nullptr);
}

}  // namespace hull
