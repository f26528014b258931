#include "errors.h"

#include <string.h>

namespace hull {

Napi::Value ThrowErrno(Napi::Env env, int err, const char* syscall, const std::string& path) {
  std::string msg = std::string(strerror(err)) + ", " + syscall;
  if (!path.empty()) msg += " '" + path + "'";
  Napi::Error e = Napi::Error::New(env, msg);
  const char* name = strerrorname_np(err);
  e.Set("code", Napi::String::New(env, name ? name : "EUNKNOWN"));
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("syscall", Napi::String::New(env, syscall));
  if (!path.empty()) e.Set("path", Napi::String::New(env, path));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

bool ArgsOk(const Napi::CallbackInfo& info, size_t n) {
  if (info.Length() < n) {
    Napi::TypeError::New(info.Env(), "hull_native: missing arguments").ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

}  // namespace hull
