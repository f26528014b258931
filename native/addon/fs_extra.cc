#include "fs_extra.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/file.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace hull {
namespace {

// Throws an Error shaped like Node's fs errors (code, errno, syscall, path) so
// TypeScript handles native and fs failures the same way.
Napi::Value ThrowErrno(Napi::Env env, int err, const char* syscall, const std::string& path) {
  std::string msg = std::string(strerror(err)) + ", " + syscall + " '" + path + "'";
  Napi::Error e = Napi::Error::New(env, msg);
  const char* name = strerrorname_np(err);
  e.Set("code", Napi::String::New(env, name ? name : "EUNKNOWN"));
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("syscall", Napi::String::New(env, syscall));
  e.Set("path", Napi::String::New(env, path));
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

}  // namespace

// mknod(path, mode, dev): mode carries the file type bits (S_IFCHR, S_IFBLK, S_IFIFO).
Napi::Value Mknod(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 3)) return info.Env().Undefined();
  std::string path = info[0].As<Napi::String>();
  mode_t mode = info[1].As<Napi::Number>().Uint32Value();
  dev_t dev = static_cast<dev_t>(info[2].As<Napi::Number>().Int64Value());
  if (mknod(path.c_str(), mode, dev) != 0) return ThrowErrno(info.Env(), errno, "mknod", path);
  return info.Env().Undefined();
}

// lsetxattr(path, name, value: Buffer, flags)
Napi::Value Lsetxattr(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 3)) return info.Env().Undefined();
  std::string path = info[0].As<Napi::String>();
  std::string name = info[1].As<Napi::String>();
  Napi::Buffer<uint8_t> value = info[2].As<Napi::Buffer<uint8_t>>();
  int flags = info.Length() > 3 ? info[3].As<Napi::Number>().Int32Value() : 0;
  if (lsetxattr(path.c_str(), name.c_str(), value.Data(), value.Length(), flags) != 0)
    return ThrowErrno(info.Env(), errno, "lsetxattr", path);
  return info.Env().Undefined();
}

// lgetxattr(path, name) -> Buffer, or null when the attribute is absent.
Napi::Value Lgetxattr(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 2)) return info.Env().Undefined();
  std::string path = info[0].As<Napi::String>();
  std::string name = info[1].As<Napi::String>();
  for (;;) {
    ssize_t size = lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
    if (size < 0) {
      if (errno == ENODATA) return info.Env().Null();
      return ThrowErrno(info.Env(), errno, "lgetxattr", path);
    }
    std::vector<uint8_t> buf(static_cast<size_t>(size));
    ssize_t got = lgetxattr(path.c_str(), name.c_str(), buf.data(), buf.size());
    if (got < 0) {
      if (errno == ERANGE) continue;  // grew between the two calls
      if (errno == ENODATA) return info.Env().Null();
      return ThrowErrno(info.Env(), errno, "lgetxattr", path);
    }
    return Napi::Buffer<uint8_t>::Copy(info.Env(), buf.data(), static_cast<size_t>(got));
  }
}

// llistxattr(path) -> string[]
Napi::Value Llistxattr(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 1)) return info.Env().Undefined();
  std::string path = info[0].As<Napi::String>();
  for (;;) {
    ssize_t size = llistxattr(path.c_str(), nullptr, 0);
    if (size < 0) {
      if (errno == ENOTSUP) return Napi::Array::New(info.Env());
      return ThrowErrno(info.Env(), errno, "llistxattr", path);
    }
    std::vector<char> buf(static_cast<size_t>(size) + 1);
    ssize_t got = llistxattr(path.c_str(), buf.data(), buf.size());
    if (got < 0) {
      if (errno == ERANGE) continue;
      return ThrowErrno(info.Env(), errno, "llistxattr", path);
    }
    Napi::Array names = Napi::Array::New(info.Env());
    uint32_t i = 0;
    for (ssize_t off = 0; off < got;) {
      std::string n(buf.data() + off);
      off += static_cast<ssize_t>(n.size()) + 1;
      if (!n.empty()) names.Set(i++, Napi::String::New(info.Env(), n));
    }
    return names;
  }
}

// openat2(dirfd, path, flags, mode, resolve) -> fd. With RESOLVE_IN_ROOT the kernel
// resolves every component (symlinks and "..") as if dirfd were the root directory.
Napi::Value Openat2(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 5)) return info.Env().Undefined();
  int dirfd = info[0].As<Napi::Number>().Int32Value();
  std::string path = info[1].As<Napi::String>();
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = static_cast<uint64_t>(info[2].As<Napi::Number>().Int64Value());
  how.mode = static_cast<uint64_t>(info[3].As<Napi::Number>().Int64Value());
  how.resolve = static_cast<uint64_t>(info[4].As<Napi::Number>().Int64Value());
  long fd;
  do {
    fd = syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how);
  } while (fd < 0 && errno == EAGAIN);  // RESOLVE_IN_ROOT retries on a concurrent rename
  if (fd < 0) return ThrowErrno(info.Env(), errno, "openat2", path);
  return Napi::Number::New(info.Env(), static_cast<double>(fd));
}

// flock(fd, operation): LOCK_SH=1, LOCK_EX=2, LOCK_NB=4, LOCK_UN=8. Blocks the calling thread.
Napi::Value Flock(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 2)) return info.Env().Undefined();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int op = info[1].As<Napi::Number>().Int32Value();
  int rc;
  do {
    rc = flock(fd, op);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return ThrowErrno(info.Env(), errno, "flock", std::to_string(fd));
  return info.Env().Undefined();
}

Napi::Value Makedev(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 2)) return info.Env().Undefined();
  unsigned maj = info[0].As<Napi::Number>().Uint32Value();
  unsigned min = info[1].As<Napi::Number>().Uint32Value();
  return Napi::Number::New(info.Env(), static_cast<double>(makedev(maj, min)));
}

Napi::Value Major(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 1)) return info.Env().Undefined();
  dev_t d = static_cast<dev_t>(info[0].As<Napi::Number>().Int64Value());
  return Napi::Number::New(info.Env(), major(d));
}

Napi::Value Minor(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 1)) return info.Env().Undefined();
  dev_t d = static_cast<dev_t>(info[0].As<Napi::Number>().Int64Value());
  return Napi::Number::New(info.Env(), minor(d));
}

}  // namespace hull
