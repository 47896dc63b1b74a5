// libFuzzer's driver entry point (compiler-rt, LLVM 13 and later). Each fuzz target's main.swift
// calls it: SwiftPM links an executable's `main` to the Swift module's entry point, so
// libFuzzer's own `main` cannot be used.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
