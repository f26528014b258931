// Starting hull-init (and the engine's monitor around it) without node:child_process (spawn.h).
//
// libuv starts a child with fork(): in a Node process that copies ~100 MB of page tables, a few
// milliseconds of every `hull run` and `hull-runtime create` (bench/run.ts, bench/runtime.ts).
// Here the child is made with clone(CLONE_VM | CLONE_VFORK), as glibc's posix_spawn does: it
// borrows this process's memory until it calls execve, so nothing is copied. Signals are blocked
// around it and the child resets every handler to the default before exec, so none of Node's
// handlers can run on the borrowed memory.
//
// Detached (the monitor, which outlives us): an intermediate child makes a new session and starts
// the program from there, then exits, so the program is re-parented to init (or the nearest
// subreaper) and never becomes a zombie of a long-running Node process (podman's conmon is
// double-forked for the same reason).
#include "spawn.h"

#include "errors.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

extern char** environ;

namespace hull {
namespace {

constexpr size_t kStack = 64 * 1024;

struct SpawnJob {
  const char* file;
  char* const* argv;
  // Child fd i gets src[i] (a parent fd moved above every target first), or /dev/null for -1.
  std::vector<int> src;
  bool detach;
  void* stack2;
  volatile pid_t grandchild;
  volatile int err;  // errno of a failure in a child (execve's, most likely)
};

// In the child, before exec: default signal handlers, the wanted fds, an empty signal mask.
// Raw syscalls and async-signal-safe calls only: the memory is the parent's.
int ExecChild(SpawnJob* j) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; s++) {
    if (s == SIGKILL || s == SIGSTOP) continue;
    sigaction(s, &dfl, nullptr);
  }
  for (size_t i = 0; i < j->src.size(); i++) {
    int fd = j->src[i];
    if (fd < 0) {
      fd = open("/dev/null", O_RDWR | O_CLOEXEC);
      if (fd < 0) return errno;
    }
    if (fd == static_cast<int>(i)) {
      // Already in place: only the close-on-exec flag must go.
      if (fcntl(fd, F_SETFD, 0) < 0) return errno;
    } else if (dup2(fd, static_cast<int>(i)) < 0) {
      return errno;
    }
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(j->file, j->argv, environ);
  return errno;
}

int Grandchild(void* arg) {
  auto* j = static_cast<SpawnJob*>(arg);
  j->err = ExecChild(j);
  _exit(127);
}

int Child(void* arg) {
  auto* j = static_cast<SpawnJob*>(arg);
  if (!j->detach) {
    j->err = ExecChild(j);
    _exit(127);
  }
  if (setsid() < 0) {
    j->err = errno;
    _exit(127);
  }
  // CLONE_VFORK: this waits until the grandchild has exec'd (or failed), then reports its pid.
  pid_t pid = clone(Grandchild, static_cast<char*>(j->stack2) + kStack, CLONE_VM | CLONE_VFORK | SIGCHLD, j);
  if (pid < 0) j->err = errno;
  else if (j->err == 0) j->grandchild = pid;
  _exit(0);
}

}  // namespace

// pipe() -> [readFd, writeFd], both close-on-exec.
Napi::Value Pipe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return ThrowErrno(env, errno, "pipe2", "");
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, fds[0]));
  out.Set(1u, Napi::Number::New(env, fds[1]));
  return out;
}

// spawnFds(file, argv, fds, detach) -> pid. fds[i] is the parent fd the child gets as fd i (-1:
// /dev/null); fds after the array's end are not passed. argv[0] included.
Napi::Value SpawnFds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsString() || !info[1].IsArray() || !info[2].IsArray()) {
    Napi::TypeError::New(env, "hull_native: spawnFds(file, argv, fds, detach)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string file = info[0].As<Napi::String>().Utf8Value();
  Napi::Array a = info[1].As<Napi::Array>();
  std::vector<std::string> args;
  for (uint32_t i = 0; i < a.Length(); i++) args.push_back(a.Get(i).As<Napi::String>().Utf8Value());
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  Napi::Array f = info[2].As<Napi::Array>();
  bool detach = info[3].ToBoolean().Value();

  SpawnJob j{file.c_str(), argv.data(), {}, detach, nullptr, 0, 0};
  // Every source moved above the highest target first, so no dup2 overwrites a source still needed.
  int above = static_cast<int>(f.Length()) + 3;
  std::vector<int> moved;
  int err = 0;
  for (uint32_t i = 0; i < f.Length(); i++) {
    int fd = f.Get(i).As<Napi::Number>().Int32Value();
    if (fd < 0) {
      j.src.push_back(-1);
      continue;
    }
    int m = fcntl(fd, F_DUPFD_CLOEXEC, above);
    if (m < 0) {
      err = errno;
      break;
    }
    moved.push_back(m);
    j.src.push_back(m);
  }
  void* stacks = MAP_FAILED;
  if (!err) {
    stacks = mmap(nullptr, 2 * kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stacks == MAP_FAILED) err = errno;
  }
  pid_t pid = -1;
  if (!err) {
    j.stack2 = static_cast<char*>(stacks) + kStack;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid = clone(Child, static_cast<char*>(stacks) + kStack, CLONE_VM | CLONE_VFORK | SIGCHLD, &j);
    if (pid < 0) err = errno;
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
  }
  if (pid > 0 && detach) {
    // The intermediate child has exited (CLONE_VFORK waited for it): reap it; the program is
    // its grandchild.
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid = j.grandchild;
  }
  if (!err && j.err) {
    err = j.err;
    if (!detach && pid > 0) {
      while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }
  for (int m : moved) close(m);
  if (stacks != MAP_FAILED) munmap(stacks, 2 * kStack);
  if (err) return ThrowErrno(env, err, "spawn", file);
  return Napi::Number::New(env, pid);
}

// waitpid(pid, block) -> null while it runs (block false), else its wait status as
// { code } (exited) or { signal } (killed).
Napi::Value WaitPid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  bool block = info.Length() > 1 && info[1].ToBoolean().Value();
  int st = 0;
  pid_t r;
  while ((r = waitpid(pid, &st, block ? 0 : WNOHANG)) < 0 && errno == EINTR) {
  }
  if (r < 0) return ThrowErrno(env, errno, "waitpid", "");
  if (r == 0) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  if (WIFEXITED(st)) out.Set("code", Napi::Number::New(env, WEXITSTATUS(st)));
  if (WIFSIGNALED(st)) out.Set("signal", Napi::Number::New(env, WTERMSIG(st)));
  return out;
}

}  // namespace hull
