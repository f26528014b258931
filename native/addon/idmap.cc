// User namespaces and idmapped mounts for `hull run --user-ns auto` (idmap.h).
//
// usernsCreate: a child process is cloned into a new user namespace (it only waits on a pipe, so
// a raw clone is safe in a multi-threaded process), its uid_map and gid_map are written from
// here, and its namespace files are bind-mounted where the container will join them.
// idmappedTrees: each directory is cloned as a detached mount (open_tree), given that
// namespace's mapping (mount_setattr MOUNT_ATTR_IDMAP) and returned as a file descriptor: the
// caller passes /proc/self/fd/N as an overlay lowerdir and closes it once the overlay is mounted
// (overlay keeps private clones of its layers, so nothing is left mounted anywhere to clean up).
#include "idmap.h"

#include "errors.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace hull {
namespace {

bool WriteFile(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int saved = errno;
  close(fd);
  errno = saved;
  return ok;
}

}  // namespace

// usernsCreate(userPath, netPath, uid, gid, size): a new user namespace mapping 0..size-1 to
// uid.. and gid.., kept by a bind mount of its nsfs file on userPath (as `unshare --user=FILE`);
// with a netPath, a network namespace owned by it as well, lo up, bound on netPath. A container
// that joins both can mount sysfs (the user namespace owning the network namespace is its own),
// and runtimes that join the user namespace first (runc, hull-runtime) can enter the network one.
Napi::Value UsernsCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5) {
    Napi::TypeError::New(env, "hull_native: usernsCreate(userPath, netPath, uid, gid, size)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string userPath = info[0].As<Napi::String>().Utf8Value();
  std::string netPath = info[1].As<Napi::String>().Utf8Value();
  long long uid = info[2].As<Napi::Number>().Int64Value();
  long long gid = info[3].As<Napi::Number>().Int64Value();
  long long size = info[4].As<Napi::Number>().Int64Value();
  bool net = !netPath.empty();

  int go[2], ready[2];
  if (pipe2(go, O_CLOEXEC) < 0) return ThrowErrno(env, errno, "pipe2", "");
  if (pipe2(ready, O_CLOEXEC) < 0) {
    int err = errno;
    close(go[0]);
    close(go[1]);
    return ThrowErrno(env, err, "pipe2", "");
  }
  unsigned long flags = CLONE_NEWUSER | (net ? CLONE_NEWNET : 0) | SIGCHLD;
  pid_t pid = static_cast<pid_t>(syscall(SYS_clone, flags, nullptr, nullptr, nullptr, nullptr));
  if (pid < 0) {
    int err = errno;
    close(go[0]), close(go[1]), close(ready[0]), close(ready[1]);
    return ThrowErrno(env, err, "clone(CLONE_NEWUSER)", "");
  }
  if (pid == 0) {
    // The child (raw syscalls only: it is a copy of a multi-threaded process). It has every
    // capability in its new namespaces: bring lo up, report, then hold them until told to go.
    char c = 0;
    syscall(SYS_close, go[1]);
    syscall(SYS_close, ready[0]);
    if (net) {
      c = 1;
      long s = syscall(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      struct ifreq ifr;
      memset(&ifr, 0, sizeof ifr);
      memcpy(ifr.ifr_name, "lo", 3);
      if (s >= 0 && syscall(SYS_ioctl, s, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP;
        if (syscall(SYS_ioctl, s, SIOCSIFFLAGS, &ifr) == 0) c = 0;
      }
    }
    syscall(SYS_write, ready[1], &c, 1);
    while (syscall(SYS_read, go[0], &c, 1) < 0 && errno == EINTR) {
    }
    syscall(SYS_exit, 0);
  }
  close(go[0]);
  close(ready[1]);

  int err = 0;
  const char* what = "";
  std::string where;
  std::string proc = "/proc/" + std::to_string(pid);
  char map[96];
  char c = 1;
  snprintf(map, sizeof map, "0 %lld %lld\n", uid, size);
  if (!WriteFile(proc + "/uid_map", map)) {
    err = errno, what = "write", where = proc + "/uid_map";
  } else {
    snprintf(map, sizeof map, "0 %lld %lld\n", gid, size);
    if (!WriteFile(proc + "/gid_map", map)) err = errno, what = "write", where = proc + "/gid_map";
  }
  ssize_t n;
  while ((n = read(ready[0], &c, 1)) < 0 && errno == EINTR) {
  }
  if (!err && (n != 1 || c != 0)) err = n == 1 ? EIO : EPIPE, what = "bring lo up in the new network namespace";
  if (!err && mount((proc + "/ns/user").c_str(), userPath.c_str(), nullptr, MS_BIND, nullptr) != 0)
    err = errno, what = "mount", where = userPath;
  if (!err && net && mount((proc + "/ns/net").c_str(), netPath.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    err = errno, what = "mount", where = netPath;
    umount2(userPath.c_str(), MNT_DETACH);
  }
  close(ready[0]);
  close(go[1]);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  if (err) return ThrowErrno(env, err, what, where);
  return env.Undefined();
}

// idmappedTrees(paths, usernsPath) -> fds: each path as a detached mount seen through the user
// namespace's mapping (usernsCreate's).
Napi::Value IdmappedTrees(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsArray()) {
    Napi::TypeError::New(env, "hull_native: idmappedTrees(paths, usernsPath)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array arr = info[0].As<Napi::Array>();
  std::vector<std::string> paths;
  for (uint32_t i = 0; i < arr.Length(); i++) paths.push_back(arr.Get(i).As<Napi::String>().Utf8Value());
  std::string usernsPath = info[1].As<Napi::String>().Utf8Value();
  int userns = open(usernsPath.c_str(), O_RDONLY | O_CLOEXEC);
  if (userns < 0) return ThrowErrno(env, errno, "open", usernsPath);
  std::vector<int> fds;
  int err = 0;
  const char* what = "";
  std::string where;
  for (size_t i = 0; i < paths.size(); i++) {
    int fd = static_cast<int>(syscall(SYS_open_tree, AT_FDCWD, paths[i].c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    if (fd < 0) {
      err = errno, what = "open_tree", where = paths[i];
      break;
    }
    fds.push_back(fd);
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = static_cast<__u64>(userns);
    if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
      err = errno, what = "mount_setattr(MOUNT_ATTR_IDMAP)", where = paths[i];
      break;
    }
  }
  close(userns);
  if (err) {
    for (int fd : fds) close(fd);
    return ThrowErrno(env, err, what, where);
  }
  Napi::Array out = Napi::Array::New(env, fds.size());
  for (size_t i = 0; i < fds.size(); i++) out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, fds[i]));
  return out;
}

}  // namespace hull
