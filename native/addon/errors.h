// Errors thrown to JavaScript, one shape for every part of the addon (errors.cc).
#pragma once
#include <napi.h>

#include <string>

namespace hull {
// Throws an Error shaped like Node's fs errors (code, errno, syscall, path), so TypeScript
// handles native and fs failures the same way; returns undefined for `return ThrowErrno(...)`.
// An empty path is left out of the message and the error.
Napi::Value ThrowErrno(Napi::Env env, int err, const char* syscall, const std::string& path);
// False (with a TypeError thrown) when fewer than n arguments were passed.
bool ArgsOk(const Napi::CallbackInfo& info, size_t n);
}  // namespace hull
