// A layer blob read, verified and inflated in native threads (layer_decoder.cc).
#pragma once
#include <napi.h>

namespace hull {
Napi::Value LayerDecoderNew(const Napi::CallbackInfo& info);
Napi::Value LayerDecoderTake(const Napi::CallbackInfo& info);
Napi::Value LayerDecoderGive(const Napi::CallbackInfo& info);
Napi::Value LayerDecoderResult(const Napi::CallbackInfo& info);
Napi::Value LayerDecoderStop(const Napi::CallbackInfo& info);
}  // namespace hull
