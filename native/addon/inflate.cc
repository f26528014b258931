// gzip inflation with Intel ISA-L (src/image/layer/decode-worker.ts). ISA-L's inflate is ~1.6x
// faster than the zlib in Node and ~3x faster than GNU gzip on layer blobs; running it in-process
// (instead of piping through the `igzip` program) saves a pipe copy of every tar byte, which on
// these VMs cost more than the faster inflate saved.
//
// libisal.so.2 (Debian's libisal2) is loaded with dlopen on first use, so the addon loads and
// everything else works where it is missing; inflateAvailable() tells. The headers (libisal-dev)
// are only needed at build time, and the addon still builds without them (no ISA-L then).
//
// inflateRun works on libuv's thread pool: the decode worker thread hashes the previous output
// and the next compressed input while the pool thread inflates.
#include "inflate.h"

#include <dlfcn.h>
#include <string.h>

#include <mutex>

#if __has_include(<isa-l/igzip_lib.h>)
#include <isa-l/igzip_lib.h>
#define HULL_HAVE_ISAL 1
#endif

namespace hull {

#ifdef HULL_HAVE_ISAL
namespace {

struct IsalApi {
  void (*init)(struct inflate_state*);
  void (*reset)(struct inflate_state*);
  int (*inflate)(struct inflate_state*);
};

// Loaded once per process (the main thread and the decode worker both may ask).
const IsalApi* Isal() {
  static IsalApi api;
  static bool ok = false;
  static std::once_flag once;
  std::call_once(once, [] {
    void* h = dlopen("libisal.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!h) return;
    api.init = reinterpret_cast<void (*)(struct inflate_state*)>(dlsym(h, "isal_inflate_init"));
    api.reset = reinterpret_cast<void (*)(struct inflate_state*)>(dlsym(h, "isal_inflate_reset"));
    api.inflate = reinterpret_cast<int (*)(struct inflate_state*)>(dlsym(h, "isal_inflate"));
    ok = api.init && api.reset && api.inflate;
  });
  return ok ? &api : nullptr;
}

struct Inflater {
  struct inflate_state st;
};

void StartMember(const IsalApi* api, Inflater* inf) {
  api->init(&inf->st);
  // Parse the gzip header and verify the trailer's CRC-32 and size (RFC 1952).
  inf->st.crc_flag = ISAL_GZIP;
}

// One isal_inflate call on the thread pool; the buffers and the inflater are kept alive by
// references until it completes.
class InflateWork : public Napi::AsyncWorker {
 public:
  InflateWork(Napi::Function cb, Napi::Object handle, Inflater* inf, Napi::Object in, uint8_t* inPtr, size_t inLen,
              Napi::Object out, uint8_t* outPtr, size_t outLen)
      : Napi::AsyncWorker(cb, "hull:inflate"),
        handle_(Napi::Persistent(handle)),
        in_(Napi::Persistent(in)),
        out_(Napi::Persistent(out)),
        inf_(inf),
        inPtr_(inPtr),
        inLen_(inLen),
        outPtr_(outPtr),
        outLen_(outLen) {}

  void Execute() override {
    struct inflate_state& st = inf_->st;
    // isal counts in uint32_t; the decode worker never passes more than a few MiB.
    st.next_in = inPtr_;
    st.avail_in = static_cast<uint32_t>(inLen_);
    st.next_out = outPtr_;
    st.avail_out = static_cast<uint32_t>(outLen_);
    rc_ = Isal()->inflate(&st);
    consumed_ = static_cast<size_t>(st.next_in - inPtr_);
    produced_ = static_cast<size_t>(st.next_out - outPtr_);
    finished_ = st.block_state == ISAL_BLOCK_FINISH;
  }

  void OnOK() override {
    // Raw napi_call_function, its status ignored: when the decode worker is being terminated
    // (a failed or cancelled layer) the call fails, and node-addon-api's Call would then try to
    // throw into the dying environment, which is fatal.
    napi_env env = Env();
    napi_value args[4];
    napi_value global, fn, result;
    if (napi_create_int32(env, rc_, &args[0]) != napi_ok ||
        napi_create_double(env, static_cast<double>(consumed_), &args[1]) != napi_ok ||
        napi_create_double(env, static_cast<double>(produced_), &args[2]) != napi_ok ||
        napi_get_boolean(env, finished_, &args[3]) != napi_ok || napi_get_global(env, &global) != napi_ok ||
        napi_get_reference_value(env, Callback(), &fn) != napi_ok || fn == nullptr)
      return;
    napi_call_function(env, global, fn, 4, args, &result);
  }

 private:
  Napi::ObjectReference handle_;
  Napi::ObjectReference in_;
  Napi::ObjectReference out_;
  Inflater* inf_;
  uint8_t* inPtr_;
  size_t inLen_;
  uint8_t* outPtr_;
  size_t outLen_;
  int rc_ = 0;
  size_t consumed_ = 0;
  size_t produced_ = 0;
  bool finished_ = false;
};

Inflater* Unwrap(const Napi::Value& v) { return v.As<Napi::External<Inflater>>().Data(); }

// inflateRun's argument checks; false when an exception was thrown.
bool RunArgs(const Napi::CallbackInfo& info, size_t n, Inflater** inf, uint8_t** inPtr, size_t* inLen, uint8_t** outPtr,
             size_t* outLen) {
  if (info.Length() < n || !info[0].IsExternal() || !info[1].IsBuffer() || !info[3].IsBuffer()) {
    Napi::TypeError::New(info.Env(), "inflateRun(handle, in, inOff, out, outOff, ...)").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Buffer<uint8_t> in = info[1].As<Napi::Buffer<uint8_t>>();
  Napi::Buffer<uint8_t> out = info[3].As<Napi::Buffer<uint8_t>>();
  int64_t inOff = info[2].As<Napi::Number>().Int64Value();
  int64_t outOff = info[4].As<Napi::Number>().Int64Value();
  if (inOff < 0 || outOff < 0 || static_cast<size_t>(inOff) > in.Length() ||
      static_cast<size_t>(outOff) > out.Length() || in.Length() - inOff > 0x7fffffff ||
      out.Length() - outOff > 0x7fffffff) {
    Napi::RangeError::New(info.Env(), "inflateRun: offset out of range").ThrowAsJavaScriptException();
    return false;
  }
  *inf = Unwrap(info[0]);
  *inPtr = in.Data() + inOff;
  *inLen = in.Length() - static_cast<size_t>(inOff);
  *outPtr = out.Data() + outOff;
  *outLen = out.Length() - static_cast<size_t>(outOff);
  return true;
}

}  // namespace
#endif

// inflateAvailable() -> boolean: ISA-L was built in and libisal.so.2 loads.
Napi::Value InflateAvailable(const Napi::CallbackInfo& info) {
#ifdef HULL_HAVE_ISAL
  return Napi::Boolean::New(info.Env(), Isal() != nullptr);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

// inflateNew() -> handle | null: a gzip inflater at the start of a member.
Napi::Value InflateNew(const Napi::CallbackInfo& info) {
#ifdef HULL_HAVE_ISAL
  const IsalApi* api = Isal();
  if (!api) return info.Env().Null();
  Inflater* inf = new Inflater();
  StartMember(api, inf);
  return Napi::External<Inflater>::New(info.Env(), inf, [](Napi::Env, Inflater* p) { delete p; });
#else
  return info.Env().Null();
#endif
}

// inflateReset(handle): ready for the next gzip member (RFC 1952 §2.2: members may follow each other).
Napi::Value InflateReset(const Napi::CallbackInfo& info) {
#ifdef HULL_HAVE_ISAL
  if (info.Length() >= 1 && info[0].IsExternal() && Isal()) StartMember(Isal(), Unwrap(info[0]));
#endif
  return info.Env().Undefined();
}

// inflateRun(handle, in: Buffer, inOff, out: Buffer, outOff, cb(rc, consumed, produced, finished)):
// inflates in[inOff..] into out[outOff..] on the thread pool until the input is used up, the
// output is full, the member ends (finished) or the data is bad (rc < 0, an ISAL_* error).
// The caller never runs two at once on one handle.
Napi::Value InflateRun(const Napi::CallbackInfo& info) {
#ifdef HULL_HAVE_ISAL
  Inflater* inf;
  uint8_t *inPtr, *outPtr;
  size_t inLen, outLen;
  if (!RunArgs(info, 6, &inf, &inPtr, &inLen, &outPtr, &outLen)) return info.Env().Undefined();
  if (!info[5].IsFunction()) {
    Napi::TypeError::New(info.Env(), "inflateRun: cb must be a function").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  auto* work = new InflateWork(info[5].As<Napi::Function>(), info[0].As<Napi::Object>(), inf,
                               info[1].As<Napi::Object>(), inPtr, inLen, info[3].As<Napi::Object>(), outPtr, outLen);
  work->Queue();
#else
  Napi::Error::New(info.Env(), "hull_native: built without ISA-L").ThrowAsJavaScriptException();
#endif
  return info.Env().Undefined();
}

}  // namespace hull
