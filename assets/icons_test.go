package assets

import (
	"bytes"
	"image/png"
	"os"
	"testing"
)

func TestCommittedIconMatchesDrawing(t *testing.T) {
	committed, err := os.ReadFile("icon.png")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, PNG(AppIcon(PackageIconSize))) {
		t.Fatal("icon.png differs from AppIcon: run `go generate ./assets`")
	}
}

func TestTrayIconsDifferPerState(t *testing.T) {
	seen := map[string]State{}
	for _, s := range States {
		b := PNG(TrayIcon(s, 32))
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Fatalf("state %d: %v", s, err)
		}
		if prev, ok := seen[string(b)]; ok {
			t.Fatalf("states %d and %d draw the same icon", prev, s)
		}
		seen[string(b)] = s
	}
}
