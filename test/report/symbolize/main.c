// The linked image's entry point (the "vmlinux" of symbolize.test.ts).
struct obj;
int kfleet_uaf_read(struct obj *o);
int main(void)
{
	static int buf[8];
	return kfleet_uaf_read((struct obj *)buf);
}
