{
  "targets": [
    {
      "target_name": "hull_native",
      "sources": ["addon/addon.cc", "addon/errors.cc", "addon/fs_extra.cc", "addon/mounts.cc", "addon/idmap.cc", "addon/spawn.cc", "addon/inflate.cc", "addon/layer_decoder.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra"],
    }
  ]
}
