// Process start-up without node:child_process: pipes, a vfork-style spawn with an fd map
// (optionally detached into a session of its own and re-parented), and waitpid (spawn.cc).
#pragma once
#include <napi.h>

namespace hull {
Napi::Value Pipe(const Napi::CallbackInfo& info);
Napi::Value SpawnFds(const Napi::CallbackInfo& info);
Napi::Value WaitPid(const Napi::CallbackInfo& info);
}  // namespace hull
