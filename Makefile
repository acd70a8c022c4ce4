# wgtray: build, run and test on Debian. Every target that needs system
# packages depends on `deps`, which installs them once and is a no-op after.

export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
# Every go command (build, vet, staticcheck's loader, the binaries the tests
# build) compiles with the same flags, so a cold cache compiles the GUI
# toolkit once for all of them instead of once per flag set.
GOFLAGS += -trimpath
export GOFLAGS
GO      ?= go
BIN     := bin
DIST    := dist
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X github.com/wgtray/wgtray/version.Version=$(VERSION) -X github.com/wgtray/wgtray/version.Commit=$(COMMIT)

# What the build, the tests and `make run` need from Debian.
APT_PACKAGES := gcc pkg-config libgl1-mesa-dev xorg-dev \
	wireguard-tools wireguard-go iproute2 iputils-ping iperf3 nftables \
	qrencode xvfb xauth dbus dbus-x11 gnome-keyring libsecret-tools imagemagick \
	gcc-mingw-w64-x86-64 procps \
	rpm systemd desktop-file-utils curl wine wine64

# Tests run inside a private D-Bus session with an unlocked gnome-keyring
# (the Secret Service) and a virtual X display for the Fyne window.
DESKTOP := dbus-run-session -- sh -c 'echo | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec xvfb-run -a -s "-screen 0 1280x1024x24" "$$0" "$$@"'

FUZZTIME ?= 60s

.PHONY: all deps build run test test-unit test-windows wine-prefix screenshot-windows bench lint cross cross-daemon fuzz clean package package-windows

all: build

deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	$(GO) mod download

# wgtray is the tray agent (no cgo, no GL on Linux); wgtray-window, the
# window it starts, links Fyne (cgo, OpenGL).
build: deps
	mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/wgtrayd ./cmd/wgtrayd
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/wgtray .
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/wgtray-window ./cmd/wgtray-window

# Run with sudo from a desktop session: starts the service in the
# background (as root: it owns the network), adds SUDO_USER to the group
# wgtray and starts the app as that user in their session
# (packaging/linux/run-as-user.sh). Without a desktop it shows the CLI.
run: build
	@if [ "$$(id -u)" != 0 ]; then \
		echo "make run installs packages and starts the root service: run it as sudo make run"; exit 1; \
	fi
	@if ! $(BIN)/wgtrayd list >/dev/null 2>&1; then \
		echo "starting wgtrayd run (log: /tmp/wgtrayd.log)"; \
		nohup $(BIN)/wgtrayd run >/tmp/wgtrayd.log 2>&1 & \
		i=0; until $(BIN)/wgtrayd list >/dev/null 2>&1; do \
			i=$$((i+1)); if [ $$i -gt 50 ]; then echo "wgtrayd does not answer:"; cat /tmp/wgtrayd.log; exit 1; fi; sleep 0.2; \
		done; \
	fi
	@BIN=$(BIN) packaging/linux/run-as-user.sh

# build first: the tests that run the binaries then only link them. The
# Rosenpass tests run again without -race: go-rosenpass races with itself
# (tunnel/rosenpass_linux_test.go), so they are built only without it.
test: deps lint cross-daemon build test-windows
	$(DESKTOP) $(GO) test -race -count=1 -timeout 30m ./...
	$(GO) test -count=1 -timeout 10m -run Rosenpass ./tunnel/

# The Windows code run on Windows APIs under Wine (internal/winetest): the
# test binaries of every package with Windows code that Wine can serve, then
# the Windows service and command line end to end (cmd/wgtrayd's TestWine*).
WINE_DIR      := $(CURDIR)/$(BIN)/wine
WINE_PACKAGES := ./importer/... ./service/... ./platform/... ./tunnel/... ./cmd/wgtrayd/ ./internal/atomicfile/
wine-prefix: deps
	internal/winetest/prefix $(WINE_DIR)

test-windows: wine-prefix
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 WGTRAY_WINEPREFIX=$(WINE_DIR) \
		$(GO) test -count=1 -timeout 15m -overlay $(WINE_DIR)/go-overlay.json \
		-exec $(CURDIR)/internal/winetest/exec $(WINE_PACKAGES)
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(WINE_DIR)/wgtrayd.exe ./cmd/wgtrayd
	WGTRAY_WINEPREFIX=$(WINE_DIR) WGTRAY_WINDOWS_DAEMON=$(WINE_DIR)/wgtrayd.exe \
		$(GO) test -count=1 -timeout 10m -run '^TestWine' ./cmd/wgtrayd/
	WINEPREFIX=$(WINE_DIR)/prefix wineserver -k || true

