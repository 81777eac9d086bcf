# Kubernetes files: the DaemonSet rendered from the flags, the agent image
# as an OCI archive (no Docker needed), the offline schema validator.
#
#   make manifest [INJECT=] [DETECT=] [ATTACH=] [IMAGE=] [PRIVILEGED=0|1]
#                 [VICTIM_IMAGE=] [METRICS_PORT=N|0] [KUBE_EVENTS=1|0]
#                 [RESPOND=none|kill|deny] [RESPOND_SCOPE=container|node]
#                                  -> $(BUILD)/beesting.yaml, victims.yaml
#                 [QUARANTINE=1 [QUARANTINE_NS=ns,...] [QUARANTINE_DNS=1]]
#                                  -> also $(BUILD)/quarantine.yaml
#   make image [IMAGE=ref]         -> $(BUILD)/beesting-image.tar
IMAGE ?= beesting:dev
VICTIM_IMAGE ?= busybox:1.36
PRIVILEGED ?= 1
INJECT ?= projected
DETECT ?= open
ATTACH ?= auto
METRICS_PORT ?= 9477
KUBE_EVENTS ?= 1
RESPOND ?= none
RESPOND_SCOPE ?= container
QUARANTINE ?= 0
QUARANTINE_NS ?= default,beesting-victims
QUARANTINE_DNS ?= 0
# harness/kind.sh (make bench BACKEND=k8s|kind) reads these too
export IMAGE VICTIM_IMAGE PRIVILEGED
IMAGE_TAR := $(BUILD)/beesting-image.tar
KIND_NPM := $(BUILD)/kind-npm
RENDER = /usr/bin/python3 kind/render.py --inject $(INJECT) \
	--detect $(DETECT) --attach $(ATTACH) --image '$(IMAGE)' \
	--victim-image '$(VICTIM_IMAGE)' --privileged $(PRIVILEGED) \
	--metrics-port $(METRICS_PORT) --kube-events $(KUBE_EVENTS) \
	--respond $(RESPOND) --respond-scope $(RESPOND_SCOPE)

# Rendered every time: the flags, not file dates, decide the contents.
manifest:
	$(Q)mkdir -p $(BUILD)
	$(Q)$(RENDER) agent > $(BUILD)/beesting.yaml.tmp && \
		mv $(BUILD)/beesting.yaml.tmp $(BUILD)/beesting.yaml
	$(Q)$(RENDER) victims > $(BUILD)/victims.yaml.tmp && \
		mv $(BUILD)/victims.yaml.tmp $(BUILD)/victims.yaml
ifeq ($(QUARANTINE),1)
	$(Q)$(RENDER) quarantine --namespaces '$(QUARANTINE_NS)' \
		--allow-dns $(QUARANTINE_DNS) > $(BUILD)/quarantine.yaml.tmp && \
		mv $(BUILD)/quarantine.yaml.tmp $(BUILD)/quarantine.yaml
	$(Q)echo "manifest: $(BUILD)/quarantine.yaml (namespaces" \
		"$(QUARANTINE_NS), dns=$(QUARANTINE_DNS))"
endif
	$(Q)echo "manifest: $(BUILD)/beesting.yaml $(BUILD)/victims.yaml" \
		"(inject=$(INJECT) detect=$(DETECT) attach=$(ATTACH)" \
		"image=$(IMAGE) privileged=$(PRIVILEGED))"

image: $(addprefix $(BUILD)/,beesting beesting-hook beesting-attack)
	$(Q)/usr/bin/python3 kind/image.py $(BUILD) $(IMAGE_TAR) '$(IMAGE)'

# kubernetes-models (the API's JSON schemas) for tests/test_kind_files.c.
# Offline machines keep going: the schema test then skips and says why.
$(KIND_NPM)/node_modules/.package-lock.json: kind/package.json kind/package-lock.json
	$(Q)command -v npm >/dev/null 2>&1 || PACKAGES="nodejs npm" ./tests/install-deps.sh
	$(Q)mkdir -p $(KIND_NPM) && cp kind/package.json kind/package-lock.json $(KIND_NPM)/
	$(Q)cd $(KIND_NPM) && npm ci --no-audit --no-fund --loglevel=error >/dev/null \
		|| echo "deps: npm ci failed: the schema test will be skipped"

deps: $(KIND_NPM)/node_modules/.package-lock.json

.PHONY: manifest image
