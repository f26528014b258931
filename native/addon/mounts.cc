// mount(2), umount2(2) and network namespaces for the engine, without a fork+exec of mount(8),
// umount(8), unshare(1) and ip(8) per container (bench/run.ts).
//
// Two need a thread of their own, so the Node process itself never changes:
//  - an overlay mount whose lowerdirs are relative (a many-layer image's options must fit in one
//    page) resolves them against the cwd: the thread unshares its fs struct (CLONE_FS) and
//    chdirs, the process's cwd stays;
//  - a new network namespace: the thread unshares CLONE_NEWNET, brings lo up and bind-mounts
//    /proc/thread-self/ns/net onto the given file (what `ip netns add` does), then ends.
#include "mounts.h"

#include "errors.h"

#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace hull {
namespace {

struct MountJob {
  std::string cwd, source, target, fstype, data;
  unsigned long flags;
  int err;
  const char* syscall;
};

void* MountThread(void* arg) {
  auto* j = static_cast<MountJob*>(arg);
  j->err = 0;
  if (!j->cwd.empty()) {
    if (unshare(CLONE_FS) != 0) {
      j->err = errno;
      j->syscall = "unshare";
      return nullptr;
    }
    if (chdir(j->cwd.c_str()) != 0) {
      j->err = errno;
      j->syscall = "chdir";
      return nullptr;
    }
  }
  const char* src = j->source.empty() ? nullptr : j->source.c_str();
  const char* fs = j->fstype.empty() ? nullptr : j->fstype.c_str();
  const void* data = j->data.empty() ? nullptr : j->data.c_str();
  if (mount(src, j->target.c_str(), fs, j->flags, data) != 0) {
    j->err = errno;
    j->syscall = "mount";
  }
  return nullptr;
}

struct NetnsJob {
  std::string path;
  int err;
  const char* syscall;
};

void* NetnsThread(void* arg) {
  auto* j = static_cast<NetnsJob*>(arg);
  j->err = 0;
  if (unshare(CLONE_NEWNET) != 0) {
    j->err = errno;
    j->syscall = "unshare";
    return nullptr;
  }
  // A new namespace's lo is down; `--network none` has a working lo, as docker's has.
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    j->err = errno;
    j->syscall = "socket";
    return nullptr;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
  if (rc == 0) {
    ifr.ifr_flags |= IFF_UP;
    rc = ioctl(s, SIOCSIFFLAGS, &ifr);
  }
  if (rc != 0) {
    j->err = errno;
    j->syscall = "ioctl(SIOCSIFFLAGS lo)";
    close(s);
    return nullptr;
  }
  close(s);
  if (mount("/proc/thread-self/ns/net", j->path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    j->err = errno;
    j->syscall = "mount";
  }
  return nullptr;
}

// Runs fn(job) on a new thread and waits for it: the thread's namespace or fs changes die with it.
template <typename Job>
int OnThread(void* (*fn)(void*), Job* job) {
  pthread_t t;
  int rc = pthread_create(&t, nullptr, fn, job);
  if (rc != 0) return rc;
  pthread_join(t, nullptr);
  return 0;
}

std::string Str(const Napi::Value& v) { return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string(); }

}  // namespace

// mount(source, target, fstype, flags, data, cwd?): "" for a NULL argument; with cwd, relative
// paths in data (overlay's lowerdir) are resolved against it.
Napi::Value Mount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!ArgsOk(info, 5)) return env.Undefined();
  MountJob j{Str(info[5]), Str(info[0]), Str(info[1]), Str(info[2]), Str(info[4]),
             static_cast<unsigned long>(info[3].As<Napi::Number>().Int64Value()), 0, "mount"};
  if (j.cwd.empty()) {
    MountThread(&j);
  } else {
    int rc = OnThread(MountThread, &j);
    if (rc != 0) return ThrowErrno(env, rc, "pthread_create", j.target);
  }
  if (j.err != 0) return ThrowErrno(env, j.err, j.syscall, j.target);
  return env.Undefined();
}

// umount2(target, flags)
Napi::Value Umount2(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!ArgsOk(info, 2)) return env.Undefined();
  std::string target = Str(info[0]);
  int flags = info[1].As<Napi::Number>().Int32Value();
  if (umount2(target.c_str(), flags) != 0) return ThrowErrno(env, errno, "umount2", target);
  return env.Undefined();
}

// netnsCreate(path): a new network namespace with lo up, kept alive by a bind mount on path
// (an existing file).
Napi::Value NetnsCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!ArgsOk(info, 1)) return env.Undefined();
  NetnsJob j{Str(info[0]), 0, "unshare"};
  int rc = OnThread(NetnsThread, &j);
  if (rc != 0) return ThrowErrno(env, rc, "pthread_create", j.path);
  if (j.err != 0) return ThrowErrno(env, j.err, j.syscall, j.path);
  return env.Undefined();
}

}  // namespace hull
