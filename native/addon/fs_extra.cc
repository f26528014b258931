#include "fs_extra.h"

#include "errors.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/file.h>
#include <sys/xattr.h>
#include <dirent.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace hull {
namespace {

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

// ---------------------------------------------------------------------------------------------
// *at helpers for layer extraction (src/image/layer/apply*.ts). Every one takes a directory fd
// (an O_PATH fd from openat2(RESOLVE_IN_ROOT)) plus a single path component, so the kernel never
// resolves a path the layer controls outside the rootfs. They return 0 (or an fd) on success and
// -errno on failure instead of throwing: EEXIST and ENOENT are routine during extraction (an
// entry replacing an existing path) and exceptions across N-API are costly.
// ---------------------------------------------------------------------------------------------
namespace hull {
namespace {

int Int(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }
int64_t I64(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int64Value(); }
Napi::Value Ret(const Napi::CallbackInfo& info, long rc) {
  return Napi::Number::New(info.Env(), static_cast<double>(rc < 0 ? -errno : rc));
}

// chown before chmod (chown clears setuid/setgid), then times; AT_SYMLINK_NOFOLLOW throughout.
int MetaAt(int dirfd, const char* name, int64_t uid, int64_t gid, int64_t mode, int64_t sec, int64_t nsec,
           bool isLink) {
  if (fchownat(dirfd, name, static_cast<uid_t>(uid), static_cast<gid_t>(gid), AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  if (!isLink && mode >= 0 && fchmodat(dirfd, name, static_cast<mode_t>(mode), 0) != 0) return -errno;
  if (nsec >= 0) {
    struct timespec ts[2] = {{static_cast<time_t>(sec), static_cast<long>(nsec)},
                             {static_cast<time_t>(sec), static_cast<long>(nsec)}};
    if (utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  }
  return 0;
}

int FdMeta(int fd, int64_t uid, int64_t gid, int64_t mode, int64_t sec, int64_t nsec) {
  // A new file usually has its owner and mode already (created by root with the entry's
  // permission bits: CreateMode): one fstat instead of an fchown and an fchmod, which each
  // lock and change the inode (~4% of an unpack of a Debian image on tmpfs).
  struct stat st;
  bool known = fstat(fd, &st) == 0;
  if (!known || st.st_uid != static_cast<uid_t>(uid) || st.st_gid != static_cast<gid_t>(gid)) {
    if (fchown(fd, static_cast<uid_t>(uid), static_cast<gid_t>(gid)) != 0) return -errno;
    known = false;  // chown may have cleared setuid/setgid
  }
  if (mode >= 0 && !(known && (st.st_mode & 07777) == static_cast<mode_t>(mode)) &&
      fchmod(fd, static_cast<mode_t>(mode)) != 0)
    return -errno;
  if (nsec >= 0) {
    struct timespec ts[2] = {{static_cast<time_t>(sec), static_cast<long>(nsec)},
                             {static_cast<time_t>(sec), static_cast<long>(nsec)}};
    if (futimens(fd, ts) != 0) return -errno;
  }
  return 0;
}

// The mode a file entry is created with: its permission bits (the umask may still take some,
// and FdMeta then sets them), never setuid/setgid/sticky, which only FdMeta's fchmod sets,
// after the chown that would clear them. -1 (unknown): 0600, as before anything is known.
mode_t CreateMode(int64_t mode) { return mode >= 0 ? static_cast<mode_t>(mode & 0777) : 0600; }

int WriteAll(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return 0;
}

// Removes name under dirfd; a directory with everything below it. Never follows a symlink:
// children are opened with O_NOFOLLOW|O_DIRECTORY relative to their parent's fd.
int RemoveAllAt(int dirfd, const char* name, int depth) {
  if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return 0;
  if (errno != EISDIR && errno != EPERM) return -errno;
  if (depth > 4096) return -ELOOP;
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -errno;
  DIR* d = fdopendir(fd);
  if (!d) {
    int e = errno;
    close(fd);
    return -e;
  }
  int rc = 0;
  std::vector<std::string> names;
  while (struct dirent* de = readdir(d)) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    names.emplace_back(de->d_name);
  }
  for (const std::string& n : names) {
    rc = RemoveAllAt(fd, n.c_str(), depth + 1);
    if (rc != 0) break;
  }
  closedir(d);
  if (rc != 0) return rc;
  if (unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT) return -errno;
  return 0;
}

}  // namespace

// openat(dirfd, name, flags, mode) -> fd | -errno
Napi::Value OpenAt(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 4)) return info.Env().Undefined();
  std::string name = info[1].As<Napi::String>();
  return Ret(info, openat(Int(info, 0), name.c_str(), Int(info, 2) | O_CLOEXEC, static_cast<mode_t>(Int(info, 3))));
}

// mkdirat(dirfd, name, mode) -> 0 | -errno
Napi::Value MkdirAt(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 3)) return info.Env().Undefined();
  std::string name = info[1].As<Napi::String>();
  return Ret(info, mkdirat(Int(info, 0), name.c_str(), static_cast<mode_t>(Int(info, 2))));
}

