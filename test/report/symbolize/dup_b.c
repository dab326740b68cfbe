// See dup_a.c: the second kfleet_dup, of another size.
static __attribute__((noinline)) int kfleet_dup(int x) { return x * x * 7 + (x >> 3) - x / 5; }
int kfleet_dup_b(int x) { return kfleet_dup(x) + 3; }
