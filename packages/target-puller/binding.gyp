{
  "targets": [
    {
      "target_name": "md5state",
      "sources": ["native/md5state.c"],
      "cflags": ["-O2", "-Wall", "-Wno-deprecated-declarations"]
    }
  ]
}
