# beesting-attack: one access method per subcommand.  Static, because it is
# copied into busybox containers that have nothing but the kernel; it links
# only the method table, the accesses, the recon's tells and the bounded
# JSON reader (libc only), nothing from $(LIB).
BINS += beesting-attack
ATTACK_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,harness/attack/attack.c \
	harness/attack/access.c strategies/methods.c harness/attack/tells.c \
	harness/attack/token_shape.c agent/hook_json.c)

$(BUILD)/beesting-attack: $(ATTACK_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -static -o $@ $(ATTACK_OBJS)

# kind files are checked by tests/test_kind_files.c (yaml via python3);
# the peers (harness/peers.sh) drive auditd and fatrace.
EXTRA_DEB_PACKAGES += python3-yaml shellcheck auditd fatrace
