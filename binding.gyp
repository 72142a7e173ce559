{
  "targets": [
    {
      "target_name": "warp_aes_gcm",
      "sources": ["lib/crypto/native/aes-gcm-sealer.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror"]
    }
  ]
}
