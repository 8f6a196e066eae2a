# Builds the SO_ORIGINAL_DST addon (plexus_original_dst.node) with node-gyp. Pure C against
# Node-API, so one build works for every Node version with the same ABI (N-API 8, Node >= 20).
{
  "targets": [
    {
      "target_name": "plexus_original_dst",
      "sources": ["original_dst.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "conditions": [
        ["OS!='linux'", { "type": "none", "sources!": ["original_dst.c"] }]
      ]
    }
  ]
}
