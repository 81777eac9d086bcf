# beesting-attack: one access method per subcommand.  Static, because it is
# copied into busybox containers that have nothing but the kernel.
BINS += beesting-attack

$(BUILD)/beesting-attack: $(BUILD)/obj/harness/access.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -static -o $@ $<

# kind files are checked by tests/test_kind_files.c (yaml via python3);
# the peers (harness/peers.sh) drive auditd and fatrace.
EXTRA_DEB_PACKAGES += python3-yaml shellcheck auditd fatrace
