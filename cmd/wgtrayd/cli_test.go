package main

import (
	"flag"
	"io"
	"slices"
	"testing"
)

func TestKeyStoreOptionIsTakenWhereverItIs(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		rest  []string
		store string
		ok    bool
	}{
		{[]string{"up", "home"}, []string{"up", "home"}, "keyring", true},
		{[]string{"--key-store=file", "import", "a.conf"}, []string{"import", "a.conf"}, "file", true},
		{[]string{"import", "--key-store", "file", "a.conf"}, []string{"import", "a.conf"}, "file", true},
		{[]string{"export", "home", "-key-store=keyring"}, []string{"export", "home"}, "keyring", true},
		{[]string{"import", "--", "--key-store=file"}, []string{"import", "--", "--key-store=file"}, "keyring", true},
		{[]string{"up", "--key-store=plain"}, nil, "", false},
		{[]string{"up", "--key-store"}, nil, "", false},
	} {
		keyStoreFlag = "keyring"
		rest, ok := takeKeyStore(tc.args, io.Discard)
		if ok != tc.ok || (ok && (!slices.Equal(rest, tc.rest) || keyStoreFlag != tc.store)) {
			t.Errorf("takeKeyStore(%q) = %q, %t with store %q; want %q, %t with %q", tc.args, rest, ok, keyStoreFlag, tc.rest, tc.ok, tc.store)
		}
	}
	keyStoreFlag = "keyring"
}

func TestParseInterspersedTakesFlagsAfterNames(t *testing.T) {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Bool("json", false, "")
	if err := parseInterspersed(fs, []string{"home", "--json"}); err != nil {
		t.Fatal(err)
	}
	out := fs.Args()
	if !jsonFlag(fs) || !slices.Equal(out, []string{"home"}) {
		t.Errorf("args %q json %t, want [home] and json", out, jsonFlag(fs))
	}
}