# The Windows build under Wine on a virtual display, the tray agent in a
# Wine desktop whose taskbar holds its icon, and its window, saved to
# docs/screenshot-windows.png. Not in make test: the window's mingw build
# takes minutes.
screenshot-windows: cross wine-prefix
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/wgtrayd.exe ./cmd/wgtrayd
	xvfb-run -a -s "-screen 0 1280x800x24" internal/winetest/screenshot $(WINE_DIR) $(BIN) docs/screenshot-windows.png

# Quick tests without root-only end-to-end set-ups or a desktop session.
test-unit:
	$(GO) test -count=1 -short ./...

# Each benchmark prints its own report; the figures are gathered at the end
# into one table (rows the benchmarks print as "table: ...", then Go's
# benchmark lines). About 5 minutes on 2 CPUs.
BENCH_LOG := $(BIN)/bench.log
bench: deps
	@mkdir -p $(BIN); : > $(BENCH_LOG); \
	for args in "-bench . -benchmem ./importer/..." \
		"-bench BenchmarkTunnel -benchtime 1x -timeout 20m ./tunnel/" \
		"-bench BenchmarkUpToHandshake -benchtime 1x -timeout 10m ./service/" \
		"-bench BenchmarkStatus -benchtime 500x -timeout 10m ./service/" \
		"-bench BenchmarkDesktopApp -benchtime 1x -timeout 10m ."; do \
		echo "go test -run '^\$$' $$args"; \
		{ $(GO) test -run '^$$' $$args 2>&1; echo $$? > $(BENCH_LOG).status; } | tee -a $(BENCH_LOG); \
		[ "$$(cat $(BENCH_LOG).status)" = 0 ] || exit 1; \
	done; \
	echo; echo "wgtray benchmarks ($$(nproc) CPUs)"; echo; \
	sed -n 's/^table: //p' $(BENCH_LOG); \
	grep '^Benchmark' $(BENCH_LOG)

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go') | tee /dev/stderr)"
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# The service for Windows and macOS, without cgo, and vetted there.
cross-daemon:
	@for target in windows/amd64 windows/arm64 darwin/amd64 darwin/arm64; do \
		os=$${target%/*}; arch=$${target#*/}; \
		echo "build and vet wgtrayd for $$os/$$arch"; \
		GOOS=$$os GOARCH=$$arch CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/wgtrayd || exit 1; \
		GOOS=$$os GOARCH=$$arch CGO_ENABLED=0 $(GO) vet ./cmd/wgtrayd/... ./service/... ./tunnel/... ./platform/... ./importer/... || exit 1; \
	done
	@echo "build and vet the tray agent wgtray for windows/amd64 (macOS: systray needs cgo with Apple's SDK)"
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -o /dev/null .
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) vet . ./tray/

cross: deps cross-daemon
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/wgtrayd
	mkdir -p $(BIN)
	GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc $(GO) build -ldflags '$(LDFLAGS) -H windowsgui' -o $(BIN)/wgtray.exe .
	GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc $(GO) build -ldflags '$(LDFLAGS) -H windowsgui' -o $(BIN)/wgtray-window.exe ./cmd/wgtray-window

# The .deb and .rpm into $(DIST)/: both binaries, the systemd units, the
# desktop and autostart entries, the icons (packaging/README.md).
package: build
	BIN=$(BIN) DIST=$(DIST) VERSION=$(VERSION) GO=$(GO) packaging/package.sh

# The Windows zip (packaging/windows/README.md). It downloads Wintun with a
# pinned checksum; where wintun.net is out of reach, WINTUN_ZIP=FILE.
package-windows: cross
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/wgtrayd.exe ./cmd/wgtrayd
	$(GO) run ./packaging/windows -bin $(BIN) -o $(DIST) -version $(VERSION) $(if $(WINTUN_ZIP),-wintun-zip $(WINTUN_ZIP))

# Runs every fuzz target for FUZZTIME each (go test allows one target a run).
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$target for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

clean:
	rm -rf $(BIN)
