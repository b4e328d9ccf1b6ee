{
  "targets": [
    {
      "target_name": "govchain_sm2",
      "sources": ["src/sm2.c", "src/sm2_curve.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O3", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-Wall", "-Wextra"] }
    }
  ]
}