// unlinkat(dirfd, name, flags) -> 0 | -errno
Napi::Value UnlinkAt(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 3)) return info.Env().Undefined();
  std::string name = info[1].As<Napi::String>();
  return Ret(info, unlinkat(Int(info, 0), name.c_str(), Int(info, 2)));
}

// removeAllAt(dirfd, name) -> 0 | -errno: like `rm -rf`, never following symlinks.
Napi::Value RemoveAllAtFn(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 2)) return info.Env().Undefined();
  std::string name = info[1].As<Napi::String>();
  return Napi::Number::New(info.Env(), RemoveAllAt(Int(info, 0), name.c_str(), 0));
}

namespace {
// removeAllAt on the thread pool: the directory fd is dup'ed, so the caller may close its own.
class RemoveAllWork : public Napi::AsyncWorker {
 public:
  RemoveAllWork(Napi::Function cb, int dirfd, std::string name)
      : Napi::AsyncWorker(cb, "hull:removeAll"), dirfd_(dirfd), name_(std::move(name)) {}
  ~RemoveAllWork() override {
    if (dirfd_ >= 0) close(dirfd_);
  }
  void Execute() override { rc_ = RemoveAllAt(dirfd_, name_.c_str(), 0); }
  void OnOK() override { Callback().Call({Env().Null(), Napi::Number::New(Env(), rc_)}); }

 private:
  int dirfd_;
  std::string name_;
  int rc_ = 0;
};
}  // namespace

// removeAllAtAsync(dirfd, name, cb(null, 0 | -errno)): removeAllAt on libuv's thread pool, so a
// container's layers on a slow disk go while the main thread does the rest of `rm`.
Napi::Value RemoveAllAtAsync(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 3)) return info.Env().Undefined();
  int fd = fcntl(Int(info, 0), F_DUPFD_CLOEXEC, 3);
  if (fd < 0) return Napi::Number::New(info.Env(), -errno);
  auto* w = new RemoveAllWork(info[2].As<Napi::Function>(), fd, info[1].As<Napi::String>().Utf8Value());
  w->Queue();
  return Napi::Number::New(info.Env(), 0);
}

// linkat(olddirfd, oldname, newdirfd, newname) -> 0 | -errno (flags 0: a symlink is linked, not followed)
Napi::Value LinkAt(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 4)) return info.Env().Undefined();
  std::string oldname = info[1].As<Napi::String>();
  std::string newname = info[3].As<Napi::String>();
  return Ret(info, linkat(Int(info, 0), oldname.c_str(), Int(info, 2), newname.c_str(), 0));
}

// fstatatMode(dirfd, name) -> st_mode | -errno, not following a final symlink.
Napi::Value FstatatMode(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 2)) return info.Env().Undefined();
  std::string name = info[1].As<Napi::String>();
  struct stat st;
  if (fstatat(Int(info, 0), name.c_str(), &st, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0)
    return Napi::Number::New(info.Env(), -errno);
  return Napi::Number::New(info.Env(), st.st_mode);
}

// fstatTimes(fd) -> [mtimeSec, mtimeNsec] | -errno (works on O_PATH fds)
Napi::Value FstatMtime(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 1)) return info.Env().Undefined();
  struct stat st;
  if (fstat(Int(info, 0), &st) != 0) return Napi::Number::New(info.Env(), -errno);
  Napi::Array a = Napi::Array::New(info.Env(), 2);
  a.Set(0u, Napi::Number::New(info.Env(), static_cast<double>(st.st_mtim.tv_sec)));
  a.Set(1u, Napi::Number::New(info.Env(), static_cast<double>(st.st_mtim.tv_nsec)));
  return a;
}

