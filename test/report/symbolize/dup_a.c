// Two static functions of one name in one relocatable object (ld -r of dup_a.o and dup_b.o), as
// a module built from several files can have: the frame's printed size says which is meant.
static __attribute__((noinline)) int kfleet_dup(int x) { return x + 1; }
int kfleet_dup_a(int x) { return kfleet_dup(x) * 2; }
