/* The boot menus (bootmenu.h), rendered from one table. */
#include <stddef.h>

#include "image/bootmenu.h"

/* the serial console too, so `livec run` and the tests see the boot */
#define CONSOLES "console=tty0 console=ttyS0,115200"

static const struct entry {
	const char *id;
	const char *title;    /* after the image's name; NULL for the default entry */
	const char *options;  /* livec's boot options for this entry */
	int cmdline;          /* image.boot.cmdline follows */
} entries[] = {
	{ "live", NULL, "", 1 },
	{ "toram", "copied to RAM", "livec.toram", 1 },
	{ "check", "check the medium first", "livec.check", 1 },
	{ "text", "text mode", "nox", 1 },
	{ "debug", "debug shell", "livec.debug", 0 },
};

static void options(const struct lv_bootmenu *m, const struct entry *e, struct lv_buf *out)
{
	lv_buf_printf(out, "%s%s%s%s%s", CONSOLES, *e->options ? " " : "", e->options,
		      e->cmdline && *m->cmdline ? " " : "", e->cmdline ? m->cmdline : "");
}

void lv_bootmenu_isolinux(const struct lv_bootmenu *m, struct lv_buf *out)
{
	lv_buf_printf(out, "# livec: generated from image.boot (the same entries as /boot/grub/grub.cfg)\n"
			   "SERIAL 0 115200\nDEFAULT live\nPROMPT 1\nTIMEOUT %d\n",
		      m->timeout);
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		const struct entry *e = &entries[i];
		lv_buf_printf(out, "\nLABEL %s\n  MENU LABEL %s (%s)%s%s\n  KERNEL /boot/vmlinuz\n"
				   "  APPEND initrd=/boot/initrd.gz ",
			      e->id, m->name, m->label, e->title ? ": " : "", e->title ? e->title : "");
		options(m, e, out);
		lv_buf_puts(out, "\n");
	}
}

void lv_bootmenu_grub(const struct lv_bootmenu *m, struct lv_buf *out)
{
	/* GRUB counts whole seconds; ISOLINUX's 0 is "wait", GRUB's -1 */
	lv_buf_printf(out, "# livec: generated from image.boot (the same entries as isolinux.cfg)\n"
			   "serial --unit=0 --speed=115200\n"
			   "terminal_input serial console\nterminal_output serial console\n"
			   "set default=live\nset timeout=%d\n",
		      m->timeout > 0 ? (m->timeout + 9) / 10 : -1);
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		const struct entry *e = &entries[i];
		lv_buf_printf(out, "\nmenuentry '%s (%s)%s%s' --id %s {\n\tlinux /boot/vmlinuz ", m->name, m->label,
			      e->title ? ": " : "", e->title ? e->title : "", e->id);
		options(m, e, out);
		lv_buf_puts(out, "\n\tinitrd /boot/initrd.gz\n}\n");
	}
}

void lv_bootmenu_grub_esp(const char *id_file, struct lv_buf *out)
{
	lv_buf_printf(out, "# livec: the medium of this build, by its ID file, and its menu\n"
			   "search --no-floppy --set=root --file %s\n"
			   "set prefix=($root)/boot/grub\n"
			   "configfile $prefix/grub.cfg\n",
		      id_file);
}