// setMetaAt(dirfd, name, uid, gid, mode (-1: skip), sec, nsec (-1: skip), isSymlink) -> 0 | -errno
Napi::Value SetMetaAt(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 8)) return info.Env().Undefined();
  std::string name = info[1].As<Napi::String>();
  return Napi::Number::New(info.Env(), MetaAt(Int(info, 0), name.c_str(), I64(info, 2), I64(info, 3), I64(info, 4),
                                              I64(info, 5), I64(info, 6), info[7].ToBoolean().Value()));
}

// mknodAt(dirfd, name, mode incl. S_IF*, dev, uid, gid, sec, nsec) -> 0 | -errno
Napi::Value MknodAt(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 8)) return info.Env().Undefined();
  std::string name = info[1].As<Napi::String>();
  int dirfd = Int(info, 0);
  mode_t mode = static_cast<mode_t>(I64(info, 2));
  if (mknodat(dirfd, name.c_str(), mode, static_cast<dev_t>(I64(info, 3))) != 0)
    return Napi::Number::New(info.Env(), -errno);
  return Napi::Number::New(info.Env(), MetaAt(dirfd, name.c_str(), I64(info, 4), I64(info, 5), mode & 07777,
                                              I64(info, 6), I64(info, 7), false));
}

// symlinkAt(target, dirfd, name, uid, gid, sec, nsec) -> 0 | -errno
Napi::Value SymlinkAt(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 7)) return info.Env().Undefined();
  std::string target = info[0].As<Napi::String>();
  std::string name = info[2].As<Napi::String>();
  int dirfd = Int(info, 1);
  if (symlinkat(target.c_str(), dirfd, name.c_str()) != 0) return Napi::Number::New(info.Env(), -errno);
  return Napi::Number::New(info.Env(),
                           MetaAt(dirfd, name.c_str(), I64(info, 3), I64(info, 4), -1, I64(info, 5), I64(info, 6), true));
}

// createFileAt(dirfd, name, mode?) -> fd | -errno: O_CREAT|O_EXCL|O_NOFOLLOW, so an existing
// path (even a dangling symlink) is never written through; created with CreateMode(mode).
Napi::Value CreateFileAt(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 2)) return info.Env().Undefined();
  std::string name = info[1].As<Napi::String>();
  mode_t mode = CreateMode(info.Length() > 2 && info[2].IsNumber() ? I64(info, 2) : -1);
  return Ret(info, openat(Int(info, 0), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
}

// writeFileAt(dirfd, name, data: Buffer, uid, gid, mode, sec, nsec) -> 0 | -errno: a whole
// small file in one call (create, write, chown, chmod, times, close).
Napi::Value WriteFileAt(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 8)) return info.Env().Undefined();
  std::string name = info[1].As<Napi::String>();
  Napi::Buffer<uint8_t> data = info[2].As<Napi::Buffer<uint8_t>>();
  int fd = openat(Int(info, 0), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  CreateMode(I64(info, 5)));
  if (fd < 0) return Napi::Number::New(info.Env(), -errno);
  int rc = WriteAll(fd, data.Data(), data.Length());
  if (rc == 0) rc = FdMeta(fd, I64(info, 3), I64(info, 4), I64(info, 5), I64(info, 6), I64(info, 7));
  if (close(fd) != 0 && rc == 0) rc = -errno;
  return Napi::Number::New(info.Env(), rc);
}

// writeFd(fd, data: Buffer) -> 0 | -errno: writes all of data.
Napi::Value WriteFd(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 2)) return info.Env().Undefined();
  Napi::Buffer<uint8_t> data = info[1].As<Napi::Buffer<uint8_t>>();
  return Napi::Number::New(info.Env(), WriteAll(Int(info, 0), data.Data(), data.Length()));
}

// finishFile(fd, uid, gid, mode, sec, nsec) -> 0 | -errno: metadata then close (always closes).
Napi::Value FinishFile(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 6)) return info.Env().Undefined();
  int fd = Int(info, 0);
  int rc = FdMeta(fd, I64(info, 1), I64(info, 2), I64(info, 3), I64(info, 4), I64(info, 5));
  if (close(fd) != 0 && rc == 0) rc = -errno;
  return Napi::Number::New(info.Env(), rc);
}


// lremovexattr(path, name) -> 0 | -errno
Napi::Value Lremovexattr(const Napi::CallbackInfo& info) {
  if (!ArgsOk(info, 2)) return info.Env().Undefined();
  std::string path = info[0].As<Napi::String>();
  std::string name = info[1].As<Napi::String>();
  return Ret(info, lremovexattr(path.c_str(), name.c_str()));
}

}  // namespace hull
