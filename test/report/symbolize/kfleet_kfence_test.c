// A userspace stand-in for test/fixtures/kmod/kfleet_kfence_test.c (which needs kernel headers):
// built with gcc -g by test/report/symbolize.test.ts into a relocatable object (as a .ko is) and
// a linked image (as vmlinux is), whose frames kfleet report --symbolize must resolve.
struct obj { int a[8]; };
__attribute__((noinline)) int kfleet_read_field(struct obj *o, int i)
{
	return o->a[i]; /* LINE:read */
}
static inline int kfleet_inline_helper(struct obj *o)
{
	return kfleet_read_field(o, 3) + 1; /* LINE:inline-call */
}
__attribute__((noinline)) int kfleet_uaf_read(struct obj *o)
{
	int v = kfleet_inline_helper(o); /* LINE:caller */
	return v * 2;
}
/* In .text.unlikely (where gcc -O2 puts __cold functions), whose offsets start at 0 as .text's
 * do: a module's layout, where an offset names a place in each text section. */
__attribute__((cold, noinline, section(".text.unlikely"))) int kfleet_cold_read(struct obj *o)
{
	return o->a[5] * 3; /* LINE:cold */
}
